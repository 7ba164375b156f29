/**
 * How stored orders, timeline events and escrows look on the wire: amounts as decimal strings,
 * times as ISO text. The revealed secret is never part of a public view (resolvers receive it
 * on the authenticated `secrets` channel).
 */
import { orderToWire, type WireOrder } from '../../domain/order.js';
import type { StoredOrder, TimelineEvent } from '../../orders/ports.js';

export interface OrderView {
  orderHash: string;
  status: string;
  order: WireOrder;
  signature: string | null;
  lockedOutput: string | null;
  currentAmount: string | null;
  createdAt: string;
  updatedAt: string;
}

export function orderView(s: StoredOrder, currentAmount: bigint | null): OrderView {
  return {
    orderHash: s.orderHash,
    status: s.status,
    order: orderToWire(s.order),
    signature: s.signature,
    lockedOutput: s.lockedOutput,
    currentAmount: currentAmount === null ? null : currentAmount.toString(),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function timelineView(e: TimelineEvent) {
  return {
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    data: jsonSafe(e.data) as Record<string, unknown>,
    at: e.createdAt.toISOString(),
  };
}

/** Any store record made JSON-safe: bigint → decimal string, Date → ISO, nested as needed. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'secret') continue;
      out[k] = jsonSafe(v);
    }
    return out;
  }
  return value;
}
