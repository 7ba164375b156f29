/**
 * What the operator is paid for and can lose money on, as Prometheus metrics (the alert rules
 * and dashboard in ops/ use them):
 *
 * - counted where the work happens: the bus is wrapped so that only messages this instance
 *   *publishes* are counted (with Redis every instance receives every message; counting receipts
 *   would multiply by the number of instances). Stage times, outcomes, fills per resolver.
 * - read at scrape time from the store (every instance reports the same cluster-wide value; use
 *   max() across instances): open public actions, the nearest deadline of swaps waiting on the
 *   secret, and whether this instance is the leader.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Bus, Topic, TopicMessages } from '../bus/types.js';
import type { Hex } from '../domain/order.js';
import { isOrderStatus, type OrderStatus } from '../domain/status.js';
import type { OrderRepository } from '../orders/ports.js';
import { buildEscrowView } from '../settlement/escrow-view.js';
import type { Logger } from './logger.js';

/** Statuses in which the secret is out or about to be, and an escrow's cancellation is the clock that matters. */
export const SECRET_STAGE_STATUSES: OrderStatus[] = ['ready_for_secret', 'secret_revealed'];
const OUTCOMES: ReadonlySet<string> = new Set(['executed', 'refunded', 'expired', 'cancelled', 'invalid_fill']);
/** Orders looked at per scrape for the deadline gauge (a backlog larger than this is an alert by itself). */
const DEADLINE_SCAN_LIMIT = 500;

export interface BusinessMetricsDeps {
  registry: Registry;
  orders: Pick<OrderRepository, 'get' | 'list'>;
  /** Unix seconds. */
  clock: () => number;
  wsMaxConnections: number;
  logger: Logger;
}

export interface LiveSources {
  store: { eventsForOrder(orderHash: Hex): Promise<Parameters<typeof buildEscrowView>[0]> };
  publicActions: { list(): Promise<{ action: string; side: string }[]> };
  isLeader: () => boolean;
}

export class BusinessMetrics {
  readonly stageSeconds: Histogram<'stage'>;
  readonly finished: Counter<'outcome'>;
  readonly fills: Counter<'chain' | 'resolver'>;
  private live: LiveSources | null = null;

  constructor(private readonly deps: BusinessMetricsDeps) {
    const registers = [deps.registry];
    const self = this;
    this.stageSeconds = new Histogram({
      name: 'relayer_order_stage_seconds',
      help: 'Seconds from order intake to reaching each status (observed by the instance that made the transition)',
      labelNames: ['stage'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600, 7_200, 21_600, 86_400],
      registers,
    });
    this.finished = new Counter({
      name: 'relayer_orders_finished_total',
      help: 'Orders that reached an end state, by outcome (executed = success; refunded/expired/cancelled/invalid_fill otherwise)',
      labelNames: ['outcome'],
      registers,
    });
    this.fills = new Counter({
      name: 'relayer_fills_total',
      help: 'Source escrows created (final), by chain and resolver (the escrow taker)',
      labelNames: ['chain', 'resolver'],
      registers,
    });
    new Gauge({
      name: 'relayer_leader',
      help: '1 if this instance runs the chain monitors and the settlement coordinator',
      registers,
      collect() {
        this.set(self.live?.isLeader() ? 1 : 0);
      },
    });
    new Gauge({ name: 'relayer_ws_max_connections', help: 'WS_MAX_CONNECTIONS: the WebSocket connection limit', registers }).set(deps.wsMaxConnections);
    new Gauge({
      name: 'relayer_public_actions_open',
      help: 'Public withdrawals/cancellations due now that nobody has taken yet, by action and side',
      labelNames: ['action', 'side'],
      registers,
      async collect() {
        this.reset();
        for (const action of ['withdraw', 'cancel']) for (const side of ['src', 'dst']) this.set({ action, side }, 0);
        const list = await self.live?.publicActions.list().catch((err: unknown) => self.scrapeFailed(err, 'public actions'));
        for (const a of list ?? []) this.inc({ action: a.action, side: a.side });
      },
    });
    new Gauge({
      name: 'relayer_secret_stage_deadline_seconds',
      help: 'Seconds until the earliest escrow cancellation of orders waiting on or holding the secret, by status (absent: none)',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const nearest = await self.nearestDeadlines().catch((err: unknown) => self.scrapeFailed(err, 'deadlines'));
        for (const [status, seconds] of Object.entries(nearest ?? {})) this.set({ status }, seconds);
      },
    });
  }

  /** The parts that exist only once the relayer is wired (the scrape-time gauges read them). */
  watch(live: LiveSources): void {
    this.live = live;
  }

  /** The bus every part uses, counting what this instance publishes. */
  observe(bus: Bus): Bus {
    return {
      start: () => bus.start(),
      stop: () => bus.stop(),
      subscribe: (topic, handler) => bus.subscribe(topic, handler),
      publish: async <T extends Topic>(topic: T, message: TopicMessages[T]) => {
        await bus.publish(topic, message);
        void this.count(topic, message).catch((err: unknown) => this.deps.logger.warn({ err }, 'business metrics: could not count a message'));
      },
    };
  }

  private async count<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    if (topic === 'orders') {
      const m = message as TopicMessages['orders'];
      if (m.kind !== 'updated' || !isOrderStatus(m.data.status)) return;
      if (OUTCOMES.has(m.data.status)) this.finished.inc({ outcome: m.data.status });
      const stored = await this.deps.orders.get(m.data.orderHash as Hex);
      if (!stored) return;
      const seconds = (Date.parse(m.data.at) - stored.createdAt.getTime()) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) this.stageSeconds.observe({ stage: m.data.status }, seconds);
    } else if (topic === 'chain') {
      const u = message as TopicMessages['chain'];
      if (u.status === 'final' && u.event.type === 'escrow_created' && u.event.side === 'src') {
        this.fills.inc({ chain: u.event.chain, resolver: u.event.taker.toLowerCase() });
      }
    }
  }

  private async nearestDeadlines(): Promise<Record<string, number>> {
    if (!this.live) return {};
    const now = this.deps.clock();
    const page = await this.deps.orders.list({ status: SECRET_STAGE_STATUSES, limit: DEADLINE_SCAN_LIMIT });
    const nearest: Record<string, number> = {};
    for (const o of page.items) {
      const view = buildEscrowView(await this.live.store.eventsForOrder(o.orderHash));
      const deadlines = [...view.src, ...view.dst].map((s) => s.event.deadlines.cancellation);
      if (deadlines.length === 0) continue;
      const left = Math.min(...deadlines) - now;
      nearest[o.status] = Math.min(nearest[o.status] ?? Infinity, left);
    }
    return nearest;
  }

  private scrapeFailed(err: unknown, what: string): undefined {
    this.deps.logger.warn({ err }, `business metrics: could not read ${what} for the scrape`);
    return undefined;
  }
}
