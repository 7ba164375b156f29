/**
 * Test databases on both engines. Postgres: a fresh database per call on the local server
 * (postgres://postgres@127.0.0.1:5432, trust auth), migrated, dropped by `drop()`. PGlite: in
 * memory, migrated. PGlite takes ~2.6 s to start, so share one per test file.
 *
 *   const pgdb = await withPostgres();  … afterAll(() => pgdb.drop());
 *   const lite = await withPglite();    … afterAll(() => lite.close());
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/store/db.js';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  url: string;
  name: string;
  database: Database;
  /** Closes `database`, terminates any other connection to it, drops it. Idempotent. */
  drop(): Promise<void>;
}

export interface TestPglite {
  database: Database;
  close(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlFor(name: string): string {
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty database `t_<random>`; `migrate: false` leaves it unmigrated. */
export async function withPostgres(opts: { migrate?: boolean } = {}): Promise<TestPostgres> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = urlFor(name);
  const database = await createDatabase({ databaseUrl: url });
  let dropped: Promise<void> | null = null;
  const drop = (): Promise<void> =>
    (dropped ??= (async () => {
      await database.close();
      await admin(async (c) => {
        await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        await c.query(`drop database if exists ${name}`);
      });
    })());
  if (opts.migrate !== false) {
    try {
      await database.migrate();
    } catch (err) {
      await drop();
      throw err;
    }
  }
  return { url, name, database, drop };
}

export async function withPglite(opts: { migrate?: boolean } = {}): Promise<TestPglite> {
  const database = await createDatabase({ inMemory: true });
  if (opts.migrate !== false) {
    try {
      await database.migrate();
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return { database, close: () => database.close() };
}

/** Both engines, for `describe.each`: each entry opens a migrated database and gives a closer. */
export const ENGINES = [
  {
    engine: 'postgres' as const,
    open: async (): Promise<{ database: Database; close: () => Promise<void> }> => {
      const t = await withPostgres();
      return { database: t.database, close: t.drop };
    },
  },
  {
    engine: 'pglite' as const,
    open: async (): Promise<{ database: Database; close: () => Promise<void> }> => withPglite(),
  },
];

/** Empties every store table (for a shared database between tests). */
export async function truncateAll(database: Database): Promise<void> {
  await sql`truncate table order_events, orders, escrows, chain_events, chain_blocks, chain_cursors, stream_events restart identity`.execute(
    database.db,
  );
}
