/**
 * Escrows as the monitors saw them (for the API and the coordinator), kept current from the
 * chain-event updates the ChainStateStore returns:
 *
 *   escrow_created   observed/final → row `created` (final flag from the update)
 *   escrow_withdrawn / escrow_cancelled / funds_rescued → status `withdrawn` / `cancelled` / `rescued`
 *   reverted creation → `reverted`; reverted withdrawal/cancel/rescue → back to `created`
 *
 * `final` says whether the event behind the current status is past its confirmation depth.
 * A lifecycle event for an escrow never seen created is ignored (monitors start at the factory's
 * deployment, so this does not happen on a healthy store).
 *
 * The constructor takes a Kysely or a Kysely transaction, so a caller can update escrows in the
 * same transaction as other writes.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  ChainEventUpdate,
  EscrowCancelledEvent,
  EscrowCreatedEvent,
  EscrowSide,
  EscrowWithdrawnEvent,
  FundsRescuedEvent,
} from '../chains/events.js';
import type { Hex } from '../domain/order.js';
import { fromTagged, numeric, taggedJson, toBigInt } from './convert.js';
import type { DB, EscrowsTable } from './schema.js';

export const ESCROW_STATUSES = ['created', 'withdrawn', 'cancelled', 'rescued', 'reverted'] as const;
export type EscrowStatus = (typeof ESCROW_STATUSES)[number];

export type EscrowLifecycleEvent = EscrowWithdrawnEvent | EscrowCancelledEvent | FundsRescuedEvent;

export interface StoredEscrow {
  chain: string;
  escrowId: string;
  orderHash: Hex;
  side: EscrowSide;
  status: EscrowStatus;
  amount: bigint;
  /** The creation event: the escrow's terms. */
  created: EscrowCreatedEvent;
  /** The withdrawal, cancellation or rescue behind the current status, if any. */
  statusEvent: EscrowLifecycleEvent | null;
  /** Creation transaction and block. */
  txHash: string;
  blockNumber: bigint;
  final: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const LIFECYCLE_STATUS = {
  escrow_withdrawn: 'withdrawn',
  escrow_cancelled: 'cancelled',
  funds_rescued: 'rescued',
} as const satisfies Record<EscrowLifecycleEvent['type'], EscrowStatus>;

