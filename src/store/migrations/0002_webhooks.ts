/**
 * Webhooks (issue 14): subscriptions, their deliveries (the outbox and the delivery log), and
 * the fan-out cursor over order_events. order_events is written in the same transaction as
 * every status change, so deriving deliveries from it (cursor advanced in the same transaction
 * as the delivery rows) loses nothing in a crash; (webhook_id, event_key) is unique, so a
 * re-scan after a crash inserts nothing twice.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** sha256 hex of the API key that registered it: the owner, without keeping the key. */
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('maker', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    /** Only events after registration are delivered: order_events.id at registration. */
    .addColumn('after_event_id', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhooks_owner').on('webhooks').columns(['owner', 'created_at']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    /** The idempotency key the receiver sees (x-relayer-event-id). */
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('webhook_deliveries_once', ['webhook_id', 'event_key'])
    .addCheckConstraint('webhook_deliveries_status', sql`status in ('pending', 'delivered', 'dead')`)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .column('next_attempt_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();

  await db.schema
    .createTable('webhook_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', sql`numeric(20,0)`, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_cursor', 'webhook_deliveries', 'webhooks']) await db.schema.dropTable(t).execute();
}
