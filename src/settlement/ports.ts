/**
 * What settlement needs from the store (the store implements it, src/store/settlement-repo.ts).
 * Owned here, by the part that needs it: the store depends on settlement's port, never on its
 * logic, and holds no settlement rule (which orders time can move is `timeDrivenOrders`).
 */
import type { ChainEventUpdate } from '../chains/events.js';
import type { Hex } from '../domain/order.js';
import type { OrderStatus } from '../domain/status.js';

/** Orders to look at again: any in one of `statuses`, and `active` ones whose expiry is before `expiredBefore`. */
export interface SweepQuery {
  statuses: readonly OrderStatus[];
  /** Unix seconds. */
  expiredBefore: number;
}

export interface SettlementStore {
  /** Chain-event changes after `afterSeq`, in store order. */
  listEvents(afterSeq: bigint, limit: number): Promise<(ChainEventUpdate & { seq: bigint })[]>;
  /** Every chain event stored for an order, each at its latest status. */
  eventsForOrder(orderHash: Hex): Promise<ChainEventUpdate[]>;
  loadCursor(): Promise<bigint>;
  saveCursor(seq: bigint): Promise<void>;
  /** The orders `query` selects, oldest first, at most `limit`. */
  ordersToSweep(query: SweepQuery, limit: number): Promise<Hex[]>;
  /** Keeps the escrows read model (GET /api/escrows) current; idempotent. */
  projectEscrow(update: ChainEventUpdate): Promise<void>;
}
