/**
 * Wraps a Kysely driver so only one connection is handed out at a time (FIFO). Used for PGlite,
 * which is a single database session: a transaction must own it until commit or rollback.
 * Consequence: inside a transaction, use the transaction object, never the outer `db`
 * (that would wait for the transaction and deadlock).
 */
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely';

export class SerializedDriver implements Driver {
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
      const conn = await this.inner.acquireConnection();
      this.#releases.set(conn, release);
      return conn;
    } catch (err) {
      release();
      throw err;
    }
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(conn, settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(conn);
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(conn);
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(conn);
    const release = this.#releases.get(conn);
    this.#releases.delete(conn);
    release?.();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
