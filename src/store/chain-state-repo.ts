/**
 * ChainStateStore (src/chains/ports.ts) on the store: cursors, recent blocks and the chain
 * events the chain followers report.
 *
 * `chain_events.seq` is a change sequence: every insert and every status change takes a new
 * value, so the settlement coordinator can follow all changes with `listEvents(afterSeq)`
 * (outbox style). Writers take a transaction-level advisory lock first, so sequence values
 * become visible in commit order and a reader never skips a late-committing lower seq.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { BlockRef, ChainBatch, ChainCursor, ChainStateStore } from '../chains/ports.js';
import type { ChainEvent, ChainEventStatus, ChainEventUpdate } from '../chains/events.js';
import { fromTagged, numeric, taggedJson, toBigInt } from './convert.js';
import type { ChainEventsTable, DB } from './schema.js';
import { assertFence, type Fence } from './fence.js';

/** Serialises chain-event writers (arbitrary constant). */
const CHAIN_EVENTS_WRITE_LOCK = 7_406_531_982_115n;
const SEQ = sql<string>`nextval(pg_get_serial_sequence('chain_events', 'seq'))`;

export interface StoredChainEvent extends ChainEventUpdate {
  seq: bigint;
}

export class ChainStateRepository implements ChainStateStore {
  /** `fence`: the monitors' repository refuses writes of a leader whose epoch is over (fence.ts). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly fence?: Fence,
  ) {}

  /** The same store, with every write fenced by the leadership epoch. */
  fenced(fence: Fence): ChainStateRepository {
    return new ChainStateRepository(this.db, fence);
  }

  async getCursor(chain: string): Promise<ChainCursor | null> {
    const row = await this.db.selectFrom('chain_cursors').selectAll().where('chain', '=', chain).executeTakeFirst();
    if (!row) return null;
    return { chain, ...blockRef(row) };
  }

  async apply(batch: ChainBatch): Promise<ChainEventUpdate[]> {
    const { chain } = batch;
    for (const e of batch.observed ?? []) {
      if (e.chain !== chain) throw new Error(`event ${e.id} is on chain ${e.chain}, batch is for ${chain}`);
    }
    return this.db.transaction().execute(async (trx) => {
      await lockWriters(trx);
      await assertFence(trx, this.fence);
      const observed = await insertObserved(trx, chain, batch.observed ?? []);
      const finalized = await this.#setStatus(trx, chain, batch.finalized ?? [], 'observed', 'final');

      await insertBlocks(trx, chain, batch.blocks ?? []);
      await setCursor(trx, chain, batch.cursor);

      // Chain order: by block; within a block, new observations before finalities.
      return stableSortByBlock([...observed, ...finalized]);
    });
  }

