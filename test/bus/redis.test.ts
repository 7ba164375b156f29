import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisBus } from '../../src/bus/redis.js';
import type { Topic, TopicMessages } from '../../src/bus/types.js';
import type { ChainEventUpdate } from '../../src/chains/events.js';
import { createLogger } from '../../src/observability/logger.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

/** Resolves with the next message on `topic`. */
function next<T extends Topic>(bus: RedisBus, topic: T): Promise<TopicMessages[T]> {
  return new Promise((resolve) => {
    const off = bus.subscribe(topic, (m) => {
      off();
      resolve(m);
    });
  });
}

const chainUpdate: ChainEventUpdate = {
  status: 'observed',
  event: {
    type: 'funds_rescued',
    id: '31337:0xabc:0',
    chain: '31337',
    txHash: '0xabc',
    index: 0,
    blockNumber: 12n,
    blockHash: '0xdef',
    blockTime: 1_767_225_600,
    escrow: '0x0000000000000000000000000000000000000001',
    orderHash: `0x${'11'.repeat(32)}`,
    token: '0x0000000000000000000000000000000000000000',
    // Above 2^53: survives only if bigints cross Redis as bigints.
    amount: 123_456_789_012_345_678_901_234_567_890n,
  },
};

describe('RedisBus (two relayer instances on one Redis)', () => {
  const buses: RedisBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop()));
  });

  async function pair(): Promise<[RedisBus, RedisBus]> {
    // A fresh prefix per test: parallel test files and leftovers never cross.
    const channelPrefix = `test:${randomBytes(6).toString('hex')}:`;
    const a = new RedisBus({ url: REDIS_URL, channelPrefix, logger });
    const b = new RedisBus({ url: REDIS_URL, channelPrefix, logger });
    buses.push(a, b);
    await Promise.all([a.start(), b.start()]);
    return [a, b];
  }

  it('delivers a message published on A to subscribers on A and on B, bigints intact', async () => {
    const [a, b] = await pair();
    const onA = next(a, 'chain');
    const onB = next(b, 'chain');
    await a.publish('chain', chainUpdate);
    const [gotA, gotB] = await Promise.all([onA, onB]);
    expect(gotA).toEqual(chainUpdate);
    expect(gotB).toEqual(chainUpdate);
    expect(gotB.event.blockNumber).toBe(12n);
    expect((gotB.event as { amount: bigint }).amount).toBe(123_456_789_012_345_678_901_234_567_890n);
  });

  it('delivers each message once per instance (the echo of its own publish is skipped)', async () => {
    const [a, b] = await pair();
    const seenA: string[] = [];
    const seenB: string[] = [];
    a.subscribe('secrets', (m) => seenA.push(m.orderHash));
    b.subscribe('secrets', (m) => seenB.push(m.orderHash));
    const doneOnB = new Promise<void>((resolve) => b.subscribe('secrets', (m) => m.orderHash === 'last' && resolve()));
    await a.publish('secrets', { orderHash: 'first', maker: 'm', secret: '0x01' });
    await a.publish('secrets', { orderHash: 'last', maker: 'm', secret: '0x02' });
    await doneOnB;
    // A's own echo from Redis arrives on the same subscriber connection before anything later
    // that we publish from B, so one more round-trip proves no duplicate is coming.
    const fence = next(a, 'orders');
    await b.publish('orders', {
      kind: 'updated',
      data: { orderHash: 'x', maker: 'm', status: 'cancelled', previousStatus: 'active', at: '2026-01-01T00:00:00Z' },
    });
    await fence;
    expect(seenA).toEqual(['first', 'last']);
    expect(seenB).toEqual(['first', 'last']);
  });

  it('keeps delivering when a subscriber throws, and reports the error', async () => {
    const channelPrefix = `test:${randomBytes(6).toString('hex')}:`;
    const errors: unknown[] = [];
    const a = new RedisBus({ url: REDIS_URL, channelPrefix, logger, onError: (err) => errors.push(err) });
    const b = new RedisBus({ url: REDIS_URL, channelPrefix, logger, onError: (err) => errors.push(err) });
    buses.push(a, b);
    await Promise.all([a.start(), b.start()]);
    a.subscribe('secrets', () => {
      throw new Error('bad subscriber on A');
    });
    b.subscribe('secrets', () => {
      throw new Error('bad subscriber on B');
    });
    const onA = next(a, 'secrets');
    const onB = next(b, 'secrets');
    await a.publish('secrets', { orderHash: '0x01', maker: 'm', secret: '0x02' });
    expect((await onA).orderHash).toBe('0x01');
    expect((await onB).orderHash).toBe('0x01');
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['bad subscriber on A', 'bad subscriber on B']);
  });

  it('unsubscribe stops delivery; stop() is idempotent and publish after stop fails', async () => {
    const [a, b] = await pair();
    const seen: string[] = [];
    const off = b.subscribe('secrets', (m) => seen.push(m.orderHash));
    const first = next(b, 'secrets');
    await a.publish('secrets', { orderHash: 'one', maker: 'm', secret: '0x' });
    await first;
    off();
    const second = next(b, 'secrets');
    await a.publish('secrets', { orderHash: 'two', maker: 'm', secret: '0x' });
    await second;
    expect(seen).toEqual(['one']);

    expect(a.health().status).toBe('up');
    await Promise.all([a.stop(), a.stop()]);
    await a.stop();
    expect(a.health().status).toBe('down');
    await expect(a.publish('secrets', { orderHash: 'three', maker: 'm', secret: '0x' })).rejects.toThrow(/not started/);
  });

  it('ignores foreign messages on its channels that are not JSON', async () => {
    const [a] = await pair();
    const raw = new Redis(REDIS_URL);
    try {
      const got = next(a, 'secrets');
      const prefix = (a.health().details as { channelPrefix: string }).channelPrefix;
      await raw.publish(`${prefix}secrets`, 'not json');
      await raw.publish(`${prefix}secrets`, JSON.stringify({ o: 'someone-else', m: { orderHash: 'ok', maker: 'm', secret: '0x' } }));
      expect((await got).orderHash).toBe('ok');
    } finally {
      await raw.quit();
    }
  });
});

describe('RedisBus reconnects', () => {
  it('resubscribes after Redis drops its subscriber connection and delivers again', async () => {
    const channelPrefix = `test:${randomBytes(6).toString('hex')}:`;
    const connectionName = `bus-test-${randomBytes(4).toString('hex')}`;
    const a = new RedisBus({ url: REDIS_URL, channelPrefix, logger });
    const b = new RedisBus({ url: REDIS_URL, channelPrefix, logger, redis: { connectionName } });
    const admin = new Redis(REDIS_URL);
    try {
      await Promise.all([a.start(), b.start()]);
      // Kill B's connections from the server side, as a Redis restart or a network cut would.
      const clients = String(await admin.client('LIST')).split('\n');
      const ids = clients.filter((l) => l.includes(`name=${connectionName}`)).map((l) => /id=(\d+)/.exec(l)![1]!);
      expect(ids.length).toBe(2);
      for (const id of ids) await admin.client('KILL', 'ID', id);

      const received = new Promise<string>((resolve) => b.subscribe('secrets', (m) => resolve(m.orderHash)));
      let got: string | null = null;
      void received.then((h) => (got = h));
      // The resubscription is asynchronous: publish until B hears it.
      while (got === null) {
        await a.publish('secrets', { orderHash: 'after-reconnect', maker: 'm', secret: '0x' });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(got).toBe('after-reconnect');
      const details = b.health().details as { reconnects: number };
      expect(details.reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all([a.stop(), b.stop(), admin.quit()]);
    }
  });
});
