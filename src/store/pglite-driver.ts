/**
 * Adapts kysely-pglite's driver to what Kysely expects of a Postgres driver:
 *
 * - One connection at a time (FIFO). PGlite is a single database session: a transaction must
 *   own it until commit or rollback, or another caller's query would run inside it.
 *   Consequence: inside a transaction use the transaction object, never the outer `db`
 *   (that would wait for the transaction to end, i.e. deadlock).
 * - Affected-row counts. kysely-pglite 0.6.1 passes PGlite's `affectedRows` through
 *   unchanged, so Kysely's `numUpdatedRows`/`numDeletedRows` would always be 0; this maps
 *   it to `numAffectedRows` as the `pg` dialect does.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';

export class PgliteDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  readonly #releases = new Map<DatabaseConnection, () => void>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      const conn = new AffectedRowsConnection(await this.inner.acquireConnection());
      this.#releases.set(conn, release);
      return conn;
    } catch (err) {
      release();
      throw err;
    }
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(unwrap(conn), settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(unwrap(conn));
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(unwrap(conn));
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(unwrap(conn));
    } finally {
      const release = this.#releases.get(conn);
      this.#releases.delete(conn);
      release?.();
    }
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class AffectedRowsConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = (await this.inner.executeQuery<R>(compiledQuery)) as QueryResult<R> & { affectedRows?: number };
    if (result.numAffectedRows === undefined && typeof result.affectedRows === 'number') {
      return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
    }
    return result;
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

function unwrap(conn: DatabaseConnection): DatabaseConnection {
  return conn instanceof AffectedRowsConnection ? conn.inner : conn;
}
