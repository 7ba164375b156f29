/**
 * The store's entry point for main.ts: opens the database (Postgres if `databaseUrl`, else
 * PGlite), migrates it, and builds every repository on it.
 */
import { ChainStateRepository } from './chain-state-repo.js';
import { createDatabase, type Database, type DatabaseOptions } from './db.js';
import { EscrowRepository } from './escrows-repo.js';
import { PostgresLeaderLock, SingleProcessLeaderLock, type LeaderLock, type PostgresLeaderLockOptions } from './leader.js';
import { OrderRepositoryImpl } from './orders-repo.js';
import { SettlementRepository } from './settlement-repo.js';
import { WebhookRepository } from './webhooks-repo.js';

export interface Store {
  database: Database;
  orders: OrderRepositoryImpl;
  chainState: ChainStateRepository;
  escrows: EscrowRepository;
  settlement: SettlementRepository;
  webhooks: WebhookRepository;
  /** A new leader lock for this store's engine (Postgres advisory lock, or always-leader on PGlite). */
  leader(opts?: Omit<PostgresLeaderLockOptions, 'databaseUrl'>): LeaderLock;
  /** Closes the database (idempotent). Release leader locks first. */
  close(): Promise<void>;
}

export interface StoreOptions extends DatabaseOptions {
  /** Run migrations on open (default true). */
  migrate?: boolean;
}

export async function createStore(opts: StoreOptions): Promise<Store> {
  const database = await createDatabase(opts);
  try {
    if (opts.migrate !== false) await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  return storeOn(database, opts.logger);
}

/** Repositories over an already open database (e.g. one a test helper made). */
export function storeOn(database: Database, logger?: DatabaseOptions['logger']): Store {
  const chainState = new ChainStateRepository(database.db);
  const escrows = new EscrowRepository(database.db);
  return {
    database,
    orders: new OrderRepositoryImpl(database.db),
    chainState,
    escrows,
    settlement: new SettlementRepository(database.db, chainState, escrows),
    webhooks: new WebhookRepository(database.db),
    leader: (lockOpts) =>
      database.engine === 'postgres' && database.databaseUrl
        ? new PostgresLeaderLock({ ...lockOpts, databaseUrl: database.databaseUrl, ...(logger ? { logger } : {}) })
        : new SingleProcessLeaderLock(),
    close: () => database.close(),
  };
}

export { createDatabase, type Database, type DatabaseOptions } from './db.js';
export { ChainStateRepository, type StoredChainEvent } from './chain-state-repo.js';
export { OrderRepositoryImpl, InvalidCursorError, MAX_LIST_LIMIT } from './orders-repo.js';
export { EscrowRepository, ESCROW_STATUSES, type EscrowStatus, type StoredEscrow } from './escrows-repo.js';
export { PostgresLeaderLock, SingleProcessLeaderLock, type LeaderLock } from './leader.js';
export { Leadership, type Duty } from './leadership.js';
export { SettlementRepository } from './settlement-repo.js';
export { WebhookRepository } from './webhooks-repo.js';
