/**
 * The composition root (architecture §2): the only module that wires parts together.
 *
 * `startRelayer(config)` builds one relayer instance and returns a handle whose `stop()` shuts
 * it down in order; tests start several in one process. The process entry (`npm start`:
 * environment, devnets, signals) is src/entry.ts.
 */
import { pathToFileURL } from 'node:url';
import { ActiveOrderBookImpl, PriceTicker } from './auction/index.js';
import { buildHttpApp } from './api/http/index.js';
import { WsGateway } from './api/ws/index.js';
import { Redis } from 'ioredis';
import { ApiKeySource, type ReloadResult } from './api/api-key-file.js';
import { clientAddressOf } from './api/client-address.js';
import { readTlsMaterial } from './api/http/server-factory.js';
import { RedisConnectionQuota } from './api/ws/ip-quota.js';
import { InProcessBus } from './bus/in-process.js';
import { RedisBus } from './bus/redis.js';
import { RoutedBus } from './bus/routed.js';
import { TracedBus } from './bus/traced.js';
import type { Bus } from './bus/types.js';
import { ChainFollowers } from './chains/followers.js';
import { intakeChains } from './chains/intake.js';
import { resolveChains, type LocalDevnets } from './chains/settings.js';
import type { Config } from './config.js';
import { HealthRegistry } from './observability/health.js';
import { createLogger, type Logger } from './observability/logger.js';
import { BusinessMetrics } from './observability/business-metrics.js';
import { createMetrics, type RelayerMetrics } from './observability/metrics.js';
import { OrderService } from './orders/service.js';
import { SettlementCoordinator } from './settlement/coordinator.js';
import { SecretGate } from './settlement/secret-gate.js';
import { PublicActionsReader } from './settlement/public-actions-reader.js';
import { createStore, Leadership, type Duty } from './store/index.js';
import { LeaderFence } from './store/fence.js';
import { SettlementRepository } from './store/settlement-repo.js';
import { startStreamRetention, StreamRepository } from './store/stream-repo.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookService } from './webhooks/service.js';

export type { LocalDevnets } from './chains/settings.js';

export interface RelayerOptions {
  logger?: Logger;
  /** Unix seconds; tests pass a controllable clock. */
  clock?: () => number;
  /** Local devnets already started by the caller (the process entry starts the embedded ones). */
  devnets?: LocalDevnets;
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

const systemClock = () => Math.floor(Date.now() / 1000);

export async function startRelayer(config: Config, opts: RelayerOptions = {}): Promise<RunningRelayer> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  const health = new HealthRegistry();
  // Long-running parts, stopped in reverse order of start.
  const parts: Duty[] = [];
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
    const store = await createStore(config.databaseUrl ? { databaseUrl: config.databaseUrl, logger } : { dataDir: config.dataDir, logger });
    parts.push({ name: 'store', stop: () => store.close() });
    const { database } = store;
    const storeHealth = async () => {
      await database.ping();
      return { status: 'up' as const, details: { engine: database.engine } };
    };
    health.register('store', storeHealth, { required: true });

    // Bus: Redis across instances when configured; price ticks always stay local (RoutedBus).
    const onError = (err: unknown, topic: string) => logger.error({ err, topic }, 'bus subscriber threw; other subscribers still got the message');
    const shared = config.redisUrl
      ? new RedisBus({ url: config.redisUrl, channelPrefix: config.redisChannelPrefix, logger, onError })
      : new InProcessBus({ onError });
    const business = new BusinessMetrics({ registry: metrics.registry, orders: store.orders, clock, wsMaxConnections: config.ws.maxConnections, logger });
    const bus = new TracedBus(business.observe(new RoutedBus(shared, new InProcessBus({ onError }), new Set(['prices']))));
    await bus.start();
    parts.push({ name: 'bus', stop: () => bus.stop() });
    if (shared instanceof RedisBus) health.register('redis', () => shared.health(), { required: true });

