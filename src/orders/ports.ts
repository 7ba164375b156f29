/**
 * What the order use-cases (and later the settlement coordinator) need from the store.
 * `store/` implements it on Postgres and PGlite with the same SQL.
 */
import type { ChainEventUpdate } from '../chains/events.js';
import type { Hex, Order } from '../domain/order.js';
import type { OrderStatus } from '../domain/status.js';

export interface StoredOrder {
  orderHash: Hex;
  order: Order;
  /** EVM-source orders: the maker's EIP-712 signature. */
  signature: Hex | null;
  /** Cardano-source orders: the locked order output `"<txHash>#<index>"`. */
  lockedOutput: string | null;
  status: OrderStatus;
  /** Set once the maker revealed it (status secret_revealed or later); never exposed before. */
  secret: Hex | null;
  createdAt: Date;
  updatedAt: Date;
  /** The submitting request's W3C trace context (traceparent, baggage): later transitions join its trace. */
  traceContext?: Record<string, string>;
}

export interface TimelineEvent {
  id: bigint;
  orderHash: Hex;
  /** e.g. `created`, `cancelled`, `expired`, `src_escrow_seen`, `secret_revealed`, … */
  type: string;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface NewTimelineEvent {
  type: string;
  data?: Record<string, unknown>;
}

export interface OrderFilter {
  status?: OrderStatus[];
  maker?: string;
  srcChain?: string;
  dstChain?: string;
  makerAsset?: string;
  takerAsset?: string;
  hashes?: Hex[];
  /** 1–500 */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface OrderPage {
  items: StoredOrder[];
  nextCursor: string | null;
}

export interface OrderRepository {
  /** Inserts with its `created` timeline event in one transaction; `duplicate` if the hash exists. */
  insert(order: {
    orderHash: Hex;
    order: Order;
    signature: Hex | null;
    lockedOutput: string | null;
    event: NewTimelineEvent;
    /** When the order was accepted (row and timeline entry); the database's clock when absent. */
    createdAt?: Date;
    /** The submitting request's W3C trace context, kept for the order's later transitions. */
    traceContext?: Record<string, string> | null;
  }): Promise<'inserted' | 'duplicate'>;
  get(orderHash: Hex): Promise<StoredOrder | null>;
  list(filter: OrderFilter): Promise<OrderPage>;
  /** Every order with status `active` (for the price ticker and `GET /api/orders/active`). */
  listActive(): Promise<StoredOrder[]>;
  /**
   * Compare-and-set: moves the order to `to` only if its status is one of `from`, writing the
   * timeline event in the same transaction. Returns the updated order, or null if the status
   * did not match (nothing written). Callers check the move against the domain state machine first.
   */
  transition(
    orderHash: Hex,
    from: readonly OrderStatus[],
    to: OrderStatus,
    event: NewTimelineEvent,
    patch?: { secret?: Hex },
  ): Promise<StoredOrder | null>;
  /**
   * `transition`, judged by `guard` inside the same transaction: the order row is locked, chain
   * events are read as committed at that moment, and no chain event can be written (a rollback,
   * a new escrow) until this commits. So a rollback is either seen by the guard or comes after
   * the move, never between the check and the change. `guard` returns null to allow the move,
   * or a refusal, which is returned and nothing is written. Returns null if the status did not match.
   */
  transitionGuarded<R>(
    orderHash: Hex,
    from: readonly OrderStatus[],
    to: OrderStatus,
    event: NewTimelineEvent,
    patch: { secret?: Hex } | undefined,
    guard: (order: StoredOrder, chainEvents: ChainEventUpdate[]) => R | null,
  ): Promise<{ moved: StoredOrder } | { refused: R } | null>;
  timeline(orderHash: Hex): Promise<TimelineEvent[]>;
  countByStatus(): Promise<Record<OrderStatus, number>>;
}

/**
 * On-chain check that the maker can actually pay (EVM: balance and allowance to the factory).
 * Present only when the source chain is connected; intake skips it otherwise.
 */
export type MakerFundsResult = { ok: true } | { ok: false; code: string; message: string };

export interface MakerFundsCheck {
  check(order: Order): Promise<MakerFundsResult>;
}

/**
 * Read side of the escrows the monitors recorded (the store implements it). The records are
 * passed through to the API, which writes bigints as decimal strings and dates as ISO text.
 */
export interface EscrowQueries<E = unknown> {
  listByOrder(orderHash: Hex, chain?: string): Promise<E[]>;
  get(chain: string, id: string): Promise<E | null>;
  list(filter: { orderHash?: Hex; chain?: string }): Promise<E[]>;
}
