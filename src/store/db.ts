/**
 * Opens the store: Postgres (a `pg` pool) when a URL is given, otherwise embedded PGlite in a
 * data directory or in memory. Both speak the same SQL through the same Kysely queries.
 *
 * Both engines return numeric and int8 as decimal strings (never JS numbers, which would lose
 * precision); repositories turn them into bigint.
 */
import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../observability/logger.js';
import { migrationProvider } from './migrations/index.js';
import { PgliteDriver } from './pglite-driver.js';
import type { DB } from './schema.js';

export type Engine = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** The Postgres URL, if the engine is Postgres (the leader lock opens its own connection). */
  databaseUrl?: string;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  inMemory?: boolean;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Postgres pool size (default 10). */
  poolSize?: number;
}

const OID_INT8 = 20;
const OID_NUMERIC = 1700;
const asString = (v: string): string => v;

/** Session advisory lock key that serialises migrations across instances (arbitrary constant). */
const MIGRATION_LOCK_KEY = 7_406_531_982_114n;

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts);
  return openPglite(opts);
}

async function openPostgres(databaseUrl: string, opts: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.poolSize ?? 10,
    // Per pool, so the process-wide pg defaults are left alone.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === OID_INT8 || oid === OID_NUMERIC
          ? asString
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client dying (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => opts.logger?.warn({ err }, 'postgres idle client error'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return wrap(db, 'postgres', opts, databaseUrl);
}

async function openPglite(opts: DatabaseOptions): Promise<Database> {
  // Loaded only for this engine: importing PGlite and its Kysely dialect costs over a second of
  // CPU, which a relayer on Postgres should not pay at every start.
  const [{ PGlite }, { KyselyPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite')]);
  const parsers = { [OID_INT8]: asString, [OID_NUMERIC]: asString };
  let client: PGlite;
  if (opts.dataDir && !opts.inMemory) {
    await mkdir(opts.dataDir, { recursive: true });
    client = await PGlite.create(opts.dataDir, { parsers });
  } else {
    client = await PGlite.create({ parsers });
  }
  const inner = new KyselyPGlite(client).dialect;
  // One session handed out at a time, and Kysely's affected-row counts (see pglite-driver.ts).
  const dialect: Dialect = { ...inner, createDriver: () => new PgliteDriver(inner.createDriver()) };
  const db = new Kysely<DB>({ dialect });
  return wrap(db, 'pglite', opts);
}

function wrap(db: Kysely<DB>, engine: Engine, opts: DatabaseOptions, databaseUrl?: string): Database {
  let closing: Promise<void> | null = null;
  const open = (): void => {
    if (closing) throw new Error('database is closed');
  };
  return {
    db,
    engine,
    ...(databaseUrl ? { databaseUrl } : {}),
    migrate: async () => {
      open();
      await migrate(db, engine, opts.logger);
    },
    ping: async () => {
      open();
      await sql`select 1`.execute(db);
    },
    close: () => (closing ??= db.destroy()),
  };
}

async function migrate(db: Kysely<DB>, engine: Engine, logger?: DatabaseOptions['logger']): Promise<void> {
  const run = async (): Promise<void> => {
    const migrator = new Migrator({ db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') logger?.info({ migration: r.migrationName }, 'migration applied');
      else logger?.error({ migration: r.migrationName, status: r.status }, 'migration failed');
    }
    if (error) throw error instanceof Error ? error : new Error(String(error));
  };
  if (engine === 'pglite') {
    // One process owns the data dir; the single serialised connection would deadlock on a
    // lock held by another connection of ours.
    await run();
    return;
  }
  // Kysely also locks inside migrateToLatest; this outer session lock additionally covers the
  // creation of its bookkeeping tables when two instances start at once.
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(conn);
    try {
      await run();
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(conn);
    }
  });
}