export class EscrowRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Applies one chain-event update; true if the escrow row changed. */
  async upsertFromUpdate(update: ChainEventUpdate): Promise<boolean> {
    const { event, status } = update;
    switch (event.type) {
      case 'escrow_created':
        return status === 'reverted' ? this.#revertCreation(event) : this.#recordCreation(event, status === 'final');
      case 'escrow_withdrawn':
      case 'escrow_cancelled':
      case 'funds_rescued':
        return status === 'reverted' ? this.#revertLifecycle(event) : this.#recordLifecycle(event, status === 'final');
      default:
        return false;
    }
  }

  async get(chain: string, escrowId: string): Promise<StoredEscrow | null> {
    const row = await this.db
      .selectFrom('escrows')
      .selectAll()
      .where('chain', '=', chain)
      .where('escrow_id', '=', escrowId)
      .executeTakeFirst();
    return row ? toStoredEscrow(row) : null;
  }

  async listByOrder(orderHash: Hex, chain?: string): Promise<StoredEscrow[]> {
    return this.list({ orderHash, ...(chain !== undefined ? { chain } : {}) });
  }

  /** Oldest first; at most `limit` (default 500). */
  async list(filter: { orderHash?: Hex; chain?: string; limit?: number } = {}): Promise<StoredEscrow[]> {
    let q = this.db.selectFrom('escrows').selectAll();
    if (filter.orderHash !== undefined) q = q.where('order_hash', '=', filter.orderHash.toLowerCase());
    if (filter.chain !== undefined) q = q.where('chain', '=', filter.chain);
    const rows = await q
      .orderBy('created_at')
      .orderBy('chain')
      .orderBy('escrow_id')
      .limit(filter.limit ?? 500)
      .execute();
    return rows.map(toStoredEscrow);
  }

  async #recordCreation(event: EscrowCreatedEvent, final: boolean): Promise<boolean> {
    const row = {
      chain: event.chain,
      escrow_id: event.escrow,
      order_hash: event.orderHash.toLowerCase(),
      side: event.side,
      status: 'created',
      amount: numeric(event.amount),
      data: taggedJson(event),
      status_event: null,
      tx_hash: event.txHash,
      block_number: numeric(event.blockNumber),
      final,
    };
    const changed = await this.db
      .insertInto('escrows')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['chain', 'escrow_id'])
          .doUpdateSet({
            order_hash: (eb) => eb.ref('excluded.order_hash'),
            side: (eb) => eb.ref('excluded.side'),
            status: 'created',
            amount: (eb) => eb.ref('excluded.amount'),
            data: (eb) => eb.ref('excluded.data'),
            status_event: null,
            tx_hash: (eb) => eb.ref('excluded.tx_hash'),
            block_number: (eb) => eb.ref('excluded.block_number'),
            final: (eb) => eb.ref('excluded.final'),
            updated_at: sql`now()`,
          })
          // Re-created after a rollback, or the creation just became final.
          .where((eb) =>
            eb.or([
              eb('escrows.status', '=', 'reverted'),
              eb.and([eb('escrows.status', '=', 'created'), eb('escrows.final', '=', false), eb('excluded.final', '=', true)]),
            ]),
          ),
      )
      .returning('escrow_id')
      .executeTakeFirst();
    return changed !== undefined;
  }

  async #revertCreation(event: EscrowCreatedEvent): Promise<boolean> {
    const r = await this.db
      .updateTable('escrows')
      .set({ status: 'reverted', status_event: null, final: false, updated_at: sql`now()` })
      .where('chain', '=', event.chain)
      .where('escrow_id', '=', event.escrow)
      .where('status', '<>', 'reverted')
      .where(sql<string>`data->>'id'`, '=', event.id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async #recordLifecycle(event: EscrowLifecycleEvent, final: boolean): Promise<boolean> {
    const r = await this.db
      .updateTable('escrows')
      .set({
        status: LIFECYCLE_STATUS[event.type],
        status_event: taggedJson(event),
        final,
        updated_at: sql`now()`,
      })
      .where('chain', '=', event.chain)
      .where('escrow_id', '=', event.escrow)
      .where((eb) => {
        const sameEvent = eb(sql<string>`status_event->>'id'`, '=', event.id);
        // First sighting (the escrow is still `created`), or this same event becoming final.
        return final
          ? eb.or([eb('status', '=', 'created'), eb.and([sameEvent, eb('final', '=', false)])])
          : eb('status', '=', 'created');
      })
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async #revertLifecycle(event: EscrowLifecycleEvent): Promise<boolean> {
    const r = await this.db
      .updateTable('escrows')
      .set({
        status: 'created',
        status_event: null,
        // The creation's own finality, as the chain-event log knows it.
        final: sql<boolean>`coalesce((select ce.status = 'final' from chain_events ce where ce.id = escrows.data->>'id'), false)`,
        updated_at: sql`now()`,
      })
      .where('chain', '=', event.chain)
      .where('escrow_id', '=', event.escrow)
      .where(sql<string>`status_event->>'id'`, '=', event.id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }
}

function toStoredEscrow(row: Selectable<EscrowsTable>): StoredEscrow {
  return {
    chain: row.chain,
    escrowId: row.escrow_id,
    orderHash: row.order_hash as Hex,
    side: row.side as EscrowSide,
    status: row.status as EscrowStatus,
    amount: toBigInt(row.amount),
    created: fromTagged<EscrowCreatedEvent>(row.data),
    statusEvent: row.status_event === null ? null : fromTagged<EscrowLifecycleEvent>(row.status_event),
    txHash: row.tx_hash,
    blockNumber: toBigInt(row.block_number),
    final: row.final,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
