/**
 * The one way an order changes status (architecture §7), for the order use-cases and the settlement
 * coordinator alike: the step is checked against the domain's transition table, applied with a
 * compare-and-set in the store (status change and timeline event in one transaction), and only
 * then announced: `order_updated` always, `secret_shared` when the step records a secret.
 *
 * One clock (the caller's) stamps the announcement, and one failure rule holds: once the store
 * committed, a bus failure is logged and never turns the move into an error (subscribers catch
 * up from the store; the coordinator's sweep re-announces secrets).
 */
import type { Logger } from 'pino';
import type { Bus, TopicMessages } from '../bus/types.js';
import type { ChainEventUpdate } from '../chains/events.js';
import type { Hex } from '../domain/order.js';
import { nextStatus, type OrderEvent } from '../domain/state-machine.js';
import { crashPoint } from '../observability/crash-points.js';
import type { NewTimelineEvent, OrderRepository, StoredOrder } from './ports.js';

export interface TransitionDeps {
  repo: Pick<OrderRepository, 'transition' | 'transitionGuarded'>;
  bus: Bus;
  /** Unix seconds: stamps `order_updated`. */
  clock: () => number;
  logger: Logger;
}

export interface TransitionStep<R> {
  event: OrderEvent;
  /** The timeline entry; its type defaults to the event's name. */
  timeline?: Partial<NewTimelineEvent>;
  /** A secret the step records (the maker's reveal, or one seen on chain); shared once committed. */
  secret?: Hex;
  /** Judged inside the transaction, against the locked row and the chain events committed then. */
  guard?: (current: StoredOrder, chainEvents: ChainEventUpdate[]) => R | null;
}

export type TransitionResult<R> =
  | { outcome: 'moved'; order: StoredOrder }
  /** The state machine has no such step from the order's status: nothing was tried. */
  | { outcome: 'illegal' }
  /** Someone moved the order first (its status is no longer the one the step was judged in). */
  | { outcome: 'stale' }
  | { outcome: 'refused'; refusal: R };

/**
 * Applies `step` to `stored`, from exactly the status it was judged in: a concurrent change
 * (the API, another pass, another instance) makes it `stale` instead of applying twice.
 */
export async function transitionOrder<R = never>(deps: TransitionDeps, stored: StoredOrder, step: TransitionStep<R>): Promise<TransitionResult<R>> {
  const to = nextStatus(stored.status, step.event);
  if (to === null) return { outcome: 'illegal' };
  const from = [stored.status];
  const timeline: NewTimelineEvent = { type: step.timeline?.type ?? step.event, ...(step.timeline?.data ? { data: step.timeline.data } : {}) };
  const patch = step.secret !== undefined ? { secret: step.secret } : undefined;
  let moved: StoredOrder | null;
  if (step.guard) {
    const result = await deps.repo.transitionGuarded(stored.orderHash, from, to, timeline, patch, step.guard);
    if (result !== null && 'refused' in result) return { outcome: 'refused', refusal: result.refused };
    moved = result?.moved ?? null;
  } else {
    moved = await deps.repo.transition(stored.orderHash, from, to, timeline, patch);
  }
  if (moved === null) return { outcome: 'stale' };
  await publishAfterCommit(deps, 'orders', {
    kind: 'updated',
    data: {
      orderHash: moved.orderHash,
      maker: moved.order.maker,
      status: moved.status,
      previousStatus: stored.status,
      reason: step.event,
      at: new Date(deps.clock() * 1000).toISOString(),
    },
  });
  if (step.secret !== undefined) {
    crashPoint('secret:stored');
    await shareSecret(deps, moved);
  }
  return { outcome: 'moved', order: moved };
}

/**
 * The one publisher of `secret_shared` (WS `secrets` channel, API-key holders only): after a
 * transition that recorded the secret, and again from the coordinator's sweep until both
 * withdrawals land (at-least-once).
 */
export async function shareSecret(deps: Pick<TransitionDeps, 'bus' | 'logger'>, order: StoredOrder): Promise<void> {
  if (order.secret === null) return;
  await publishAfterCommit(deps, 'secrets', { orderHash: order.orderHash, maker: order.order.maker, secret: order.secret });
}

/** The store already committed; a bus failure must not turn a success into an error. */
export async function publishAfterCommit<T extends keyof TopicMessages>(deps: Pick<TransitionDeps, 'bus' | 'logger'>, topic: T, message: TopicMessages[T]): Promise<void> {
  try {
    await deps.bus.publish(topic, message);
  } catch (err) {
    deps.logger.error({ err, topic }, 'bus publish failed after commit; subscribers will catch up from the store');
  }
}
