/**
 * The reference resolver as its own process (`npm run resolver`), configured from the
 * environment. It talks to the relayer's public API and to the chains only.
 *
 *   RELAYER_URL, RELAYER_WS_URL, RESOLVER_API_KEY
 *   EVM_RPC_URL, EVM_CHAIN_ID, EVM_ESCROW_FACTORY, RESOLVER_EVM_KEY
 *   OGMIOS_URL (ws://host:port), CARDANO_NETWORK (mainnet|preprod|preview|devnet), RESOLVER_CARDANO_KEY
 *   RESOLVER_MAX_PAYMENT   the most lovelace it pays for one order
 *   RESOLVER_JOBS_FILE     where its progress is kept (default ./.data/resolver-jobs.json)
 *   RESOLVER_PUBLIC_ACTIONS on|off: settle other resolvers' escrows in their public windows (default on)
 */
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { getAddress, isAddress, type Hex } from 'viem';
import { createResolver } from './setup.js';

type Env = Record<string, string | undefined>;

function need(env: Env, name: string, check: (v: string) => boolean, what: string): string {
  const v = env[name]?.trim();
  if (!v) throw new Error(`${name}: required`);
  if (!check(v)) throw new Error(`${name}: ${what}`);
  return v;
}

export function resolverSettingsFromEnv(env: Env) {
  const url = (v: string) => URL.canParse(v);
  const hex = (bytes: number) => (v: string) => new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`).test(v);
  const ogmios = new URL(need(env, 'OGMIOS_URL', url, 'must be a ws:// URL'));
  const network = env.CARDANO_NETWORK ?? 'devnet';
  if (!['mainnet', 'preprod', 'preview', 'devnet'].includes(network)) throw new Error('CARDANO_NETWORK: must be mainnet, preprod, preview or devnet');
  const publicActions = env.RESOLVER_PUBLIC_ACTIONS ?? 'on';
  if (publicActions !== 'on' && publicActions !== 'off') throw new Error('RESOLVER_PUBLIC_ACTIONS: must be on or off');
  const maxPayment = BigInt(need(env, 'RESOLVER_MAX_PAYMENT', (v) => /^\d+$/.test(v), 'must be a whole number of lovelace'));
  return {
    relayerUrl: need(env, 'RELAYER_URL', url, 'must be a URL'),
    wsUrl: need(env, 'RELAYER_WS_URL', url, 'must be a ws:// URL'),
    apiKey: need(env, 'RESOLVER_API_KEY', (v) => v.length >= 16, 'must be at least 16 characters'),
    evm: {
      rpcUrl: need(env, 'EVM_RPC_URL', url, 'must be a URL'),
      chainId: Number(need(env, 'EVM_CHAIN_ID', (v) => /^\d+$/.test(v), 'must be a number')),
      factory: getAddress(need(env, 'EVM_ESCROW_FACTORY', (v) => isAddress(v, { strict: false }), 'must be an EVM address')),
      privateKey: need(env, 'RESOLVER_EVM_KEY', hex(32), 'must be 32 bytes of hex') as Hex,
    },
    cardano: {
      host: ogmios.hostname,
      port: Number(ogmios.port || (ogmios.protocol === 'wss:' ? 443 : 80)),
      chain: `cardano:${network}`,
      networkId: (network === 'mainnet' ? 1 : 0) as 0 | 1,
      paymentKey: need(env, 'RESOLVER_CARDANO_KEY', hex(32), 'must be a 32-byte Ed25519 key in hex').replace(/^0x/, ''),
    },
    maxPayment: (o: { takerAsset: string }) => (o.takerAsset === 'lovelace' ? maxPayment : null),
    jobsFile: env.RESOLVER_JOBS_FILE ?? './.data/resolver-jobs.json',
    publicActions: publicActions === 'on',
  };
}

async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', redact: ['apiKey', '*.apiKey', '*.privateKey', '*.paymentKey'] });
  let settings: ReturnType<typeof resolverSettingsFromEnv>;
  try {
    settings = resolverSettingsFromEnv(process.env);
  } catch (err) {
    process.stderr.write(`resolver: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const resolver = await createResolver({ ...settings, logger });
  try {
    await resolver.bot.start();
  } catch (err) {
    // E.g. an unreadable jobs file (JsonFileError): stop rather than forget jobs that hold funds.
    process.stderr.write(`resolver: cannot start: ${(err as Error).message}\n`);
    await resolver.close().catch(() => undefined);
    process.exit(1);
  }
  logger.info({ relayer: settings.relayerUrl }, 'resolver running');
  const stop = () => void resolver.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
