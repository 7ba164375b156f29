/**
 * The settlement coordinator (architecture §2 `settlement/`): follows every chain-event change the
 * monitors stored, in store order, and drives each affected order through the state machine
 * with `reconcile`'s steps; a periodic sweep does the same for time-driven steps (expiry,
 * the destination window, the finality lock). It never talks to a chain.
 *
 * Crash safety: its cursor is the store's change sequence. Steps are computed from stored
 * facts and applied with compare-and-set, so processing a change twice (a crash between a
 * transition and the cursor save) applies nothing twice.
 */
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import type { Hex } from '../domain/order.js';
import { publicActionKey } from '../domain/wire.js';
import { isTerminal, nextStatus } from '../domain/state-machine.js';
import { crashPoint } from '../observability/crash-points.js';
import type { OrderRepository, StoredOrder } from '../orders/ports.js';
import { contextFrom, inSpan } from '../observability/tracing.js';
import { shareSecret, transitionOrder, type TransitionDeps, type TransitionResult } from '../orders/transition.js';
import { buildEscrowView, type EscrowView } from './escrow-view.js';
import { publicActions } from './public-actions.js';
import type { SettlementStore } from './ports.js';
import { nextStep, timeDrivenOrders, type SettlementPolicy } from './reconcile.js';

export interface CoordinatorDeps {
  store: SettlementStore;
  orders: OrderRepository;
  bus: Bus;
  clock: () => number;
  policy: SettlementPolicy;
  logger: Logger;
  /** How often to look for new chain events without a bus wake-up, and to sweep. */
  pollMs?: number;
  sweepMs?: number;
  /** How often a public action still due is announced again (resolvers that were away get it too). */
  announceEveryMs?: number;
}

const BATCH = 500;
const MAX_STEPS_PER_ORDER = 10;

export class SettlementCoordinator {
  private running = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Serialises drains: one pass at a time, a wake-up during a pass schedules one more. */
  private pass: Promise<void> = Promise.resolve();
  private pending = false;
  /** When each public action still due was last announced (by publicActionKey). */
  private readonly announced = new Map<string, number>();

  /** Status changes go through the one transition function (orders/transition.ts). */
  private readonly transitions: TransitionDeps;