  async rollback(chain: string, to: BlockRef): Promise<ChainEventUpdate[]> {
    return this.db.transaction().execute(async (trx) => {
      await lockWriters(trx);
      await assertFence(trx, this.fence);
      const rows = await trx
        .selectFrom('chain_events')
        .select('id')
        .where('chain', '=', chain)
        .where('block_number', '>', numeric(to.height))
        .where('status', '<>', 'reverted')
        .execute();
      const reverted = await this.#setStatus(
        trx,
        chain,
        rows.map((r) => r.id),
        ['observed', 'final'],
        'reverted',
        'newest-first',
      );
      await trx.deleteFrom('chain_blocks').where('chain', '=', chain).where('height', '>', numeric(to.height)).execute();
      await setCursor(trx, chain, to);
      return reverted;
    });
  }

  async blockAt(chain: string, height: bigint): Promise<BlockRef | null> {
    const row = await this.db
      .selectFrom('chain_blocks')
      .selectAll()
      .where('chain', '=', chain)
      .where('height', '=', numeric(height))
      .executeTakeFirst();
    return row ? blockRef(row) : null;
  }

  async recentBlocks(chain: string, limit: number): Promise<BlockRef[]> {
    const rows = await this.db
      .selectFrom('chain_blocks')
      .selectAll()
      .where('chain', '=', chain)
      .orderBy('height', 'desc')
      .limit(limit)
      .execute();
    return rows.map(blockRef);
  }

  async eventById(chain: string, id: string): Promise<ChainEvent | null> {
    const row = await this.db
      .selectFrom('chain_events')
      .select('event')
      .where('id', '=', id)
      .where('chain', '=', chain)
      .where('status', '<>', 'reverted')
      .executeTakeFirst();
    return row ? fromTagged<ChainEvent>(row.event) : null;
  }

  async pending(chain: string): Promise<ChainEvent[]> {
    const rows = await this.db
      .selectFrom('chain_events')
      .select('event')
      .where('chain', '=', chain)
      .where('status', '=', 'observed')
      .orderBy('block_number')
      .orderBy('seq')
      .execute();
    return rows.map((r) => fromTagged<ChainEvent>(r.event));
  }

  async pruneBlocks(chain: string, belowHeight: bigint): Promise<void> {
    await this.db.deleteFrom('chain_blocks').where('chain', '=', chain).where('height', '<', numeric(belowHeight)).execute();
  }

  /**
   * Every change after `afterSeq`, in the order it happened (each event at its latest status;
   * an event that changed twice since shows once, at its newer seq). Start with 0n.
   */
  async listEvents(afterSeq: bigint, limit: number, chain?: string): Promise<StoredChainEvent[]> {
    let q = this.db
      .selectFrom('chain_events')
      .select(['seq', 'status', 'event'])
      .where('seq', '>', numeric(afterSeq))
      .orderBy('seq')
      .limit(limit);
    if (chain !== undefined) q = q.where('chain', '=', chain);
    const rows = await q.execute();
    return rows.map((r) => ({
      seq: toBigInt(r.seq),
      status: r.status as ChainEventStatus,
      event: fromTagged<ChainEvent>(r.event),
    }));
  }

  /** Moves the given ids from `from` to `to`, giving each a new seq in chain order. */
  async #setStatus(
    trx: Transaction<DB>,
    chain: string,
    ids: readonly string[],
    from: ChainEventStatus | ChainEventStatus[],
    to: ChainEventStatus,
    order: 'chain-order' | 'newest-first' = 'chain-order',
  ): Promise<ChainEventUpdate[]> {
    if (ids.length === 0) return [];
    const fromList = Array.isArray(from) ? from : [from];
    const dir = order === 'chain-order' ? sql`asc` : sql`desc`;
    // nextval is taken row by row in the order of the inner, sorted select.
    const rows = await sql<Pick<Selectable<ChainEventsTable>, 'seq' | 'event'>>`
      update chain_events c
         set status = ${to}, seq = n.new_seq, updated_at = now()
        from (select id, ${SEQ} as new_seq
                from (select id from chain_events
                       where chain = ${chain} and status in (${sql.join(fromList)})
                         and id in (${sql.join(ids)})
                       order by block_number ${dir}, seq ${dir}) ordered) n
       where c.id = n.id
      returning c.seq, c.event`.execute(trx);
    return rows.rows
      .map((r) => ({ seq: toBigInt(r.seq), event: fromTagged<ChainEvent>(r.event) }))
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      .map(({ event }) => ({ status: to, event }));
  }
}

/** Rows per INSERT statement: well inside Postgres's 65,535 bind parameters. */
const INSERT_CHUNK = 500;

/**
 * Inserts new events in multi-row statements (one round trip per chunk, not per event). An id
 * already stored is ignored unless a rollback reverted it: mined again, it comes back as observed
 * with its new block. Returns the updates that changed something, in input order.
 */
