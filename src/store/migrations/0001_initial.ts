/**
 * Initial schema. Amounts and heights are numeric (exact, beyond 2^64); every jsonb holding
 * domain objects is bigint-tagged (src/domain/bigint-json.ts) except `orders.order`, which is
 * the wire form (amounts already decimal strings).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('order_hash', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('src_chain', 'text', (c) => c.notNull())
    .addColumn('dst_chain', 'text', (c) => c.notNull())
    .addColumn('maker', 'text', (c) => c.notNull())
    .addColumn('receiver', 'text', (c) => c.notNull())
    .addColumn('maker_asset', 'text', (c) => c.notNull())
    .addColumn('taker_asset', 'text', (c) => c.notNull())
    .addColumn('making_amount', sql`numeric(78,0)`, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('order', 'jsonb', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('locked_output', 'text')
    .addColumn('secret', 'text')
    .addColumn('expiry', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('auction_start', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('auction_end', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // List filters page newest-first by seq, so each filter index ends in seq.
  await db.schema.createIndex('orders_status_seq').on('orders').columns(['status', 'seq']).execute();
  await db.schema.createIndex('orders_maker_seq').on('orders').columns(['maker', 'seq']).execute();
  await db.schema.createIndex('orders_src_chain_seq').on('orders').columns(['src_chain', 'seq']).execute();
  await db.schema.createIndex('orders_dst_chain_seq').on('orders').columns(['dst_chain', 'seq']).execute();
  await db.schema.createIndex('orders_maker_asset_seq').on('orders').columns(['maker_asset', 'seq']).execute();
  await db.schema.createIndex('orders_taker_asset_seq').on('orders').columns(['taker_asset', 'seq']).execute();
  // The ticker and GET /api/orders/active read every active order.
  await db.schema
    .createIndex('orders_active')
    .on('orders')
    .column('seq')
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('order_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('order_hash', 'text', (c) => c.notNull().references('orders.order_hash'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('order_events_order').on('order_events').columns(['order_hash', 'id']).execute();

  await db.schema
    .createTable('escrows')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('escrow_id', 'text', (c) => c.notNull())
    .addColumn('order_hash', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount', sql`numeric(78,0)`, (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('status_event', 'jsonb')
    .addColumn('tx_hash', 'text', (c) => c.notNull())
    .addColumn('block_number', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('final', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('escrows_pk', ['chain', 'escrow_id'])
    .addCheckConstraint(
      'escrows_status',
      sql`status in ('created', 'withdrawn', 'cancelled', 'rescued', 'reverted')`,
    )
    .execute();
  // No foreign key to orders: a monitor may see an escrow for an order this relayer never stored.
  await db.schema.createIndex('escrows_order').on('escrows').columns(['order_hash', 'chain']).execute();

  await db.schema
    .createTable('chain_cursors')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('height', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('slot', sql`numeric(20,0)`)
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('chain_blocks')
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('height', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('slot', sql`numeric(20,0)`)
    .addPrimaryKeyConstraint('chain_blocks_pk', ['chain', 'height'])
    .execute();

  await db.schema
    .createTable('chain_events')
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('order_hash', 'text')
    .addColumn('block_number', sql`numeric(20,0)`, (c) => c.notNull())
    .addColumn('block_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('chain_events_status', sql`status in ('observed', 'final', 'reverted')`)
    .execute();
  await db.schema
    .createIndex('chain_events_chain_block')
    .on('chain_events')
    .columns(['chain', 'block_number'])
    .execute();
  await db.schema.createIndex('chain_events_order').on('chain_events').column('order_hash').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['chain_events', 'chain_blocks', 'chain_cursors', 'escrows', 'order_events', 'orders']) {
    await db.schema.dropTable(t).execute();
  }
}
