/**
 * The process entry (`npm start`, `node dist/src/entry.js`): reads the environment, checks the
 * configured nodes serve the chains the settings name, starts the embedded devnets when no chain
 * is configured, starts the relayer (src/main.ts), prints its URLs, and stops cleanly on
 * SIGTERM/SIGINT; SIGHUP reloads the resolver keys. Exit codes: 2 invalid configuration, 1 failed to start or to stop in time.
 */
import { pathToFileURL } from 'node:url';
import { startEmbeddedDevnets, stopDevnets } from '../devnet/embedded.js';
import { checkChainIdentity } from './chains/network-identity.js';
import type { LocalDevnets } from './chains/settings.js';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.js';
import { startRelayer, type RunningRelayer } from './main.js';
import { createLogger } from './observability/logger.js';
import { startTracing } from './observability/tracing.js';

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) exitInvalid(err);
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  logger.info({ config: describeConfig(config) }, 'starting');
  const tracing = startTracing(config.tracing, { logger });
  try {
    // Configured endpoints must serve the chains the settings (or NETWORK) name.
    await checkChainIdentity({
      preset: config.network,
      ...(config.evm.rpcUrl ? { evm: { rpcUrl: config.evm.rpcUrl, chainId: config.evm.chainId } } : {}),
      ...(config.cardano.ogmiosUrl ? { cardano: { ogmiosUrl: config.cardano.ogmiosUrl, network: config.cardano.network } } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) exitInvalid(err);
    throw err;
  }

  const devnets = await startEmbeddedDevnets(config, logger);
  let relayer: RunningRelayer;
  try {
    relayer = await startRelayer(config, { logger, devnets });
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await stopDevnets(devnets);
    await tracing.shutdown();
    process.exit(1);
  }
  process.stdout.write(banner(relayer, devnets));

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    void (async () => {
      await relayer.stop();
      await stopDevnets(devnets);
      await tracing.shutdown();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // SIGHUP: re-read API_KEYS_FILE; a bad file keeps the old keys (logged by the reload).
  process.on('SIGHUP', () => void relayer.reload());
}

function exitInvalid(err: ConfigError): never {
  process.stderr.write(`fusion-relayer: invalid configuration: ${err.message}\n`);
  process.exit(2);
}

function banner(relayer: RunningRelayer, devnets: LocalDevnets): string {
  const lines = [
    `Fusion relayer is running.`,
    `  REST API   ${relayer.httpUrl}/api/orders   (docs: ${relayer.httpUrl}/docs)`,
    `  WebSocket  ${relayer.wsUrl}   (also ${relayer.httpUrl.replace('http', 'ws')}/ws)`,
    `  Health     ${relayer.httpUrl}/health`,
    `  Metrics    ${relayer.httpUrl}/metrics`,
    ...(devnets.evm ? [`  EVM devnet ${devnets.evm.rpcUrl} (chain ${devnets.evm.chainId}, factory ${devnets.evm.factory})`] : []),
    ...(devnets.cardano ? [`  Cardano    ${devnets.cardano.url} (Ogmios v6, ${devnets.cardano.chain})`] : []),
    `Stop with Ctrl-C.`,
  ];
  return `${lines.join('\n')}\n`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) void main();
