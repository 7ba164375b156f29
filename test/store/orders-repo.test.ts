import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/db.js';
import { InvalidCursorError, OrderRepositoryImpl, decodeCursor, encodeCursor } from '../../src/store/orders-repo.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { ORDER_STATUSES } from '../../src/domain/status.js';
import type { Hex } from '../../src/domain/order.js';
import { ENGINES } from '../support/db.js';
import { BIG, hash32, order } from './support.js';

const SIG = `0x${'ab'.repeat(65)}` as Hex;

describe.each(ENGINES)('OrderRepositoryImpl on $engine', ({ engine, open }) => {
  let database: Database;
  let close: () => Promise<void>;
  let repo: OrderRepositoryImpl;

  beforeAll(async () => {
    ({ database, close } = await open());
    repo = new OrderRepositoryImpl(database.db);
  });
  afterAll(async () => {
    await close?.();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('order_events').execute();
    await database.db.deleteFrom('orders').execute();
  });

  const insert = (n: number, over: Parameters<typeof order>[1] = {}) =>
    repo.insert({
      orderHash: hash32(n),
      order: order(n, over),
      signature: SIG,
      lockedOutput: null,
      event: { type: 'created', data: { via: 'test' } },
    });

  it('inserts an order with its created event, and reads it back exactly (bigints beyond 2^64)', async () => {
    expect(await insert(1)).toBe('inserted');
    const stored = await repo.get(hash32(1));
    expect(stored).not.toBeNull();
    expect(stored!.orderHash).toBe(hash32(1));
    expect(stored!.order).toEqual(order(1));
    expect(stored!.order.makingAmount).toBe(BIG + 1n);
    expect(stored!.order.salt).toBe(2n ** 200n);
    expect(stored!.status).toBe('active');
    expect(stored!.signature).toBe(SIG);
    expect(stored!.lockedOutput).toBeNull();
    expect(stored!.secret).toBeNull();
    expect(stored!.createdAt).toBeInstanceOf(Date);
    expect(stored!.updatedAt).toBeInstanceOf(Date);

    const timeline = await repo.timeline(hash32(1));
    expect(timeline).toHaveLength(1);
    expect(timeline[0]).toMatchObject({
      orderHash: hash32(1),
      type: 'created',
      fromStatus: null,
      toStatus: 'active',
      data: { via: 'test' },
    });
    expect(typeof timeline[0]!.id).toBe('bigint');
    expect(timeline[0]!.createdAt).toBeInstanceOf(Date);
  });

  it('stores a Cardano-source order with its locked output', async () => {
    const o = order(2, { srcChain: 'cardano:devnet', dstChain: '31337', maker: 'addr_test1qqmaker', makerAsset: 'lovelace' });
    expect(
      await repo.insert({ orderHash: hash32(2), order: o, signature: null, lockedOutput: 'ab'.repeat(32) + '#0', event: { type: 'created' } }),
    ).toBe('inserted');
    const stored = await repo.get(hash32(2));
    expect(stored!.order).toEqual(o);
    expect(stored!.signature).toBeNull();
    expect(stored!.lockedOutput).toBe('ab'.repeat(32) + '#0');
    expect((await repo.timeline(hash32(2)))[0]!.data).toEqual({});
  });

  it('refuses a duplicate hash and changes nothing', async () => {
    await insert(1);
    const before = await repo.get(hash32(1));
    expect(await insert(1, { makingAmount: 5n })).toBe('duplicate');
    // same hash in upper case is the same order
    const upper = `0x${hash32(1).slice(2).toUpperCase()}` as Hex;
    expect(await repo.insert({ orderHash: upper, order: order(1), signature: SIG, lockedOutput: null, event: { type: 'created' } })).toBe(
      'duplicate',
    );
    expect(await repo.get(hash32(1))).toEqual(before);
    expect(await repo.timeline(hash32(1))).toHaveLength(1);
    expect(await repo.get(upper)).toEqual(before);
  });

  it('returns null for an unknown order and an empty timeline', async () => {
    expect(await repo.get(hash32(404))).toBeNull();
    expect(await repo.timeline(hash32(404))).toEqual([]);
    expect(await repo.transition(hash32(404), ['active'], 'cancelled', { type: 'cancelled' })).toBeNull();
  });

  it('transitions with compare-and-set and records the timeline in order', async () => {
    await insert(1);
    const moved = await repo.transition(hash32(1), ['active'], 'src_escrowed', { type: 'src_escrow_seen', data: { amount: BIG } });
    expect(moved!.status).toBe('src_escrowed');
    // CAS refusal: the status is no longer active, nothing is written
    expect(await repo.transition(hash32(1), ['active'], 'cancelled', { type: 'cancelled' })).toBeNull();
    expect((await repo.get(hash32(1)))!.status).toBe('src_escrowed');
    expect(await repo.transition(hash32(1), [], 'cancelled', { type: 'cancelled' })).toBeNull();

    await repo.transition(hash32(1), ['src_escrowed'], 'escrowed', { type: 'dst_escrow_verified' });
    await repo.transition(hash32(1), ['escrowed'], 'ready_for_secret', { type: 'both_final' });
    const secret = hash32(777);
    const revealed = await repo.transition(hash32(1), ['ready_for_secret'], 'secret_revealed', { type: 'secret_revealed' }, { secret });
    expect(revealed!.secret).toBe(secret);
    expect(revealed!.updatedAt.getTime()).toBeGreaterThanOrEqual(revealed!.createdAt.getTime());
    // a later transition without a patch keeps the secret
    const executed = await repo.transition(hash32(1), ['secret_revealed', 'refunding'], 'executed', { type: 'executed' });
    expect(executed!.secret).toBe(secret);

    const timeline = await repo.timeline(hash32(1));
    expect(timeline.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['created', null, 'active'],
      ['src_escrow_seen', 'active', 'src_escrowed'],
      ['dst_escrow_verified', 'src_escrowed', 'escrowed'],
      ['both_final', 'escrowed', 'ready_for_secret'],
      ['secret_revealed', 'ready_for_secret', 'secret_revealed'],
      ['executed', 'secret_revealed', 'executed'],
    ]);
    expect(timeline[1]!.data).toEqual({ amount: BIG });
    const ids = timeline.map((e) => e.id);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('lets only one of several concurrent transitions win', async () => {
    await insert(1);
    const targets = ['cancelled', 'expired', 'src_escrowed', 'cancelled', 'expired', 'src_escrowed'] as const;
    const results = await Promise.all(
      targets.map((to, i) => repo.transition(hash32(1), ['active'], to, { type: `race_${i}` })),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const final = await repo.get(hash32(1));
    expect(final!.status).toBe(winners[0]!.status);
    const timeline = await repo.timeline(hash32(1));
    expect(timeline).toHaveLength(2);
    expect(timeline[1]!.toStatus).toBe(final!.status);
  });

  it('a guarded transition sees the order and its committed chain events; a refusal writes nothing', async () => {
    await insert(1);
    const chainState = new ChainStateRepository(database.db);
    const event = {
      id: 'x:0xaa:0', chain: 'x', txHash: '0xaa', index: 0, blockNumber: 5n, blockHash: '0xb5', blockTime: 1,
      type: 'escrow_cancelled' as const, side: 'dst' as const, escrow: 'e1', orderHash: hash32(1), public: false, to: 'someone',
    };
    await chainState.apply({ chain: 'x', cursor: { height: 5n, hash: '0xb5' }, observed: [event], finalized: [] });
    const seen: unknown[] = [];
    const refused = await repo.transitionGuarded(hash32(1), ['active'], 'cancelled', { type: 'cancelled' }, undefined, (o, events) => {
      seen.push(o.status, events.map((e) => [e.status, e.event.id]));
      return 'NO';
    });
    expect(refused).toEqual({ refused: 'NO' });
    expect(seen).toEqual(['active', [['observed', event.id]]]);
    expect((await repo.get(hash32(1)))!.status).toBe('active');
    expect(await repo.timeline(hash32(1))).toHaveLength(1);

    const secret = `0x${'5a'.repeat(32)}` as Hex;
    const moved = await repo.transitionGuarded(hash32(1), ['active'], 'cancelled', { type: 'cancelled' }, { secret }, () => null);
    expect(moved).toMatchObject({ moved: { status: 'cancelled', secret } });
    expect(await repo.transitionGuarded(hash32(1), ['active'], 'expired', { type: 'expired' }, undefined, () => null)).toBeNull();
    expect((await repo.timeline(hash32(1))).map((e) => e.toStatus)).toEqual(['active', 'cancelled']);
  });

  it('lists newest first with every filter, paging with an opaque cursor', async () => {
    const makerA = '0xAbCdEf0000000000000000000000000000000001';
    const makerB = '0x1111111111111111111111111111111111111111';
    // 1..12: even n from maker B; n % 3 === 0 have dstChain cardano:preprod; n >= 10 buy a token
    for (let n = 1; n <= 12; n++) {
      await insert(n, {
        maker: n % 2 === 0 ? makerB : makerA,
        dstChain: n % 3 === 0 ? 'cardano:preprod' : 'cardano:devnet',
        takerAsset: n >= 10 ? 'AbCd'.repeat(14) + '746f6b656e' : 'lovelace',
      });
    }
    await repo.transition(hash32(4), ['active'], 'cancelled', { type: 'cancelled' });
    await repo.transition(hash32(6), ['active'], 'expired', { type: 'expired' });
    await repo.insert({
      orderHash: hash32(13),
      order: order(13, { srcChain: 'cardano:devnet', dstChain: '31337', maker: 'addr_test1qqother', makerAsset: 'lovelace', takerAsset: '0x0000000000000000000000000000000000000000' }),
      signature: null,
      lockedOutput: 'cd'.repeat(32) + '#1',
      event: { type: 'created' },
    });

    const all = async (filter: Omit<Parameters<typeof repo.list>[0], 'limit' | 'cursor'>, limit: number) => {
      const seen: Hex[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await repo.list({ ...filter, limit, ...(cursor ? { cursor } : {}) });
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((o) => o.orderHash));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return { seen, pages };
    };
    const h = (...ns: number[]) => ns.map((n) => hash32(n));

    expect(await all({}, 5)).toEqual({ seen: h(13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), pages: 3 });
    expect(await all({}, 13)).toEqual({ seen: h(13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), pages: 1 });
    // maker: case-insensitive for EVM addresses
    expect((await all({ maker: makerB.toUpperCase().replace('0X', '0x') }, 2)).seen).toEqual(h(12, 10, 8, 6, 4, 2));
    expect((await all({ maker: makerA.toLowerCase(), dstChain: 'cardano:preprod' }, 1)).seen).toEqual(h(9, 3));
    expect((await all({ status: ['cancelled', 'expired'] }, 1)).seen).toEqual(h(6, 4));
    expect((await all({ status: ['active'], maker: makerB }, 3)).seen).toEqual(h(12, 10, 8, 2));
    expect((await all({ srcChain: 'cardano:devnet' }, 3)).seen).toEqual(h(13));
    expect((await all({ srcChain: '31337', dstChain: '31337' }, 3)).seen).toEqual([]);
    expect((await all({ makerAsset: 'LOVELACE' }, 3)).seen).toEqual(h(13));
    expect((await all({ takerAsset: 'abcd'.repeat(14) + '746F6B656E' }, 2)).seen).toEqual(h(12, 11, 10));
    expect((await all({ hashes: h(1, 5, 12, 404) }, 2)).seen).toEqual(h(12, 5, 1));
    expect((await all({ hashes: h(1, 5, 12, 404).map((x) => x.toUpperCase().replace('0X', '0x') as Hex), status: ['active'] }, 10)).seen).toEqual(h(12, 5, 1));
    expect(await repo.list({ hashes: [], limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(await repo.list({ status: [], limit: 10 })).toEqual({ items: [], nextCursor: null });

    // a page carries whole stored orders
    const page = await repo.list({ hashes: h(13), limit: 1 });
    expect(page.items[0]!.lockedOutput).toBe('cd'.repeat(32) + '#1');
    expect(page.items[0]!.order.makingAmount).toBe(BIG + 13n);
  });

  it('refuses cursors it did not make and limits out of range', async () => {
    expect(decodeCursor(encodeCursor(2n ** 62n))).toBe(2n ** 62n);
    for (const bad of ['', 'abc', '!!!', encodeCursor(0n), Buffer.from('12x').toString('base64url'), Buffer.from('-1').toString('base64url')]) {
      await expect(repo.list({ limit: 10, cursor: bad })).rejects.toBeInstanceOf(InvalidCursorError);
    }
    for (const limit of [0, 501, 1.5, -1]) {
      await expect(repo.list({ limit })).rejects.toBeInstanceOf(RangeError);
    }
  });

  it('lists active orders oldest first and counts by status with zeros', async () => {
    const empty = await repo.countByStatus();
    expect(Object.keys(empty).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(Object.values(empty).every((n) => n === 0)).toBe(true);

    for (let n = 1; n <= 4; n++) await insert(n);
    await repo.transition(hash32(2), ['active'], 'expired', { type: 'expired' });
    expect((await repo.listActive()).map((o) => o.orderHash)).toEqual([hash32(1), hash32(3), hash32(4)]);
    const counts = await repo.countByStatus();
    expect(counts.active).toBe(3);
    expect(counts.expired).toBe(1);
    expect(counts.executed).toBe(0);
    expect(typeof counts.active).toBe('number');
  });

  it(`keeps the timeline append-only across many events (${engine})`, async () => {
    await insert(1);
    for (let i = 0; i < 5; i++) {
      await repo.transition(hash32(1), ['active'], 'active', { type: `note_${i}`, data: { i } });
    }
    const tl = await repo.timeline(hash32(1));
    expect(tl.map((e) => e.type)).toEqual(['created', 'note_0', 'note_1', 'note_2', 'note_3', 'note_4']);
    expect(tl.map((e) => e.data)).toEqual([{ via: 'test' }, { i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
  });
});
