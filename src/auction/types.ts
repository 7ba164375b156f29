/**
 * The in-memory book of active orders, priced at every auction tick. It is a cache of the
 * store (rebuilt from it at start, kept current from bus events), so `GET /api/orders/active`
 * and the price ticker never query the database per request or per tick.
 */
import type { StoredOrder } from '../orders/ports.js';

export interface PricedOrder {
  stored: StoredOrder;
  /** Auction price (taker asset, base units) at `snapshot().at`. */
  currentAmount: bigint;
}

export interface ActiveOrderSnapshot {
  /** Unix seconds the prices were computed for. */
  at: number;
  /** Increases whenever the content changes (a tick, an order added or removed): a cache key. */
  version: number;
  /** Oldest first. */
  items: readonly PricedOrder[];
}

export interface ActiveOrderBook {
  snapshot(): ActiveOrderSnapshot;
  /** Current price of one active order, or null if it is not active. */
  priceOf(orderHash: string): bigint | null;
}