  constructor(private readonly deps: CoordinatorDeps) {
    this.transitions = { repo: deps.orders, bus: deps.bus, clock: deps.clock, logger: deps.logger };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.bus.subscribe('chain', () => this.wake());
    this.pollTimer = setInterval(() => this.wake(), this.deps.pollMs ?? 1_000);
    this.sweepTimer = setInterval(() => void this.runExclusive(() => this.sweep()), this.deps.sweepMs ?? 2_000);
    // Catch up at once after a (re)start: stored changes first, then everything time has moved
    // and every secret whose announcement a crash may have cut off.
    this.wake();
    void this.runExclusive(() => this.sweep());
    await this.pass;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.pollTimer);
    clearInterval(this.sweepTimer);
    await this.pass;
  }

  /** Processes every stored change not yet seen. Exposed for tests and for start-up. */
  async drain(): Promise<number> {
    const { store } = this.deps;
    let cursor = await store.loadCursor();
    let processed = 0;
    for (;;) {
      const changes = await store.listEvents(cursor, BATCH);
      if (changes.length === 0) return processed;
      const orders = new Set<Hex>();
      for (const c of changes) {
        await store.projectEscrow(c);
        if ('orderHash' in c.event && c.event.orderHash) orders.add(c.event.orderHash);
      }
      for (const hash of orders) await this.settleOrder(hash);
      cursor = changes[changes.length - 1]!.seq;
      await store.saveCursor(cursor);
      crashPoint('settlement:cursor');
      processed += changes.length;
    }
  }

  /**
   * Re-evaluates orders that time can move, re-announces every secret still waiting for its
   * withdrawals, and announces public withdrawal/cancellation windows (architecture §6) to resolvers.
   * `secret_shared` and `public_action` are at-least-once: a relayer that crashed before
   * publishing, or a resolver that was disconnected, still gets them.
   */
  async sweep(): Promise<void> {
    const { store, bus, clock, policy, logger } = this.deps;
    const hashes = await store.ordersToSweep(timeDrivenOrders(clock()), 1_000);
    const due = new Set<string>();
    for (const hash of hashes) {
      const settled = await this.settle(hash);
      if (!settled) continue;
      const { stored, view } = settled;
      if (stored.status === 'secret_revealed') await shareSecret(this.transitions, stored);
      const actions = publicActions({
        orderHash: stored.orderHash,
        order: stored.order,
        status: stored.status,
        view,
        secret: stored.secret,
        now: clock(),
        toleranceSeconds: policy.toleranceSeconds,
      });
      for (const action of actions) {
        const key = publicActionKey(action);
        due.add(key);
        const last = this.announced.get(key);
        if (last !== undefined && Date.now() - last < (this.deps.announceEveryMs ?? 30_000)) continue;
        if (last === undefined) {
          logger.info({ orderHash: action.orderHash, chain: action.chain, escrow: action.escrow, action: action.action }, 'public action due');
        }
        // Never log the action itself: a withdrawal carries the secret.
        await bus.publish('actions', action);
        this.announced.set(key, Date.now());
      }
    }
    for (const key of this.announced.keys()) if (!due.has(key)) this.announced.delete(key);
  }

  /** Applies reconcile steps to one order until none is left. */
  async settleOrder(orderHash: Hex): Promise<StoredOrder | null> {
    return (await this.settle(orderHash))?.stored ?? null;
  }

  private async settle(orderHash: Hex): Promise<{ stored: StoredOrder; view: EscrowView } | null> {
    const { orders, store, clock, policy, logger } = this.deps;
    let stored = await orders.get(orderHash);
    if (!stored) {
      logger.warn({ orderHash }, 'chain event for an order the relayer does not know; ignored');
      return null;
    }
    const view = buildEscrowView(await store.eventsForOrder(orderHash));
    for (let i = 0; i < MAX_STEPS_PER_ORDER && stored && !isTerminal(stored.status); i++) {
      const step = nextStep({ orderHash, order: stored.order, status: stored.status, view, now: clock(), policy });
      if (!step) break;
      const current: StoredOrder = stored;
      const previous = current.status;
      // Each transition is a span in the trace of the request that submitted the order, and its
      // log lines and messages carry that request's id (the context stored with the order).
      const result: TransitionResult<never> = await inSpan(
        'order transition',
        {
          parent: contextFrom(current.traceContext),
          attributes: { 'order.hash': orderHash, 'order.status.from': previous, 'order.status.to': nextStatus(previous, step.event) ?? 'none', 'order.event': step.event },
        },
        async (span) => {
          // A secret seen on chain is public already: recording it shares it, so every resolver can finish.
          const moved = await transitionOrder(this.transitions, current, {
            event: step.event,
            timeline: { data: step.data },
            ...(step.secret ? { secret: step.secret } : {}),
          });
          if (moved.outcome === 'moved') logger.info({ orderHash, from: previous, to: moved.order.status, event: step.event }, 'order transition');
          else span.setAttribute('order.transition.applied', false);
          return moved;
        },
      );
      if (result.outcome === 'illegal') {
        logger.error({ orderHash, status: stored.status, event: step.event }, 'reconcile proposed an illegal transition; refused');
        break;
      }
      if (result.outcome !== 'moved') {
        // Someone else moved it first (the API, another pass): re-read and re-judge.
        stored = await orders.get(orderHash);
        continue;
      }
      stored = result.order;
    }
    return stored ? { stored, view } : null;
  }

  private wake(): void {
    if (!this.running) return;
    if (this.pending) return;
    this.pending = true;
    void this.runExclusive(async () => {
      this.pending = false;
      await this.drain();
    });
  }

  private runExclusive(work: () => Promise<unknown>): Promise<void> {
    this.pass = this.pass
      .then(async () => {
        if (!this.running) return;
        await work();
      })
      .catch((err: unknown) => this.deps.logger.error({ err }, 'settlement pass failed; will retry'));
    return this.pass;
  }
}
