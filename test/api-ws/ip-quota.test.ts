/**
 * WebSocket connections per client address, shared through Redis (issue 13 item 5): instances
 * count together, a release frees the slot at once, and the slots of an instance that died
 * without releasing lapse with their lease.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalConnectionQuota, RedisConnectionQuota } from '../../src/api/ws/ip-quota.js';

const redis = new Redis('redis://127.0.0.1:6379');
afterAll(async () => {
  await redis.quit();
});

describe('connection quota per client address', () => {
  it('is shared by instances, freed by release, and lapses with a dead holder', async () => {
    const prefix = `quota${randomBytes(4).toString('hex')}:`;
    const a = new RedisConnectionQuota({ redis, limit: 2, prefix, leaseMs: 1_000 });
    const b = new RedisConnectionQuota({ redis, limit: 2, prefix, leaseMs: 1_000 });
    const r1 = await a.acquire('10.0.0.1');
    const r2 = await b.acquire('10.0.0.1');
    expect(r1).toBeTypeOf('function');
    expect(r2).toBeTypeOf('function');
    expect(await b.acquire('10.0.0.1')).toBeNull();
    expect(await b.acquire('10.0.0.2')).toBeTypeOf('function'); // another address
    r2!();
    await expect.poll(async () => (await b.acquire('10.0.0.1')) !== null, { timeout: 5_000 }).toBe(true);
    expect(await b.acquire('10.0.0.1')).toBeNull();
    // Live holders keep their slots past the lease (they renew it).
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await b.acquire('10.0.0.1')).toBeNull();
    // `a` dies holding r1: it stops renewing, and its slot lapses.
    a.stop();
    await expect.poll(async () => (await b.acquire('10.0.0.1')) !== null, { timeout: 15_000, interval: 250 }).toBe(true);
    b.stop();
  });

  it('counts in process without Redis', async () => {
    const q = new LocalConnectionQuota(1);
    const r = await q.acquire('10.0.0.1');
    expect(await q.acquire('10.0.0.1')).toBeNull();
    r!();
    r!(); // idempotent
    expect(await q.acquire('10.0.0.1')).toBeTypeOf('function');
  });
});
