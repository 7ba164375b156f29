/**
 * What the settlement coordinator reads and keeps in the store: the chain events of one order,
 * its own progress through the chain-event change sequence, and the orders a sweep asks for
 * (settlement decides which: SweepQuery).
 * Its cursor is a row of chain_cursors under a name no chain can have.
 */
import type { Kysely } from 'kysely';
import type { ChainEventUpdate } from '../chains/events.js';
import type { Hex } from '../domain/order.js';
import type { SettlementStore, SweepQuery } from '../settlement/ports.js';
import { chainEventsOfOrder, type ChainStateRepository } from './chain-state-repo.js';
import { EscrowRepository } from './escrows-repo.js';
import { numeric, toBigInt } from './convert.js';
import type { DB } from './schema.js';
import { assertFence, type Fence } from './fence.js';

const CURSOR_NAME = 'settlement:coordinator';

export class SettlementRepository implements SettlementStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly chainState: ChainStateRepository,
    private readonly escrows: EscrowRepository,
    /** Fences the coordinator's writes (its cursor, the escrow projection) with the leadership epoch (fence.ts). */
    private readonly fence?: Fence,
  ) {}

  async projectEscrow(update: ChainEventUpdate): Promise<void> {
    if (this.fence === undefined) {
      await this.escrows.upsertFromUpdate(update);
      return;
    }
    // Fenced like every other write of the leader's duties: a stale leader's projection is refused.
    const fence = this.fence;
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      await new EscrowRepository(trx).upsertFromUpdate(update);
    });
  }

  listEvents(afterSeq: bigint, limit: number) {
    return this.chainState.listEvents(afterSeq, limit);
  }

  async eventsForOrder(orderHash: Hex): Promise<ChainEventUpdate[]> {
    return chainEventsOfOrder(this.db, orderHash);
  }

  async loadCursor(): Promise<bigint> {
    const row = await this.db.selectFrom('chain_cursors').select('height').where('chain', '=', CURSOR_NAME).executeTakeFirst();
    return row ? toBigInt(row.height) : 0n;
  }

  async saveCursor(seq: bigint): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, this.fence);
      await trx
        .insertInto('chain_cursors')
        .values({ chain: CURSOR_NAME, height: numeric(seq), hash: '', slot: null })
        .onConflict((oc) => oc.column('chain').doUpdateSet({ height: numeric(seq), updated_at: new Date() }))
        .execute();
    });
  }

  async ordersToSweep(query: SweepQuery, limit: number): Promise<Hex[]> {
    const rows = await this.db
      .selectFrom('orders')
      .select('order_hash')
      .where((eb) =>
        eb.or([
          ...(query.statuses.length > 0 ? [eb('status', 'in', query.statuses)] : []),
          eb.and([eb('status', '=', 'active'), eb('expiry', '<', numeric(query.expiredBefore))]),
        ]),
      )
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => r.order_hash as Hex);
  }
}
