/**
 * The event stream (issue 13): one ordered, numbered journal of what WebSocket clients are told
 * about orders, escrows and secrets, so a client that reconnects (to any instance) can resume
 * from the last event id it saw (`subscribe` with `since`).
 *
 * Rows are written by triggers, inside the transaction of the change they describe: nothing can
 * commit a status change without its stream row, nor the other way round, whatever code path
 * (or future refactor) makes the change. Every trigger first takes one transaction-level
 * advisory lock, so ids are handed out in commit order: a reader that has seen id N will never
 * later find a committed row below N (no "gap that may still fill" to wait for).
 *
 * - `order_events` insert → `order_created` (no from_status) or `order_updated`; the payload is
 *   read at replay time from that immutable row and the order's immutable columns.
 * - `chain_events` insert, or an update that changes its status → `escrow_event`, with a snapshot
 *   of the status and the event (both may change again later).
 * - `orders.secret` set (deferred to commit, so it follows the transition's `order_updated`) →
 *   `secret_shared`; the secret itself stays in `orders` only.
 *
 * `stream_horizon.pruned_through`: the highest id removed by retention; a `since` below it can no
 * longer be served.
 */
import { sql, type Kysely } from 'kysely';

/** pg_advisory_xact_lock key of stream writers (arbitrary constant, next to the others). */
export const STREAM_WRITE_LOCK = 7_406_531_982_130n;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stream_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_hash', 'text')
    /** order_created / order_updated: the order_events row. */
    .addColumn('order_event_id', 'bigint')
    /** escrow_event: the chain event's status and the event (bigint-tagged) at that moment. */
    .addColumn('chain_status', 'text')
    .addColumn('chain_event', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('stream_events_created_at').on('stream_events').column('created_at').execute();
  await db.schema
    .createTable('stream_horizon')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into stream_horizon (name, pruned_through) values ('events', 0)`.execute(db);

  const lock = sql.raw(`perform pg_advisory_xact_lock(${STREAM_WRITE_LOCK.toString()}::bigint);`);
  await sql`
    create function stream_order_event() returns trigger language plpgsql as $$
    begin
      ${lock}
      insert into stream_events (kind, order_hash, order_event_id)
      values (case when new.from_status is null then 'order_created' else 'order_updated' end, new.order_hash, new.id);
      return null;
    end $$`.execute(db);
  await sql`create trigger stream_order_events after insert on order_events for each row execute function stream_order_event()`.execute(db);

  await sql`
    create function stream_chain_event() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.status = new.status then return null; end if;
      ${lock}
      insert into stream_events (kind, order_hash, chain_status, chain_event)
      values ('escrow_event', new.order_hash, new.status, new.event);
      return null;
    end $$`.execute(db);
  await sql`create trigger stream_chain_events after insert or update on chain_events for each row execute function stream_chain_event()`.execute(db);

  await sql`
    create function stream_secret() returns trigger language plpgsql as $$
    begin
      ${lock}
      insert into stream_events (kind, order_hash) values ('secret_shared', new.order_hash);
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger stream_secret_set after update of secret on orders
    deferrable initially deferred for each row
    when (old.secret is null and new.secret is not null)
    execute function stream_secret()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists stream_secret_set on orders`.execute(db);
  await sql`drop trigger if exists stream_chain_events on chain_events`.execute(db);
  await sql`drop trigger if exists stream_order_events on order_events`.execute(db);
  await sql`drop function if exists stream_secret(), stream_chain_event(), stream_order_event()`.execute(db);
  await db.schema.dropTable('stream_horizon').ifExists().execute();
  await db.schema.dropTable('stream_events').ifExists().execute();
}
