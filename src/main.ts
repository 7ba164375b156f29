/**
 * The composition root (DESIGN §2): the only module that wires parts together.
 *
 * `startRelayer(config)` builds one relayer instance and returns a handle whose `stop()` shuts
 * it down in order; tests start several in one process. The process entry (`npm start`:
 * environment, devnets, signals) is src/entry.ts.
 */
import { pathToFileURL } from 'node:url';
import { ActiveOrderBookImpl, PriceTicker } from './auction/index.js';
import { buildHttpApp } from './api/http/index.js';
import { WsGateway } from './api/ws/index.js';
import { InProcessBus } from './bus/in-process.js';
import { RedisBus } from './bus/redis.js';
import { RoutedBus } from './bus/routed.js';
import type { Bus } from './bus/types.js';
import { intakeChains } from './chains/intake.js';
import { ChainMonitors } from './chains/monitors.js';
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
    const bus = business.observe(new RoutedBus(shared, new InProcessBus({ onError }), new Set(['prices'])));
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

    // Leader-only work (DESIGN §10): the chain monitors and the settlement coordinator run on
    // one instance at a time; another takes over from the stored cursors if it dies.
    const monitors = new ChainMonitors({ chains, chainState: store.chainState, bus, metrics, logger });
    const leaderDuties = async (): Promise<Duty[]> => {
      const duties = await monitors.start();
      try {
        const coordinator = new SettlementCoordinator({ store: store.settlement, orders: store.orders, bus, clock, policy: config.settlement, logger });
        await coordinator.start();
        return [...duties, { name: 'settlement', stop: () => coordinator.stop() }];
      } catch (err) {
        for (const d of duties.reverse()) await d.stop().catch(() => undefined);
        throw err;
      }
    };
    const leadership = new Leadership(store.leader({ logger }), leaderDuties, logger);
    monitors.registerHealth(health, () => leadership.isLeader());
    await leadership.start();
    parts.push({ name: 'leadership', stop: () => leadership.stop() });
    health.register('leadership', () => ({ status: 'up', details: { leader: leadership.isLeader() } }), { required: false });

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
    const app = await buildHttpApp({ config, evm: chains.evm, orders, publicActions, webhooks, health, metrics, logger });
    await app.listen({ host: config.host, port: config.httpPort });
    parts.push({ name: 'http', stop: () => app.close() });
    const httpPort = (app.server.address() as { port: number }).port;

    // WebSocket: its own port, and the same protocol at /ws on the HTTP port.
    const gateway = new WsGateway({ config, bus, logger, metrics });
    await gateway.start();
    gateway.attach(app.server, '/ws');
    parts.push({ name: 'websocket', stop: () => gateway.stop() });
    health.register('websocket', () => gateway.health(), { required: true });
    const wsPort = gateway.port() ?? config.wsPort;

    let stopping: Promise<void> | null = null;
    return {
      config,
      httpUrl: `http://${displayHost(config.host)}:${httpPort}`,
      httpPort,
      wsUrl: `ws://${displayHost(config.host)}:${wsPort}`,
      wsPort,
      metrics,
      health,
      orders,
      bus,
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
