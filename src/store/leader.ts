/**
 * Leader election among relayer instances sharing one Postgres: the leader runs the monitors,
 * the coordinator and the ticker (architecture §10). It holds a session advisory lock on a dedicated
 * connection; the lock lives exactly as long as that connection, so a leader that dies or is
 * cut off loses it and another instance's `acquire()` succeeds.
 *
 * Needs a direct connection (or a session-mode pooler): in a transaction-mode pooler a
 * session lock is meaningless.
 *
 * On PGlite there is one process by construction, so it is always the leader.
 */
import pg from 'pg';
import type { Logger } from '../observability/logger.js';

export interface LeaderLock {
  /** Takes leadership if free; true if this instance is (now) the leader. Never waits for it. */
  acquire(): Promise<boolean>;
  /** Gives leadership up (idempotent). */
  release(): Promise<void>;
  isLeader(): boolean;
  /** Called once each time held leadership is lost without `release()` (connection died). */
  onLost(listener: (reason: Error) => void): () => void;
}

export interface PostgresLeaderLockOptions {
  databaseUrl: string;
  /** The advisory lock key; instances that should exclude each other use the same key. */
  key?: bigint;
  /** How often the held connection is checked (ms, default 5000); detects silent network loss. */
  checkIntervalMs?: number;
  /** A check unanswered for this long (ms, default 3000) counts as a lost connection. */
  checkTimeoutMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** Arbitrary constant shared by all relayer instances. */
export const DEFAULT_LEADER_KEY = 7_406_531_982_100n;
/** Shows in pg_stat_activity, so operators (and tests) can find the leader connection. */
export const LEADER_APPLICATION_NAME = 'fusion-relayer-leader';

export class PostgresLeaderLock implements LeaderLock {
  readonly #opts: PostgresLeaderLockOptions;
  readonly #key: string;
  readonly #listeners = new Set<(reason: Error) => void>();
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #held = false;
  /** Serialises acquire/release so they never interleave on the connection. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: PostgresLeaderLockOptions) {
    this.#opts = opts;
    this.#key = (opts.key ?? DEFAULT_LEADER_KEY).toString();
  }

  isLeader(): boolean {
    return this.#held;
  }

  onLost(listener: (reason: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  acquire(): Promise<boolean> {
    return this.#serial(async () => {
      if (this.#held) return true;
      const client = new pg.Client({
        connectionString: this.#opts.databaseUrl,
        application_name: LEADER_APPLICATION_NAME,
        keepAlive: true,
        query_timeout: 30_000,
      });
      // Until the lock is held, an error just fails this attempt.
      client.on('error', () => undefined);
      try {
        await client.connect();
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [this.#key]);
        if (!r.rows[0]?.ok) {
          await client.end().catch(() => undefined);
          return false;
        }
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      // The server must not free the lock before this side has noticed a partition and stopped
      // its duties: it waits for keepalives unanswered for ≥ 10 + 3 × 5 = 25 s of silence, while
      // this side gives up after one check unanswered (≤ checkInterval + checkTimeout = 8 s).
      // (Ignored on a Unix socket, where there is no partition to detect.)
      await client
        .query(
          "select set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)",
        )
        .catch(() => undefined);
      this.#client = client;
      this.#held = true;
      client.on('error', (err) => this.#lost(client, err));
      client.on('end', () => this.#lost(client, new Error('leader connection closed')));
      const checkTimeoutMs = this.#opts.checkTimeoutMs ?? 3_000;
      this.#timer = setInterval(() => {
        let timer: NodeJS.Timeout | undefined;
        const unanswered = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`leader connection did not answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
        });
        Promise.race([client.query('select 1'), unanswered])
          .catch((err: unknown) => this.#lost(client, err instanceof Error ? err : new Error(String(err))))
          .finally(() => clearTimeout(timer));
      }, this.#opts.checkIntervalMs ?? 5_000);
      this.#timer.unref();
      this.#opts.logger?.info({ key: this.#key }, 'leadership acquired');
      return true;
    });
  }

  release(): Promise<void> {
    return this.#serial(async () => {
      const client = this.#client;
      if (!client) return;
      this.#drop();
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [this.#key]);
      } catch {
        // The connection is going away anyway, and with it the lock.
      }
      await client.end().catch(() => undefined);
      this.#opts.logger?.info({ key: this.#key }, 'leadership released');
    });
  }

  #lost(client: pg.Client, reason: Error): void {
    if (this.#client !== client) return; // already released or replaced
    this.#drop();
    client.end().catch(() => undefined);
    this.#opts.logger?.warn({ err: reason }, 'leadership lost');
    for (const listener of [...this.#listeners]) listener(reason);
  }

  #drop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#client = null;
    this.#held = false;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** PGlite: a single process owns the data, so it always leads. */
export class SingleProcessLeaderLock implements LeaderLock {
  #held = false;

  async acquire(): Promise<boolean> {
    this.#held = true;
    return true;
  }

  async release(): Promise<void> {
    this.#held = false;
  }

  isLeader(): boolean {
    return this.#held;
  }

  onLost(): () => void {
    return () => undefined;
  }
}
