/**
 * The composition root (DESIGN §2): the only module that wires parts together.
 *
 * `startRelayer(config)` builds one relayer instance and returns a handle whose `stop()` shuts
 * it down in order; tests start several in one process. Run directly (`npm start`), it reads the
 * environment, starts, prints its URLs, and stops cleanly on SIGTERM/SIGINT.
 */
import { pathToFileURL } from 'node:url';
import { createPublicClient, http } from 'viem';
import { escrowScript } from '../contracts/cardano/index.js';
import { ActiveOrderBookImpl, PriceTicker } from './auction/index.js';
import { buildHttpApp, type HttpApp } from './api/http/index.js';
import { WsGateway } from './api/ws/index.js';
import { InProcessBus } from './bus/in-process.js';
import { RedisBus } from './bus/redis.js';
import { RoutedBus } from './bus/routed.js';
import { TracedBus } from './bus/traced.js';
import { ApiKeySource, type ReloadResult } from './api/api-key-file.js';
import { readTlsMaterial } from './api/http/server-factory.js';
import { startTracing } from './observability/tracing.js';
import type { Bus } from './bus/types.js';
import { readRescueDelay } from './chains/evm/rescue-delay.js';
import { checkMakerFunds, type ContractReader } from './chains/evm/maker-funds.js';
import { checkChainIdentity } from './chains/network-identity.js';
import type { FollowerStatus } from './chains/follower.js';
import { startChainFollowers } from './chains/start-followers.js';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.js';
import type { Hex, Order } from './domain/order.js';
import type { SupportedChains } from './domain/validate-order.js';
import { HealthRegistry, type HealthResult } from './observability/health.js';
import { createLogger, type Logger } from './observability/logger.js';
import { BusinessMetrics } from './observability/business-metrics.js';
import { createMetrics, type RelayerMetrics } from './observability/metrics.js';
import type { MakerFundsCheck } from './orders/ports.js';
import { OrderService } from './orders/service.js';
import { SettlementCoordinator } from './settlement/coordinator.js';
import { SecretGate } from './settlement/secret-gate.js';
import { PublicActionsReader } from './settlement/public-actions-reader.js';
import { ChainStateRepository } from './store/chain-state-repo.js';
import { createDatabase, type Database } from './store/db.js';
import { EscrowRepository } from './store/escrows-repo.js';
import { PostgresLeaderLock, SingleProcessLeaderLock, type LeaderLock } from './store/leader.js';
import { OrderRepositoryImpl } from './store/orders-repo.js';
import { SettlementRepository } from './store/settlement-repo.js';
import { WebhookRepository } from './store/webhooks-repo.js';
import { StreamRepository, startStreamRetention } from './store/stream-repo.js';
import { LeaderFence } from './store/fence.js';
import { Redis } from 'ioredis';
import { clientAddressOf } from './api/client-address.js';
import { RedisConnectionQuota } from './api/ws/ip-quota.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookService } from './webhooks/service.js';

export interface RelayerOptions {
  logger?: Logger;
  /** Unix seconds; tests pass a controllable clock. */
  clock?: () => number;
  /** Local devnets already started by the caller (the embedded default starts its own). */
  devnets?: LocalDevnets;
}

export interface LocalDevnets {
  evm?: { rpcUrl: string; wsUrl: string; chainId: number; factory: Hex; stop(): Promise<void> };
  cardano?: { url: string; chain: string; networkId: 0 | 1; stop(): Promise<void> };
}

export interface RunningRelayer {
  config: Config;
  httpUrl: string;
  httpPort: number;
  wsUrl: string;
  wsPort: number;
  metrics: RelayerMetrics;
  health: HealthRegistry;
  orders: OrderService;
  bus: Bus;
  /** What SIGHUP does: re-reads API_KEYS_FILE and swaps the resolver keys live (old keys stay on failure). */
  reload(): Promise<ReloadResult>;
  /** Idempotent: stops accepting work, drains, and closes every part in reverse order. */
  stop(): Promise<void>;
}

/** Long-running parts, stopped in reverse order of start. */
interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

const systemClock = () => Math.floor(Date.now() / 1000);