async function insertObserved(trx: Transaction<DB>, chain: string, events: readonly ChainEvent[]): Promise<ChainEventUpdate[]> {
  // One statement may not touch a row twice: keep the first sighting of an id.
  const seen = new Set<string>();
  const unique = events.filter((e) => !seen.has(e.id) && seen.add(e.id));
  const changedIds = new Set<string>();
  for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
    const rows = unique.slice(i, i + INSERT_CHUNK).map((event) => ({
      id: event.id,
      chain,
      type: event.type,
      // lower-cased like orders.order_hash, so the two join and filter by plain equality
      order_hash: 'orderHash' in event && event.orderHash ? event.orderHash.toLowerCase() : null,
      block_number: numeric(event.blockNumber),
      block_hash: event.blockHash,
      status: 'observed',
      event: taggedJson(event),
    }));
    const changed = await trx
      .insertInto('chain_events')
      .values(rows)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({
            status: 'observed',
            seq: SEQ,
            block_number: (eb) => eb.ref('excluded.block_number'),
            block_hash: (eb) => eb.ref('excluded.block_hash'),
            event: (eb) => eb.ref('excluded.event'),
            updated_at: sql`now()`,
          })
          .where('chain_events.status', '=', 'reverted'),
      )
      .returning('id')
      .execute();
    for (const r of changed) changedIds.add(r.id);
  }
  return unique.filter((e) => changedIds.has(e.id)).map((event) => ({ status: 'observed' as const, event }));
}

async function insertBlocks(trx: Transaction<DB>, chain: string, blocks: readonly BlockRef[]): Promise<void> {
  // The last report of a height wins, as with one upsert per block.
  const unique = [...new Map(blocks.map((b) => [b.height, b] as const)).values()];
  for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('chain_blocks')
      .values(unique.slice(i, i + INSERT_CHUNK).map((b) => ({ chain, height: numeric(b.height), hash: b.hash, slot: slotOf(b) })))
      .onConflict((oc) =>
        oc.columns(['chain', 'height']).doUpdateSet({ hash: (eb) => eb.ref('excluded.hash'), slot: (eb) => eb.ref('excluded.slot') }),
      )
      .execute();
  }
}

/** Every chain event stored for an order (hash lower-cased), each at its latest status, in seq order. */
export async function chainEventsOfOrder(db: Kysely<DB>, orderHash: string): Promise<ChainEventUpdate[]> {
  const rows = await db
    .selectFrom('chain_events')
    .select(['status', 'event'])
    .where('order_hash', '=', orderHash.toLowerCase())
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ status: r.status as ChainEventStatus, event: fromTagged<ChainEvent>(r.event) }));
}

/**
 * Holds every chain-event writer off until `trx` ends (they take the same lock). The guarded
 * order transition takes it so a rollback cannot commit between its check and its change.
 */
export async function lockChainEventWriters(trx: Transaction<DB>): Promise<void> {
  await lockWriters(trx);
}

async function lockWriters(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(CHAIN_EVENTS_WRITE_LOCK.toString())}::bigint)`.execute(trx);
}

async function setCursor(trx: Transaction<DB>, chain: string, to: BlockRef): Promise<void> {
  const values = { height: numeric(to.height), hash: to.hash, slot: slotOf(to) };
  await trx
    .insertInto('chain_cursors')
    .values({ chain, ...values })
    .onConflict((oc) => oc.column('chain').doUpdateSet({ ...values, updated_at: sql`now()` }))
    .execute();
}

function slotOf(b: BlockRef): string | null {
  return b.slot === undefined ? null : numeric(b.slot);
}

function blockRef(row: { height: string; hash: string; slot: string | null }): BlockRef {
  return {
    height: toBigInt(row.height),
    hash: row.hash,
    ...(row.slot === null ? {} : { slot: toBigInt(row.slot) }),
  };
}

function stableSortByBlock(updates: ChainEventUpdate[]): ChainEventUpdate[] {
  return updates
    .map((u, i) => ({ u, i }))
    .sort((a, b) =>
      a.u.event.blockNumber < b.u.event.blockNumber ? -1 : a.u.event.blockNumber > b.u.event.blockNumber ? 1 : a.i - b.i,
    )
    .map(({ u }) => u);
}
