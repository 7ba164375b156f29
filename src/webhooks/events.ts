/**
 * Which webhook gets which event, and what it receives. Pure (no I/O): the store feeds it
 * order_events rows and public actions; the dispatcher writes what it returns.
 */

export const WEBHOOK_EVENTS = ['order.created', 'order.status_changed', 'order.ready_for_secret', 'public_action'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookSubscription {
  id: string;
  events: string[];
  /** Lower-cased maker address: only that maker's order events (public actions are not filtered). */
  maker: string | null;
  /** Only order events with a larger id (those after registration). */
  afterEventId: bigint;
}

/** One order_events row with its order's maker. */
export interface OrderEventRow {
  id: bigint;
  orderHash: string;
  maker: string;
  fromStatus: string | null;
  toStatus: string;
  at: Date;
}

export interface PlannedDelivery {
  webhookId: string;
  /** Idempotency key: the same event to the same webhook is one delivery, whatever the retries. */
  eventKey: string;
  eventType: WebhookEventType;
  payload: { id: string; type: WebhookEventType; createdAt: string; data: Record<string, unknown> };
}

/** The event types one order_events row stands for (a move to ready_for_secret is two). */
export function orderEventTypes(e: OrderEventRow): WebhookEventType[] {
  if (e.fromStatus === null) return ['order.created'];
  return e.toStatus === 'ready_for_secret' ? ['order.status_changed', 'order.ready_for_secret'] : ['order.status_changed'];
}

export function planOrderEvents(events: OrderEventRow[], hooks: WebhookSubscription[]): PlannedDelivery[] {
  const out: PlannedDelivery[] = [];
  for (const e of events) {
    for (const type of orderEventTypes(e)) {
      const eventKey = `${type}:${e.id}`;
      const data = { orderHash: e.orderHash, maker: e.maker, fromStatus: e.fromStatus, status: e.toStatus, at: e.at.toISOString() };
      for (const h of hooks) {
        if (!h.events.includes(type) || e.id <= h.afterEventId) continue;
        if (h.maker !== null && h.maker !== e.maker.toLowerCase()) continue;
        out.push({ webhookId: h.id, eventKey, eventType: type, payload: { id: eventKey, type, createdAt: e.at.toISOString(), data } });
      }
    }
  }
  return out;
}

/** A public action (src/domain/wire.ts PublicActionData): one delivery per webhook per escrow and action. */
export function planPublicAction(
  action: { chain: string; escrow: string; action: string } & Record<string, unknown>,
  hooks: WebhookSubscription[],
  now: Date,
): PlannedDelivery[] {
  const eventKey = `public_action:${action.chain}:${action.escrow}:${action.action}`;
  return hooks
    .filter((h) => h.events.includes('public_action'))
    .map((h) => ({
      webhookId: h.id,
      eventKey,
      eventType: 'public_action' as const,
      payload: { id: eventKey, type: 'public_action' as const, createdAt: now.toISOString(), data: action },
    }));
}

/**
 * The fan-out cursor may only pass ids every one of which is settled: a bigserial id is taken
 * before its transaction commits, so a smaller id can appear after a larger one. Advance over
 * contiguous ids; jump a gap only once the next event is older than `gapGraceMs` (the missing
 * id then belongs to a rolled-back transaction). Events beyond the cursor are planned anyway;
 * re-planning them is harmless (deliveries are unique per webhook and event).
 */
export function advanceCursor(cursor: bigint, events: Pick<OrderEventRow, 'id' | 'at'>[], nowMs: number, gapGraceMs: number): bigint {
  let c = cursor;
  for (const e of [...events].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (e.id === c + 1n || nowMs - e.at.getTime() > gapGraceMs) c = e.id;
    else break;
  }
  return c;
}

/** Exponential backoff with full jitter in [d/2, d]: d = base * 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(d / 2 + (random() * d) / 2);
}