export async function startRelayer(config: Config, opts: RelayerOptions = {}): Promise<RunningRelayer> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  const health = new HealthRegistry();
  const parts: Stoppable[] = [];
  const stopAll = async () => {
    for (const part of parts.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        logger.error({ err, part: part.name }, 'error while stopping');
      }
    }
  };

  try {
    // Files named by the settings first, so a bad one stops the start before anything runs:
    // resolver keys (API_KEYS + API_KEYS_FILE, one live set for HTTP and WS) and TLS.
    const keySource = await ApiKeySource.open({ envKeys: config.apiKeys, file: config.apiKeysFile, logger });
    const tls = config.tls ? await readTlsMaterial(config.tls) : undefined;

    // Store: the source of truth.
    const database = await openStore(config, logger);
    parts.push({ name: 'store', stop: () => database.close() });
    health.register(
      'store',
      async () => {
        await database.ping();
        return { status: 'up', details: { engine: database.engine } };
      },
      { required: true },
    );
    const db = database.db;
    const orderRepo = new OrderRepositoryImpl(db);
    const escrows = new EscrowRepository(db);
    const chainState = new ChainStateRepository(db);

    // Bus: Redis across instances when configured; price ticks always stay local (RoutedBus).
    const onError = (err: unknown, topic: string) => logger.error({ err, topic }, 'bus subscriber threw; other subscribers still got the message');
    const shared = config.redisUrl
      ? new RedisBus({ url: config.redisUrl, channelPrefix: config.redisChannelPrefix, logger, onError })
      : new InProcessBus({ onError });
    const business = new BusinessMetrics({ registry: metrics.registry, orders: orderRepo, clock, wsMaxConnections: config.ws.maxConnections, logger });
    const bus = new TracedBus(business.observe(new RoutedBus(shared, new InProcessBus({ onError }), new Set(['prices']))));
    await bus.start();
    parts.push({ name: 'bus', stop: () => bus.stop() });
    if (shared instanceof RedisBus) {
      const redis = shared;
      health.register('redis', () => redis.health(), { required: true });
    }

    // Chains: configured endpoints, or the embedded devnets. `chainConfig` is what every part
    // sees, so the typed data served to makers names the factory actually followed.
    const evm = resolveEvm(config, opts.devnets);
    const cardano = resolveCardano(config, opts.devnets);
    const chainConfig: Config = { ...config, evm: { ...config.evm, ...evm } };

    const evmReader = evm.rpcUrl ? createPublicClient({ transport: http(evm.rpcUrl, { timeout: 5_000, retryCount: 1 }) }) : undefined;
    // Without a node there is nothing to settle against; with one, intake judges timelocks by
    // the rescue delay of the factory actually followed.
    const rescueDelay = evmReader ? await readRescueDelay(evmReader, evm.factory) : undefined;
    const supportedChains: SupportedChains = {
      evm: { [String(evm.chainId)]: { factory: evm.factory, ...(rescueDelay !== undefined ? { rescueDelay } : {}) } },
      cardano: [cardano.chain],
    };

    const makerFunds = evmReader ? evmMakerFunds(evmReader, evm.factory) : undefined;
    // Auction: the priced book of active orders and its ticker.
    const book = new ActiveOrderBookImpl({ repo: orderRepo, bus, logger, clock });
    await book.start();
    parts.push({ name: 'order-book', stop: () => book.stop() });
    const ticker = new PriceTicker({ book, bus, logger, metrics, intervalMs: config.priceTickMs, clock });
    await ticker.start();
    parts.push({ name: 'price-ticker', stop: () => ticker.stop() });

    const settlementStore = new SettlementRepository(db, chainState, escrows);
    const orders = new OrderService({
      repo: orderRepo,
      bus,
      clock,
      supportedChains,
      makerFunds,
      escrows,
      book,
      logger,
      metrics,
      secretGate: new SecretGate(config.settlement),
    });

    // Leader-only work (DESIGN §10): the chain followers and the settlement coordinator run on
    // one instance at a time; another takes over from the stored cursors if it dies.
    // Every write of these duties is fenced by the leadership epoch this instance claims when it
    // becomes leader (src/store/fence.ts): once another instance has claimed a newer one, a write
    // of this one is refused, even before it notices it lost the lock.
    const fence = new LeaderFence(db);
    const fencedChainState = chainState.fenced(fence);
    const leaderDuties = async (): Promise<Stoppable[]> => {
      const duties: Stoppable[] = [];
      try {
        const epoch = await fence.claim();
        logger.info({ epoch: epoch.toString() }, 'leadership epoch claimed');
        const followers = await startChainFollowers(
          {
            evm: evm.rpcUrl ? { ...evm, rpcUrl: evm.rpcUrl, startBlock: config.evm.startBlock, confirmations: config.evm.confirmations } : null,
            cardano: cardano.ogmiosUrl ? { ...cardano, ogmiosUrl: cardano.ogmiosUrl, confirmations: config.cardano.confirmations } : null,
          },
          { store: fencedChainState, bus, registry: metrics.registry, logger },
        );
        duties.push(...followers.duties);
        evmStatus = followers.evm;
        cardanoStatus = followers.cardano;
        const coordinator = new SettlementCoordinator({
          store: new SettlementRepository(db, fencedChainState, escrows, fence),
          orders: orderRepo.fenced(fence),
          bus,
          clock,
          policy: config.settlement,
          logger,
        });
        await coordinator.start();
        duties.push({ name: 'settlement', stop: () => coordinator.stop() });
        // Stopped first (duties stop in reverse): from then on, no write of this epoch lands.
        duties.push({ name: 'fence', stop: async () => fence.release() });
        return duties;
      } catch (err) {
        fence.release();
        for (const d of duties.reverse()) await d.stop().catch(() => undefined);
        throw err;
      }
    };
    let evmStatus: (() => FollowerStatus) | null = null;
    if (evm.rpcUrl) {
      health.register(`evm:${evm.chainId}`, () => monitorHealth(leadership, evmStatus?.()), { required: true });
    } else {
      health.register('evm', () => ({ status: 'disabled', details: { reason: 'EVM_RPC_URL not set' } }), { required: false });
    }
    let cardanoStatus: (() => FollowerStatus) | null = null;
    if (cardano.ogmiosUrl) {
      health.register(cardano.chain, () => monitorHealth(leadership, cardanoStatus?.()), { required: true });
    } else {
      health.register('cardano', () => ({ status: 'disabled', details: { reason: 'OGMIOS_URL not set' } }), { required: false });
    }
    const leadership = new Leadership(
      database.engine === 'postgres' && database.databaseUrl
        ? new PostgresLeaderLock({ databaseUrl: database.databaseUrl, logger })
        : new SingleProcessLeaderLock(),
      leaderDuties,
      logger,
      config.leaderRetryMs,
    );
    await leadership.start();
    parts.push({ name: 'leadership', stop: () => leadership.stop() });
    health.register(
      'leadership',
      () => ({ status: 'up', details: { leader: leadership.isLeader(), epoch: fence.current()?.toString() ?? null } }),
      { required: false },
    );

    // Limits shared by every instance (HTTP rate limits, WebSocket connections per address):
    // one command connection to Redis besides the bus's publish/subscribe pair.
    let limitsRedis: Redis | undefined;
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: false, lazyConnect: true });
      redis.on('error', (err) => logger.debug({ err }, 'limits redis connection error'));
      await redis.connect();
      limitsRedis = redis;
      parts.push({ name: 'limits-redis', stop: async () => void (await redis.quit().catch(() => redis.disconnect())) });
    }

    // The stored event stream WebSocket clients resume from; old events are pruned.
    const stream = new StreamRepository(db);
    const stopRetention = startStreamRetention(stream, config.stream.retentionMs, logger);
    parts.push({ name: 'stream-retention', stop: async () => stopRetention() });

    // HTTP.
    const publicActions = new PublicActionsReader({
      store: settlementStore,
      orders: orderRepo,
      clock,
      toleranceSeconds: config.settlement.toleranceSeconds,
    });
    business.watch({ store: settlementStore, publicActions, isLeader: () => leadership.isLeader() });
    // Webhooks: deliveries are derived from stored events and leased per row, so the dispatcher
    // runs on every instance (src/webhooks/README.md).
    const webhookRepo = new WebhookRepository(db);
    const dispatcher = new WebhookDispatcher({ repo: webhookRepo, publicActions, registry: metrics.registry, logger, settings: config.webhooks });
    await dispatcher.start();
    parts.push({ name: 'webhooks', stop: () => dispatcher.stop() });
    const webhooks = new WebhookService(webhookRepo, config.webhooks);
    const app: HttpApp = await buildHttpApp({
      config: chainConfig,
      orders,
      publicActions,
      webhooks,
      health,
      metrics,
      logger,
      apiKeys: keySource.keys,
      tls,
      ...(limitsRedis ? { rateLimitStore: { redis: limitsRedis, prefix: config.redisChannelPrefix } } : {}),
    });
    await app.listen({ host: config.host, port: config.httpPort });
    parts.push({ name: 'http', stop: () => app.close() });
    const httpPort = (app.server.address() as { port: number }).port;

    // WebSocket: its own port, and the same protocol at /ws on the HTTP port.
    const gateway = new WsGateway({
      config,
      bus,
      logger,
      metrics,
      apiKeys: keySource.keys,
      tls,
      stream: { source: stream, pollMs: config.stream.pollMs },
      clientAddress: clientAddressOf(config.trustProxy),
      ...(limitsRedis
        ? { quota: new RedisConnectionQuota({ redis: limitsRedis, limit: config.ws.maxConnectionsPerIp, prefix: config.redisChannelPrefix }) }
        : {}),
    });
    await gateway.start();
    gateway.attach(app.server, '/ws');
    parts.push({ name: 'websocket', stop: () => gateway.stop() });
    health.register('websocket', () => gateway.health(), { required: true });
    const wsPort = gateway.port() ?? config.wsPort;

    const httpUrl = `${tls ? 'https' : 'http'}://${displayHost(config.host)}:${httpPort}`;
    const wsUrl = `${tls ? 'wss' : 'ws'}://${displayHost(config.host)}:${wsPort}`;
    let stopping: Promise<void> | null = null;
    return {
      config,
      httpUrl,
      httpPort,
      wsUrl,
      wsPort,
      metrics,
      health,
      orders,
      bus,
      reload: () => keySource.reload(),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function openStore(config: Config, logger: Logger): Promise<Database> {
  const database = await createDatabase(
    config.databaseUrl ? { databaseUrl: config.databaseUrl, logger } : { dataDir: config.dataDir, logger },
  );
  await database.migrate();
  return database;
}

function resolveEvm(config: Config, devnets: LocalDevnets | undefined) {
  if (devnets?.evm) {
    return { chainId: devnets.evm.chainId, factory: devnets.evm.factory, rpcUrl: devnets.evm.rpcUrl, wsUrl: devnets.evm.wsUrl };
  }
  return { chainId: config.evm.chainId, factory: config.evm.factory, rpcUrl: config.evm.rpcUrl, wsUrl: config.evm.wsUrl };
}

function resolveCardano(config: Config, devnets: LocalDevnets | undefined) {
  // The escrow validator is ours: unless told otherwise, follow the committed script.
  const escrowScriptHash = config.cardano.escrowScriptHash ?? escrowScript.hash;
  if (devnets?.cardano) {
    return { chain: devnets.cardano.chain, ogmiosUrl: devnets.cardano.url, networkId: devnets.cardano.networkId, escrowScriptHash };
  }
  const networkId: 0 | 1 = config.cardano.network === 'mainnet' ? 1 : 0;
  return { chain: config.cardano.chain, ogmiosUrl: config.cardano.ogmiosUrl, networkId, escrowScriptHash };
}

function evmMakerFunds(client: ContractReader, factory: Hex): MakerFundsCheck {
  return {
    async check(order: Order) {
      const result = await checkMakerFunds(client, {
        token: order.makerAsset,
        maker: order.maker,
        spender: factory,
        amount: order.makingAmount,
      });
      if (result.ok) return { ok: true };
      const what = result.code === 'INSUFFICIENT_ALLOWANCE' ? 'allowance to the escrow factory' : 'balance';
      return { ok: false, code: result.code, message: `maker ${what} is ${result.have}, the order needs ${result.need}` };
    },
  };
}

/**
 * Holds the leader lock while it can and runs the leader's duties under it; a standby instance
 * retries the lock, and a leader that loses its lock stops its duties at once.
 */
class Leadership {
  private duties: Stoppable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly lock: LeaderLock,
    private readonly startDuties: () => Promise<Stoppable[]>,
    private readonly logger: Logger,
    private readonly retryMs = 5_000,
  ) {
    lock.onLost((reason) => {
      this.logger.error({ err: reason }, 'leadership lost; stopping leader duties');
      this.serial(() => this.stopDuties());
      this.schedule();
    });
  }

  isLeader(): boolean {
    return this.lock.isLeader() && this.duties.length > 0;
  }

  async start(): Promise<void> {
    await this.serial(() => this.tryLead());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.serial(async () => {
      await this.stopDuties();
      await this.lock.release();
    });
  }

  private async tryLead(): Promise<void> {
    if (this.stopped || this.duties.length > 0) return;
    let acquired = false;
    try {
      acquired = await this.lock.acquire();
    } catch (err) {
      this.logger.warn({ err }, 'could not reach the leader lock; will retry');
    }
    if (!acquired) {
      this.schedule();
      return;
    }
    try {
      this.duties = await this.startDuties();
      this.logger.info({ duties: this.duties.map((d) => d.name) }, 'this instance is the leader');
    } catch (err) {
      this.logger.error({ err }, 'leader duties failed to start; releasing leadership and retrying');
      await this.lock.release();
      this.schedule();
    }
  }

  private async stopDuties(): Promise<void> {
    const duties = this.duties.reverse();
    this.duties = [];
    for (const d of duties) await d.stop().catch((err: unknown) => this.logger.error({ err, part: d.name }, 'error while stopping'));
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.serial(() => this.tryLead()), this.retryMs);
    this.timer.unref();
  }

  private serial(work: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(work).catch((err: unknown) => this.logger.error({ err }, 'leadership step failed'));
    return this.busy;
  }
}

