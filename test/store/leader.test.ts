import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { LEADER_APPLICATION_NAME, PostgresLeaderLock, SingleProcessLeaderLock } from '../../src/store/leader.js';
import { POSTGRES_ADMIN_URL, withPostgres, type TestPostgres } from '../support/db.js';

describe('PostgresLeaderLock', () => {
  let pgdb: TestPostgres;
  const locks: PostgresLeaderLock[] = [];
  const lock = (): PostgresLeaderLock => {
    const l = new PostgresLeaderLock({ databaseUrl: pgdb.url, key: 4242n });
    locks.push(l);
    return l;
  };

  beforeAll(async () => {
    pgdb = await withPostgres({ migrate: false });
  });
  afterAll(async () => {
    for (const l of locks) await l.release();
    await pgdb.drop();
  });

  it('lets one of two instances lead until it releases', async () => {
    const a = lock();
    const b = lock();
    expect(await a.acquire()).toBe(true);
    expect(await a.acquire()).toBe(true); // re-entrant for the holder
    expect(a.isLeader()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(b.isLeader()).toBe(false);

    await a.release();
    await a.release(); // idempotent
    expect(a.isLeader()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    await b.release();
  });

  it('passes leadership on when the leader connection dies, and tells the old leader', async () => {
    const a = lock();
    const b = lock();
    expect(await a.acquire()).toBe(true);
    const lost = new Promise<Error>((resolve) => a.onLost(resolve));

    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      const r = await admin.query(
        'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and application_name = $2',
        [pgdb.name, LEADER_APPLICATION_NAME],
      );
      expect(r.rows).toEqual([{ killed: true }]);
    } finally {
      await admin.end();
    }

    expect(await lost).toBeInstanceOf(Error);
    expect(a.isLeader()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    await b.release();
  });

  it('fails acquire loudly when the database is unreachable', async () => {
    const bad = new PostgresLeaderLock({ databaseUrl: `postgres://postgres@127.0.0.1:5432/${pgdb.name}_missing` });
    await expect(bad.acquire()).rejects.toThrow();
    expect(bad.isLeader()).toBe(false);
  });
});

describe('SingleProcessLeaderLock (PGlite)', () => {
  it('always leads', async () => {
    const l = new SingleProcessLeaderLock();
    expect(l.isLeader()).toBe(false);
    expect(await l.acquire()).toBe(true);
    expect(l.isLeader()).toBe(true);
    await l.release();
    expect(l.isLeader()).toBe(false);
  });
});
