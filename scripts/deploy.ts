/**
 * `npm run deploy -- evm|cardano …`: puts the contracts on a real network (or any node that speaks
 * JSON-RPC / Ogmios v6) and prints the relayer settings to use. No devnet code path: the local
 * devnets are deployed to exactly like Sepolia or preprod. See `npm run deploy -- --help`.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { checkChainIdentity, ogmiosStartTime } from '../src/chains/network-identity.js';
import { NETWORK_PRESETS, PRESETS, cardanoNetworkByStart, type NetworkPresetName } from '../src/network-presets.js';
import { deployCardano } from './deploy/cardano.js';
import { deployEvm } from './deploy/evm.js';
import { DeployError, readKeyFile } from './deploy/key-file.js';

export const HELP = `Usage:
  npm run deploy -- evm --rpc URL --key-file FILE [--rescue-delay SECONDS] [--network PRESET] [--json]
  npm run deploy -- cardano --ogmios URL --key-file FILE [--to ADDRESS] [--network PRESET] [--json]
  npm run deploy -- --help

evm      Deploys the EscrowFactory (it deploys the EscrowSrc/EscrowDst implementations) with the
         key in FILE (one line: 32 bytes of hex, optional 0x) and prints EVM_CHAIN_ID,
         EVM_ESCROW_FACTORY and EVM_START_BLOCK (the deployment block) for the relayer.
         --rescue-delay  seconds before a taker may rescue funds stuck in an escrow (default 2592000, 30 days)
cardano  Publishes the escrow validator as a reference script, paid to the key's enterprise
         address (or --to ADDRESS), with the key in FILE (32-byte Ed25519 seed, hex). Prints
         CARDANO_ESCROW_SCRIPT (the script hash), the escrow address and the reference UTxO.

--network PRESET (or NETWORK=PRESET in the environment): one of ${NETWORK_PRESETS.join(', ')}.
         Before anything is signed, the node must report the preset's chain (EVM chain id;
         Cardano network by its system start), otherwise the deploy stops and names the variable.
--json   print the result as one JSON object instead of text.

Keys are read from files only (never arguments: process lists and shell history show those).
Exit codes: 0 deployed, 1 the deployment failed, 2 bad usage or wrong network.
`;

const DEFAULT_RESCUE_DELAY = 30 * 24 * 3600;

function usage(message: string): never {
  throw new DeployError('USAGE', `${message}\n\n${HELP}`);
}

function presetFrom(cli: string | undefined): NetworkPresetName | null {
  // The relayer's own parsing of NETWORK, so both refuse the same values the same way.
  return loadConfig({ NETWORK: cli ?? process.env.NETWORK }).network;
}

async function main(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rpc: { type: 'string' },
      ogmios: { type: 'string' },
      'key-file': { type: 'string' },
      'rescue-delay': { type: 'string' },
      network: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const target = positionals[0];
  if (values.help || target === 'help' || target === undefined) {
    if (!values.help && target === undefined) usage('name what to deploy: evm or cardano');
    return HELP;
  }
  const preset = presetFrom(values.network);
  const keyFile = values['key-file'] ?? usage('--key-file FILE is required');

  if (target === 'evm') {
    const rpcUrl = values.rpc ?? usage('--rpc URL is required');
    const rescue = values['rescue-delay'] ?? String(DEFAULT_RESCUE_DELAY);
    if (!/^\d+$/.test(rescue)) usage('--rescue-delay must be a whole number of seconds');
    const privateKey = readKeyFile(keyFile, 32);
    if (preset) await checkChainIdentity({ preset, evm: { rpcUrl, chainId: PRESETS[preset].evm.chainId } });
    const d = await deployEvm({ rpcUrl, privateKey, rescueDelay: Number(rescue) });
    const settings = {
      ...(preset ? { NETWORK: preset } : {}),
      EVM_CHAIN_ID: String(d.chainId),
      EVM_ESCROW_FACTORY: d.factory,
      EVM_START_BLOCK: d.block.toString(),
    };
    if (values.json) return JSON.stringify({ ...d, block: d.block.toString(), settings });
    return [
      `EscrowFactory deployed on chain ${d.chainId} in block ${d.block} (tx ${d.txHash}) by ${d.deployer}.`,
      `  EscrowSrc implementation ${d.srcImplementation}`,
      `  EscrowDst implementation ${d.dstImplementation}`,
      `  rescue delay             ${d.rescueDelay} s`,
      '',
      'Relayer settings:',
      ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n');
  }

  if (target === 'cardano') {
    const ogmiosUrl = values.ogmios ?? usage('--ogmios URL is required');
    const privateKey = readKeyFile(keyFile, 32);
    let network;
    if (preset) {
      network = PRESETS[preset].cardano.network;
      await checkChainIdentity({ preset, cardano: { ogmiosUrl, network } });
    } else {
      network = cardanoNetworkByStart(await ogmiosStartTime(ogmiosUrl)) ?? 'devnet';
    }
    const networkId = network === 'mainnet' ? 1 : 0;
    const d = await deployCardano({ ogmiosUrl, privateKey, networkId, ...(values.to ? { to: values.to } : {}) });
    const settings = { ...(preset ? { NETWORK: preset } : {}), CARDANO_NETWORK: network, CARDANO_ESCROW_SCRIPT: d.scriptHash };
    if (values.json) return JSON.stringify({ ...d, lovelace: d.lovelace.toString(), network, settings });
    return [
      `Escrow validator published on Cardano ${network} as a reference script.`,
      `  script hash     ${d.scriptHash}`,
      `  escrow address  ${d.escrowAddress}`,
      `  reference UTxO  ${d.referenceUtxo} (${d.lovelace} lovelace at ${d.holder})`,
      '',
      'Relayer settings:',
      ...Object.entries(settings).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n');
  }
  return usage(`unknown target "${target}": use evm or cardano`);
}

main(process.argv.slice(2)).then(
  (out) => {
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`deploy: wrong network: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof DeployError) {
      process.stderr.write(`deploy: ${err.message}\n`);
      process.exit(err.code === 'USAGE' ? 2 : 1);
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`deploy: ${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    process.stderr.write(`deploy: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
