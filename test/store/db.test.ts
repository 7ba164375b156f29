import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { createDatabase, type Database } from '../../src/store/db.js';
import { createStore } from '../../src/store/index.js';
import { ENGINES, truncateAll, withPostgres } from '../support/db.js';
import { MIGRATIONS, migrationProvider } from '../../src/store/migrations/index.js';
import { BIG, hash32, order } from './support.js';

describe.each(ENGINES)('Database on $engine', ({ engine, open }) => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  it('reports its engine, answers ping, and migrating again is a no-op', async () => {
    expect(database.engine).toBe(engine);
    await database.ping();
    await database.migrate();
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
  });

  it('reports affected-row counts', async () => {
    await database.db.insertInto('chain_cursors').values([
      { chain: 'a', height: '1', hash: 'h' },
      { chain: 'b', height: '2', hash: 'h' },
    ]).execute();
    const updated = await database.db.updateTable('chain_cursors').set({ hash: 'x' }).where('hash', '=', 'h').executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
    const deleted = await database.db.deleteFrom('chain_cursors').executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(2n);
  });

  it('keeps a query issued during a transaction outside that transaction', async () => {
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    let proceed!: () => void;
    const proceedP = new Promise<void>((r) => (proceed = r));
    const tx = database.db.transaction().execute(async (trx) => {
      await trx.insertInto('chain_cursors').values({ chain: 'tx', height: '1', hash: 'h' }).execute();
      inserted();
      await proceedP;
      throw new Error('roll back');
    });
    await insertedP;
    const outside = database.db.selectFrom('chain_cursors').selectAll().where('chain', '=', 'tx').execute();
    proceed();
    await expect(tx).rejects.toThrow('roll back');
    // had it run inside the open transaction, it would have seen the uncommitted row
    expect(await outside).toEqual([]);
  });
});

describe('Database lifecycle', () => {
  it('migrates once when two instances start at once on one Postgres', async () => {
    const pgdb = await withPostgres({ migrate: false });
    const second = await createDatabase({ databaseUrl: pgdb.url });
    try {
      await Promise.all([pgdb.database.migrate(), second.migrate(), pgdb.database.migrate()]);
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(second.db);
      expect(applied.rows.map((r) => r.name).sort()).toEqual(Object.keys(MIGRATIONS));
      await second.ping();
    } finally {
      await second.close();
      await pgdb.drop();
    }
  });

  it('migrates down to an empty schema and up again', async () => {
    const pgdb = await withPostgres();
    try {
      const migrator = new Migrator({ db: pgdb.database.db, provider: migrationProvider });
      const down = await migrator.migrateTo(NO_MIGRATIONS);
      expect(down.error).toBeUndefined();
      const tables = await sql<{ n: string }>`select count(*) as n from information_schema.tables where table_schema = 'public' and table_name not like 'kysely%'`.execute(pgdb.database.db);
      expect(tables.rows[0]!.n).toBe('0');
      await pgdb.database.migrate();
      await truncateAll(pgdb.database);
      expect(await pgdb.database.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    } finally {
      await pgdb.drop();
    }
  });

  it('closes idempotently', async () => {
    const pgdb = await withPostgres({ migrate: false });
    try {
      await pgdb.database.close();
      await pgdb.database.close();
      await expect(pgdb.database.ping()).rejects.toThrow('database is closed');
      await expect(pgdb.database.migrate()).rejects.toThrow('database is closed');
    } finally {
      await pgdb.drop();
      await pgdb.drop();
    }
  });

  it('opens a migrated store on Postgres with createStore', async () => {
    const pgdb = await withPostgres({ migrate: false });
    const store = await createStore({ databaseUrl: pgdb.url });
    try {
      expect(await store.orders.insert({ orderHash: hash32(1), order: order(1), signature: null, lockedOutput: 'x#0', event: { type: 'created' } })).toBe(
        'inserted',
      );
      const leader = store.leader({ key: 99n });
      expect(await leader.acquire()).toBe(true);
      await leader.release();
    } finally {
      await store.close();
      await pgdb.drop();
    }
  });

  it('creates a PGlite data dir and keeps the data when reopened', async () => {
    const root = await mkdtemp(join(tmpdir(), 'store-test-'));
    const dataDir = join(root, 'nested', 'data');
    try {
      const first = await createStore({ dataDir });
      expect(first.database.engine).toBe('pglite');
      expect(await first.leader().acquire()).toBe(true);
      await first.orders.insert({ orderHash: hash32(7), order: order(7), signature: null, lockedOutput: 'y#1', event: { type: 'created' } });
      await first.close();

      const again = await createStore({ dataDir });
      try {
        const stored = await again.orders.get(hash32(7));
        expect(stored!.order.makingAmount).toBe(BIG + 7n);
        expect(await again.orders.timeline(hash32(7))).toHaveLength(1);
      } finally {
        await again.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
