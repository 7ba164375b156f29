/**
 * `npm run devnet`: both local chains as their own long-running process, so relayers (and the
 * deploy tool) can use them as if they were remote networks: anvil with the escrow factory and a
 * test token deployed, and the Cardano devnet (Ogmios v6 over the ledger emulator). Prints the
 * endpoints, deployed addresses, funded test keys and the relayer settings; `--out DIR` also
 * writes them as files (devnet.json, relayer.env, one key file per account). Stops on
 * SIGTERM/SIGINT. Development only: every key printed here is public.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCardanoDevnet } from '../devnet/cardano/index.js';
import { startEvmDevnet } from '../devnet/evm/index.js';

const HELP = `Usage: npm run devnet -- [options]

Starts anvil (escrow factory + test token deployed, accounts funded) and the Cardano devnet
(Ogmios v6) and keeps them running until SIGTERM/SIGINT.

Options:
  --host IP            interface both chains listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --evm-port N         anvil's port (default 8545; 0 = any free port)
  --ogmios-port N      the Ogmios endpoint's port (default 1337; 0 = any free port)
  --block-time S       seconds per EVM block (default 1; 0 = one block per transaction)
  --out DIR            also write devnet.json, relayer.env and key files (evm-<role>.key, cardano-<i>.key)
  -h, --help           this text
`;

export interface DevnetInfo {
  evm: {
    rpcUrl: string;
    wsUrl: string;
    chainId: number;
    factory: string;
    token: string;
    accounts: Record<string, { address: string; privateKey: string }>;
  };
  cardano: {
    ogmiosUrl: string;
    network: 'devnet';
    networkId: 0;
    accounts: { index: number; address: string; privateKey: string; lovelace: string }[];
  };
  /** The settings a relayer needs to follow these chains (EVM_START_BLOCK 0: the factory is in the first blocks). */
  relayerEnv: Record<string, string>;
}

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      'evm-port': { type: 'string' },
      'ogmios-port': { type: 'string' },
      'block-time': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const host = values.host ?? '127.0.0.1';
  const blockTime = intOption(values['block-time'], 'block-time', 1);
  const evm = await startEvmDevnet({
    host,
    port: intOption(values['evm-port'], 'evm-port', 8545),
    ...(blockTime > 0 ? { blockTime } : {}),
  });
  let cardano: Awaited<ReturnType<typeof startCardanoDevnet>>;
  try {
    cardano = await startCardanoDevnet({ host, port: intOption(values['ogmios-port'], 'ogmios-port', 1337) });
  } catch (err) {
    await evm.stop();
    throw err;
  }
  // What other machines dial: a wildcard listener is announced as loopback (override per client).
  const ogmiosUrl = `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${cardano.port}`;
  const info: DevnetInfo = {
    evm: {
      rpcUrl: evm.rpcUrl,
      wsUrl: evm.wsUrl,
      chainId: evm.chainId,
      factory: evm.factory,
      token: evm.token,
      accounts: Object.fromEntries(Object.entries(evm.accounts).map(([role, a]) => [role, { address: a.address, privateKey: a.privateKey }])),
    },
    cardano: {
      ogmiosUrl,
      network: 'devnet',
      networkId: 0,
      accounts: cardano.accounts.map((a) => ({ index: a.index, address: a.address, privateKey: a.privateKey, lovelace: a.lovelace.toString() })),
    },
    relayerEnv: {
      NETWORK: 'devnet',
      EVM_RPC_URL: evm.rpcUrl,
      EVM_WS_URL: evm.wsUrl,
      EVM_ESCROW_FACTORY: evm.factory,
      EVM_START_BLOCK: '0',
      OGMIOS_URL: ogmiosUrl,
    },
  };
  if (values.out) writeFiles(values.out, info);
  process.stdout.write(describe(info, values.out));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`devnet: ${signal}, stopping\n`);
    void Promise.all([evm.stop(), cardano.stop()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function writeFiles(dir: string, info: DevnetInfo): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'devnet.json'), `${JSON.stringify(info, null, 2)}\n`);
  writeFileSync(path.join(dir, 'relayer.env'), Object.entries(info.relayerEnv).map(([k, v]) => `${k}=${v}\n`).join(''));
  for (const [role, a] of Object.entries(info.evm.accounts)) writeFileSync(path.join(dir, `evm-${role}.key`), `${a.privateKey}\n`, { mode: 0o600 });
  for (const a of info.cardano.accounts) writeFileSync(path.join(dir, `cardano-${a.index}.key`), `${a.privateKey}\n`, { mode: 0o600 });
}

function describe(info: DevnetInfo, out: string | undefined): string {
  const lines = [
    'Devnets are running (development keys: public, never use them elsewhere).',
    '',
    `EVM (anvil)   ${info.evm.rpcUrl}  ws ${info.evm.wsUrl}  chain id ${info.evm.chainId}`,
    `  EscrowFactory ${info.evm.factory}`,
    `  TestToken     ${info.evm.token} (18 decimals, open mint)`,
    ...Object.entries(info.evm.accounts).map(([role, a]) => `  ${role.padEnd(13)} ${a.address}  key ${a.privateKey}`),
    '',
    `Cardano (Ogmios v6)  ${info.cardano.ogmiosUrl}  network devnet (testnet addresses)`,
    ...info.cardano.accounts.slice(0, 4).map((a) => `  account ${a.index}  ${a.address}  key ${a.privateKey}`),
    `  … ${info.cardano.accounts.length} accounts with ${BigInt(info.cardano.accounts[0]?.lovelace ?? 0) / 1_000_000n} ADA each`,
    '',
    'Relayer settings:',
    ...Object.entries(info.relayerEnv).map(([k, v]) => `  ${k}=${v}`),
    ...(out ? ['', `Written to ${out}/ (devnet.json, relayer.env, evm-<role>.key, cardano-<i>.key).`] : []),
    'Stop with Ctrl-C.',
    '',
  ];
  return lines.join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`devnet: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
