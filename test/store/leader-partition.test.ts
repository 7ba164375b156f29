/**
 * A network partition between the leader and Postgres (issue 13 item 3): the leader's lock
 * connection goes silent (a TCP proxy stops forwarding, both ways) while the process keeps
 * running. The leader must give leadership up while the server still holds its lock, i.e.
 * before any other instance can take it; once the server drops the dead session, another leads.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLeaderLock } from '../../src/store/leader.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

let pgdb: TestPostgres;
let proxy: Server;
let frozen = false;
const upstreams: Socket[] = [];

beforeAll(async () => {
  pgdb = await withPostgres({ migrate: false });
  const target = new URL(pgdb.url);
  proxy = createServer((client) => {
    const server = connect(Number(target.port || 5432), target.hostname);
    upstreams.push(server, client);
    client.on('data', (d) => frozen || server.write(d));
    server.on('data', (d) => frozen || client.write(d));
    // Partitioned, nothing crosses, not even a close: the server keeps the session.
    const end = () => frozen || (client.destroy(), server.destroy());
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  for (const s of upstreams) s.destroy();
  await new Promise((r) => proxy?.close(r));
  await pgdb?.drop();
});

describe('leader cut off from Postgres', () => {
  it('gives leadership up while the server still holds its lock, before anyone else can lead', async () => {
    const viaProxy = new URL(pgdb.url);
    viaProxy.port = String((proxy.address() as { port: number }).port);
    const old = new PostgresLeaderLock({ databaseUrl: viaProxy.toString(), key: 77n, checkIntervalMs: 300, checkTimeoutMs: 500 });
    const other = new PostgresLeaderLock({ databaseUrl: pgdb.url, key: 77n });
    try {
      expect(await old.acquire()).toBe(true);
      let lostAt = 0;
      old.onLost(() => (lostAt = Date.now()));

      frozen = true; // the partition
      await expect.poll(() => lostAt > 0, { timeout: 30_000, interval: 50 }).toBe(true);
      expect(old.isLeader()).toBe(false);
      // The server has not noticed yet: the lock is still held, nobody else can lead.
      expect(await other.acquire()).toBe(false);

      // The server drops the dead session (its keepalives would; here the proxy's sockets close).
      for (const s of upstreams) s.destroy();
      await expect.poll(() => other.acquire(), { timeout: 30_000, interval: 200 }).toBe(true);
    } finally {
      frozen = false;
      await other.release();
      await old.release();
    }
  });
});
