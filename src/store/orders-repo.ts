/**
 * OrderRepository (src/orders/ports.ts) on the store.
 *
 * - Order hashes are stored and looked up lower-cased (hex is case-insensitive).
 * - `maker`, `maker_asset`, `taker_asset` columns are lower-cased copies for case-insensitive
 *   filters (EVM checksummed addresses); the order itself is kept verbatim in wire form.
 * - `list` is newest-first (by insertion `seq`); `nextCursor` is the base64url of the last
 *   item's seq and is null on the last page.
 * - Timeline `data` is stored bigint-tagged, so bigints in it come back as bigints.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { orderFromWire, orderToWire, type Hex, type Order, type WireOrder } from '../domain/order.js';
import { ORDER_STATUSES, type OrderStatus } from '../domain/status.js';
import type {
  NewTimelineEvent,
  OrderFilter,
  OrderPage,
  OrderRepository,
  StoredOrder,
  TimelineEvent,
} from '../orders/ports.js';
import type { ChainEventUpdate } from '../chains/events.js';
import { chainEventsOfOrder, lockChainEventWriters } from './chain-state-repo.js';
import { crashPoint } from '../observability/crash-points.js';
import { fromTagged, numeric, taggedJson, toBigInt } from './convert.js';
import type { DB, OrderEventsTable, OrdersTable } from './schema.js';
import { assertFence, type Fence } from './fence.js';

/** A `cursor` that this repository did not produce (the API answers 400). */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

export const MAX_LIST_LIMIT = 500;

export class OrderRepositoryImpl implements OrderRepository {
  /** `fence`: the coordinator's repository refuses transitions of a leader whose epoch is over (fence.ts). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly fence?: Fence,
  ) {}

  /** The same store, with every transition fenced by the leadership epoch (the coordinator's). */
  fenced(fence: Fence): OrderRepositoryImpl {
    return new OrderRepositoryImpl(this.db, fence);
  }

  async insert(input: {
    orderHash: Hex;
    order: Order;
    signature: Hex | null;
    lockedOutput: string | null;
    event: NewTimelineEvent;
    createdAt?: Date;
    traceContext?: Record<string, string> | null;
  }): Promise<'inserted' | 'duplicate'> {
    const { order } = input;
    const orderHash = normHash(input.orderHash);
    const status: OrderStatus = 'active';
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('orders')
        .values({
          order_hash: orderHash,
          src_chain: order.srcChain,
          dst_chain: order.dstChain,
          maker: order.maker.toLowerCase(),
          receiver: order.receiver,
          maker_asset: order.makerAsset.toLowerCase(),
          taker_asset: order.takerAsset.toLowerCase(),
          making_amount: numeric(order.makingAmount),
          status,
          order: JSON.stringify(orderToWire(order)),
          signature: input.signature,
          locked_output: input.lockedOutput,
          secret: null,
          expiry: numeric(order.expiry),
          auction_start: numeric(order.auction.startTime),
          auction_end: numeric(order.auction.startTime + order.auction.duration),
          ...(input.createdAt ? { created_at: input.createdAt, updated_at: input.createdAt } : {}),
          ...(input.traceContext ? { trace_context: JSON.stringify(input.traceContext) } : {}),
        })
        // ON CONFLICT instead of catching the unique violation: the transaction stays usable
        // and nothing (no timeline event) is written for a duplicate.
        .onConflict((oc) => oc.column('order_hash').doNothing())
        .returning('order_hash')
        .executeTakeFirst();
      if (!inserted) return 'duplicate';
      await trx
        .insertInto('order_events')
        .values({ ...eventRow(orderHash, input.event, null, status), ...(input.createdAt ? { created_at: input.createdAt } : {}) })
        .execute();
      return 'inserted';
    });
  }

  async get(orderHash: Hex): Promise<StoredOrder | null> {
    const row = await this.db
      .selectFrom('orders')
      .selectAll()
      .where('order_hash', '=', normHash(orderHash))
      .executeTakeFirst();
    return row ? toStoredOrder(row) : null;
  }

  async list(filter: OrderFilter): Promise<OrderPage> {
    const { limit } = filter;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new RangeError(`limit must be an integer in 1..${MAX_LIST_LIMIT}, got ${limit}`);
    }
    if ((filter.status && filter.status.length === 0) || (filter.hashes && filter.hashes.length === 0)) {
      return { items: [], nextCursor: null };
    }
    let q = this.db.selectFrom('orders').selectAll();
    if (filter.status) q = q.where('status', 'in', filter.status);
    if (filter.maker !== undefined) q = q.where('maker', '=', filter.maker.toLowerCase());
    if (filter.srcChain !== undefined) q = q.where('src_chain', '=', filter.srcChain);
    if (filter.dstChain !== undefined) q = q.where('dst_chain', '=', filter.dstChain);
    if (filter.makerAsset !== undefined) q = q.where('maker_asset', '=', filter.makerAsset.toLowerCase());
    if (filter.takerAsset !== undefined) q = q.where('taker_asset', '=', filter.takerAsset.toLowerCase());
    if (filter.hashes) q = q.where('order_hash', 'in', filter.hashes.map(normHash));
    if (filter.cursor !== undefined) q = q.where('seq', '<', numeric(decodeCursor(filter.cursor)));
    // One extra row tells whether another page exists.
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toStoredOrder),
      nextCursor: rows.length > limit && last ? encodeCursor(toBigInt(last.seq)) : null,
    };
  }

  /** Oldest first. */
  async listActive(): Promise<StoredOrder[]> {
    const rows = await this.db.selectFrom('orders').selectAll().where('status', '=', 'active').orderBy('seq').execute();
    return rows.map(toStoredOrder);
  }

  async transition(
    orderHash: Hex,
    from: readonly OrderStatus[],
    to: OrderStatus,
    event: NewTimelineEvent,
    patch?: { secret?: Hex },
  ): Promise<StoredOrder | null> {
    if (from.length === 0) return null;
    const hash = normHash(orderHash);
    const moved = await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, this.fence);
      // The row lock makes concurrent transitions of one order queue up; each then sees the
      // status the previous one committed, so only one of several racing moves applies.
      const current = await trx
        .selectFrom('orders')
        .select('status')
        .where('order_hash', '=', hash)
        .forUpdate()
        .executeTakeFirst();
      if (!current || !from.includes(current.status as OrderStatus)) return null;
      return applyTransition(trx, hash, current.status as OrderStatus, to, event, patch);
    });
    if (moved) crashPoint(`transition:${to}`);
    return moved;
  }

  async transitionGuarded<R>(
    orderHash: Hex,
    from: readonly OrderStatus[],
    to: OrderStatus,
    event: NewTimelineEvent,
    patch: { secret?: Hex } | undefined,
    guard: (order: StoredOrder, chainEvents: ChainEventUpdate[]) => R | null,
  ): Promise<{ moved: StoredOrder } | { refused: R } | null> {
    if (from.length === 0) return null;
    const hash = normHash(orderHash);
    const result = await this.db.transaction().execute(async (trx) => {
      // Writers first, then the row: chain-event writers never lock order rows, and other
      // transitions never take the writers' lock, so the two orders of locking cannot deadlock.
      await lockChainEventWriters(trx);
      await assertFence(trx, this.fence);
      const row = await trx.selectFrom('orders').selectAll().where('order_hash', '=', hash).forUpdate().executeTakeFirst();
      if (!row || !from.includes(row.status as OrderStatus)) return null;
      const refusal = guard(toStoredOrder(row), await chainEventsOfOrder(trx, hash));
      if (refusal !== null) return { refused: refusal };
      return { moved: await applyTransition(trx, hash, row.status as OrderStatus, to, event, patch) };
    });
    if (result !== null && 'moved' in result) crashPoint(`transition:${to}`);
    return result;
  }

  async timeline(orderHash: Hex): Promise<TimelineEvent[]> {
    const rows = await this.db
      .selectFrom('order_events')
      .selectAll()
      .where('order_hash', '=', normHash(orderHash))
      .orderBy('id')
      .execute();
    return rows.map(toTimelineEvent);
  }

  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const rows = await this.db
      .selectFrom('orders')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
    // A count of orders, not money: a JS number is right here.
    for (const r of rows) counts[r.status as OrderStatus] = Number(r.n);
    return counts;
  }
}

