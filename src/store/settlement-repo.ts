/**
 * What the settlement coordinator reads and keeps in the store: the chain events of one order,
 * its own progress through the chain-event change sequence, and the orders time can move.
 * Its cursor is a row of chain_cursors under a name no chain can have.
 */
import type { Kysely } from 'kysely';
import type { ChainEventUpdate } from '../chains/events.js';
import type { Hex } from '../domain/order.js';
import type { SettlementStore } from '../settlement/coordinator.js';
import { chainEventsOfOrder, type ChainStateRepository } from './chain-state-repo.js';
import type { EscrowRepository } from './escrows-repo.js';
import { numeric, toBigInt } from './convert.js';
import type { DB } from './schema.js';
import { assertFence, type Fence } from './fence.js';

const CURSOR_NAME = 'settlement:coordinator';

/** Statuses in which the passage of time alone can produce a transition. */
const TIME_DRIVEN: readonly string[] = ['src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'invalid_fill', 'refunding'];

export class SettlementRepository implements SettlementStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly chainState: ChainStateRepository,
    private readonly escrows: EscrowRepository,
    /** Fences the coordinator's cursor with the leadership epoch (fence.ts). */
    private readonly fence?: Fence,
  ) {}

  async projectEscrow(update: ChainEventUpdate): Promise<void> {
    await this.escrows.upsertFromUpdate(update);
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

  async ordersToSweep(now: number, limit: number): Promise<Hex[]> {
    const rows = await this.db
      .selectFrom('orders')
      .select('order_hash')
      .where((eb) =>
        eb.or([
          eb('status', 'in', TIME_DRIVEN),
          eb.and([eb('status', '=', 'active'), eb('expiry', '<', numeric(now))]),
        ]),
      )
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => r.order_hash as Hex);
  }
}