    // Chains: configured endpoints, or the devnets the caller started; every part gets these settings.
    const chains = resolveChains(config, opts.devnets);
    const { supportedChains, makerFunds } = await intakeChains(chains);

    // Auction: the priced book of active orders and its ticker.
    const book = new ActiveOrderBookImpl({ repo: store.orders, bus, logger, clock });
    await book.start();
    parts.push({ name: 'order-book', stop: () => book.stop() });
    const ticker = new PriceTicker({ book, bus, logger, metrics, intervalMs: config.priceTickMs, clock });
    await ticker.start();
    parts.push({ name: 'price-ticker', stop: () => ticker.stop() });

    const orders = new OrderService({
      repo: store.orders,
      bus,
      clock,
      supportedChains,
      makerFunds,
      escrows: store.escrows,
      book,
      logger,
      metrics,
      secretGate: new SecretGate(config.settlement),
    });

    // Leader-only work (architecture §10): the chain followers and the settlement coordinator run
    // on one instance at a time; another takes over from the stored cursors if it dies. Every
    // write of these duties is fenced by the leadership epoch this instance claims when it becomes
    // leader (src/store/fence.ts): once another instance claimed a newer one, a write of this one
    // is refused, even before it notices it lost the lock.
    const followers = new ChainFollowers({ chains, bus, metrics, logger });
    const fence = new LeaderFence(store.database.db);
    const fencedChainState = store.chainState.fenced(fence);
    const leaderDuties = async (): Promise<Duty[]> => {
      const epoch = await fence.claim();
      logger.info({ epoch: epoch.toString() }, 'leadership epoch claimed');
      let duties: Duty[] = [];
      try {
        duties = await followers.start(fencedChainState);
        const coordinator = new SettlementCoordinator({
          store: new SettlementRepository(store.database.db, fencedChainState, store.escrows, fence),
          orders: store.orders.fenced(fence),
          bus,
          clock,
          policy: config.settlement,
          logger,
        });
        await coordinator.start();
        // The fence is released first (duties stop in reverse): from then on, no write of this epoch lands.
        return [...duties, { name: 'settlement', stop: () => coordinator.stop() }, { name: 'fence', stop: async () => fence.release() }];
      } catch (err) {
        fence.release();
        for (const d of duties.reverse()) await d.stop().catch(() => undefined);
        throw err;
      }
    };
    const leadership = new Leadership(store.leader({ logger }), leaderDuties, logger, config.leaderRetryMs);
    followers.registerHealth(health, () => leadership.isLeader());
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
    const stream = new StreamRepository(store.database.db);
    const stopRetention = startStreamRetention(stream, config.stream.retentionMs, logger);
    parts.push({ name: 'stream-retention', stop: async () => stopRetention() });

    const publicActions = new PublicActionsReader({
      store: store.settlement,
      orders: store.orders,
      clock,
      toleranceSeconds: config.settlement.toleranceSeconds,
    });
    business.watch({ store: store.settlement, publicActions, isLeader: () => leadership.isLeader() });
    // Webhooks: deliveries are derived from stored events and leased per row, so the dispatcher
    // runs on every instance (src/webhooks/README.md).
    const dispatcher = new WebhookDispatcher({ repo: store.webhooks, publicActions, registry: metrics.registry, logger, settings: config.webhooks });
    await dispatcher.start();
    parts.push({ name: 'webhooks', stop: () => dispatcher.stop() });
    const webhooks = new WebhookService(store.webhooks, config.webhooks);

    // HTTP.
    const app = await buildHttpApp({
      config,
      evm: chains.evm,
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

    let stopping: Promise<void> | null = null;
    return {
      config,
      httpUrl: `${tls ? 'https' : 'http'}://${displayHost(config.host)}:${httpPort}`,
      httpPort,
      wsUrl: `${tls ? 'wss' : 'ws'}://${displayHost(config.host)}:${wsPort}`,
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

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

// This file was the process entry before src/entry.ts: run directly, it still starts the process
// (an operator's `node dist/src/main.js` keeps working instead of exiting silently).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void import('./entry.js').then((entry) => entry.main());