/** The status change and its timeline row, inside the caller's transaction (which holds the row lock). */
async function applyTransition(
  trx: Transaction<DB>,
  hash: Hex,
  from: OrderStatus,
  to: OrderStatus,
  event: NewTimelineEvent,
  patch: { secret?: Hex } | undefined,
): Promise<StoredOrder> {
  const updated = await trx
    .updateTable('orders')
    .set({ status: to, updated_at: sql`now()`, ...(patch?.secret !== undefined ? { secret: patch.secret } : {}) })
    .where('order_hash', '=', hash)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx.insertInto('order_events').values(eventRow(hash, event, from, to)).execute();
  return toStoredOrder(updated);
}

function normHash(h: string): Hex {
  return h.toLowerCase() as Hex;
}

function eventRow(orderHash: string, event: NewTimelineEvent, fromStatus: OrderStatus | null, toStatus: OrderStatus) {
  return {
    order_hash: orderHash,
    type: event.type,
    from_status: fromStatus,
    to_status: toStatus,
    data: taggedJson(event.data ?? {}),
  };
}

function toStoredOrder(row: Selectable<OrdersTable>): StoredOrder {
  return {
    orderHash: row.order_hash as Hex,
    order: orderFromWire(row.order as WireOrder),
    signature: row.signature as Hex | null,
    lockedOutput: row.locked_output,
    status: row.status as OrderStatus,
    secret: row.secret as Hex | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.trace_context ? { traceContext: row.trace_context } : {}),
  };
}

function toTimelineEvent(row: Selectable<OrderEventsTable>): TimelineEvent {
  return {
    id: toBigInt(row.id),
    orderHash: row.order_hash as Hex,
    type: row.type,
    fromStatus: row.from_status as OrderStatus | null,
    toStatus: row.to_status as OrderStatus,
    data: fromTagged<Record<string, unknown>>(row.data),
    createdAt: row.created_at,
  };
}

export function encodeCursor(seq: bigint): string {
  return Buffer.from(seq.toString(), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Re-encoding must give the same cursor, so junk that base64url happens to decode is refused.
  if (!/^[1-9][0-9]{0,19}$/.test(text) || encodeCursor(BigInt(text)) !== cursor) throw new InvalidCursorError();
  return BigInt(text);
}