/** A chain follower's health: it runs on the leader only; a standby instance reports its role. */
function monitorHealth(
  leadership: Pick<Leadership, 'isLeader'>,
  status: { connected: boolean; lastError: string | null } | undefined,
): HealthResult {
  if (!leadership.isLeader()) return { status: 'up', details: { role: 'standby: another instance follows the chain' } };
  if (!status) return { status: 'down', error: 'follower not started' };
  return { status: status.connected ? 'up' : 'down', details: { ...status }, ...(status.lastError ? { error: status.lastError } : {}) };
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

/** Starts the embedded devnets when no chain is configured (DEVNET=auto). */
async function startEmbeddedDevnets(config: Config, logger: Logger): Promise<LocalDevnets> {
  const devnets: LocalDevnets = {};
  if (config.devnet === 'off') return devnets;
  if (!config.evm.rpcUrl) {
    // Imported only here: the devnet is never part of a configured (production) relayer.
    const { startEvmDevnet } = await import('../devnet/evm/index.js');
    const evm = await startEvmDevnet();
    devnets.evm = evm;
    logger.info({ rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, token: evm.token }, 'embedded EVM devnet (anvil) started');
  }
  if (!config.cardano.ogmiosUrl) {
    const { startCardanoDevnet } = await import('../devnet/cardano/index.js');
    const cardano = await startCardanoDevnet();
    devnets.cardano = cardano;
    logger.info({ url: cardano.url, chain: cardano.chain }, 'embedded Cardano devnet (Ogmios v6 over a ledger emulator) started');
  }
  return devnets;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`fusion-relayer: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
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
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`fusion-relayer: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }

  const devnets = await startEmbeddedDevnets(config, logger);
  const stopDevnets = async () => {
    await Promise.all([devnets.evm?.stop(), devnets.cardano?.stop()]);
  };
  let relayer: RunningRelayer;
  try {
    relayer = await startRelayer(config, { logger, devnets });
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await stopDevnets();
    await tracing.shutdown();
    process.exit(1);
  }

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
  process.stdout.write(`${lines.join('\n')}\n`);

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
      await stopDevnets();
      await tracing.shutdown();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => void relayer.reload());
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) void main();
