/**
 * Read routes on Postgres: list filters, cursor paging, limit bounds, the hashes lookup, the
 * active book with prices, escrows, and typed-data that viem signs exactly like intake checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { hashTypedData } from 'viem';
import { orderHash, orderMessage } from '../../src/domain/eip712.js';
import { orderToWire, type Hex } from '../../src/domain/order.js';
import type { EscrowCreatedEvent } from '../../src/chains/events.js';
import { CHAIN_ID, FACTORY, json, makeOrder, newMaker, signCancel, startHarness, submission, type Harness } from './support.js';

let h: Harness;
const alice = newMaker();
const bob = newMaker();
/** Newest first, as the list returns them. */
const aliceHashes: Hex[] = [];
const bobHashes: Hex[] = [];

beforeAll(async () => {
  h = await startHarness();
  for (let i = 0; i < 5; i++) {
    for (const [m, into] of [
      [alice, aliceHashes],
      [bob, bobHashes],
    ] as const) {
      const order = makeOrder(m, h.clock.now, m === bob ? { takerAsset: `${'ab'.repeat(28)}746f6b656e` } : {});
      const res = await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(m, order) });
      expect(res.statusCode).toBe(201);
      into.unshift(json(res).orderHash);
    }
  }
  await h.book.idle();
});
afterAll(async () => {
  await h?.close();
});

const list = async (qs: string) => h.app.inject({ method: 'GET', url: `/api/orders${qs}` });
const hashesOf = (body: { items: { orderHash: string }[] }) => body.items.map((i) => i.orderHash);

describe('GET /api/orders', () => {
  it('filters by maker (any case), status, chains and assets; items carry currentAmount while active', async () => {
    const byAlice = json(await list(`?maker=${alice.address.toLowerCase()}`));
    expect(hashesOf(byAlice)).toEqual(aliceHashes);
    expect(byAlice.items[0].currentAmount).toBe('2000000000');
    expect(byAlice.nextCursor).toBeNull();
    const bobsToken = json(await list(`?takerAsset=${'ab'.repeat(28)}746f6b656e`));
    expect(hashesOf(bobsToken)).toEqual(bobHashes);
    const both = json(await list('?srcChain=31337&dstChain=cardano:devnet&status=active'));
    expect(both.items).toHaveLength(10);
    expect(json(await list('?dstChain=cardano:mainnet')).items).toEqual([]);
    const cancelledHash = bobHashes[4]!;
    await h.app.inject({ method: 'POST', url: `/api/orders/${cancelledHash}/cancel`, payload: { signature: await signCancel(bob, cancelledHash) } });
    const cancelled = json(await list('?status=cancelled'));
    expect(hashesOf(cancelled)).toEqual([cancelledHash]);
    expect(cancelled.items[0].currentAmount).toBeNull();
    expect(json(await list('?status=cancelled,active')).items).toHaveLength(10);
  });

  it('pages with limit and nextCursor until null, covering every order exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`?maker=${alice.address}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = json(res);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...hashesOf(body));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(aliceHashes);
  });

  it('limit defaults to 100 and accepts 1..500; anything else → 400 INVALID_LIMIT', async () => {
    expect(json(await list('')).items).toHaveLength(10);
    expect(json(await list('?limit=1')).items).toHaveLength(1);
    expect((await list('?limit=500')).statusCode).toBe(200);
    for (const bad of ['0', '501', '-1', '1.5', '1e2', 'abc', '', '0100']) {
      const res = await list(`?limit=${bad}`);
      expect({ bad, status: res.statusCode, code: json(res).error?.code }).toEqual({ bad, status: 400, code: 'INVALID_LIMIT' });
    }
    const repeated = await list('?limit=1&limit=2');
    expect(json(repeated).error.code).toBe('INVALID_LIMIT');
  });

  it('looks up to 100 hashes at once; 101 → 400 TOO_MANY_HASHES; a malformed hash → 400 INVALID_ORDER_HASH', async () => {
    const wanted = [aliceHashes[0]!, bobHashes[2]!, `0x${'99'.repeat(32)}`];
    const found = json(await list(`?hashes=${wanted.join(',')}`));
    expect(new Set(hashesOf(found))).toEqual(new Set(wanted.slice(0, 2)));
    const upper = json(await list(`?hashes=${aliceHashes[1]!.toUpperCase().replace('0X', '0x')}`));
    expect(hashesOf(upper)).toEqual([aliceHashes[1]]);
    const hundred = Array.from({ length: 100 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`);
    expect((await list(`?hashes=${hundred.join(',')}`)).statusCode).toBe(200);
    const tooMany = await list(`?hashes=${[...hundred, `0x${'ff'.repeat(32)}`].join(',')}`);
    expect(tooMany.statusCode).toBe(400);
    expect(json(tooMany).error.code).toBe('TOO_MANY_HASHES');
    const bad = await list('?hashes=0x1234');
    expect(json(bad).error.code).toBe('INVALID_ORDER_HASH');
  });

  it('bad cursors, unknown statuses and unknown parameters are 400s with their own codes', async () => {
    expect(json(await list('?cursor=bm90LWEtY3Vyc29y')).error.code).toBe('INVALID_CURSOR');
    expect(json(await list('?cursor=%3Cscript%3E')).error.code).toBe('INVALID_CURSOR');
    expect(json(await list('?status=pending')).error.code).toBe('INVALID_STATUS_FILTER');
    const huge = await list(`?${'x'.repeat(10_000)}=1`);
    expect(json(huge).error.code).toBe('UNKNOWN_FIELD');
    expect(huge.body.length).toBeLessThan(1_000);
    const unknown = json(await list('?page=2'));
    expect(unknown.error.code).toBe('UNKNOWN_FIELD');
    expect(unknown.error.details.issues[0]).toMatchObject({ in: 'querystring', path: '/page' });
  });
});

describe('GET /api/orders/active', () => {
  it('lists active orders oldest first with the current auction price, paged, from the book', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/orders/active' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = json(res);
    const active = [...aliceHashes, ...bobHashes.slice(0, 4)];
    expect(new Set(hashesOf(body))).toEqual(new Set(active));
    const created = body.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(body.items[0]).toMatchObject({ status: 'active', currentAmount: '2000000000', signature: expect.stringMatching(/^0x/) });
    const stored = await h.repo.get(body.items[0].orderHash);
    expect(body.items[0].order).toEqual(orderToWire(stored!.order));

    // Halfway through the 180 s auction the book's next tick prices the orders at the midpoint.
    h.book.reprice(body.items[0].order.auction.startTime + 90);
    const later = json(await h.app.inject({ method: 'GET', url: '/api/orders/active?limit=3' }));
    expect(later.version).toBeGreaterThan(body.version);
    expect(later.items[0].currentAmount).toBe('1950000000');
    expect(later.items).toHaveLength(3);
    const rest = json(await h.app.inject({ method: 'GET', url: `/api/orders/active?limit=500&cursor=${later.nextCursor}` }));
    expect([...hashesOf(later), ...hashesOf(rest)]).toEqual(hashesOf(body));
    expect(rest.nextCursor).toBeNull();

    const detail = json(await h.app.inject({ method: 'GET', url: `/api/orders/${body.items[0].orderHash}` }));
    expect(detail.currentAmount).toBe('1950000000');
  });

  it('sends the cached page gzipped to clients that accept gzip, identical once decompressed', async () => {
    const plain = await h.app.inject({ method: 'GET', url: '/api/orders/active' });
    const zipped = await h.app.inject({ method: 'GET', url: '/api/orders/active', headers: { 'accept-encoding': 'br;q=1, gzip;q=0.8' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
    const refused = await h.app.inject({ method: 'GET', url: '/api/orders/active', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(plain.body);
  });

  it('serves the same bytes while the snapshot version is unchanged, and refuses foreign cursors', async () => {
    const a = await h.app.inject({ method: 'GET', url: '/api/orders/active?limit=2' });
    const b = await h.app.inject({ method: 'GET', url: '/api/orders/active?limit=2' });
    expect(a.body).toBe(b.body);
    const bad = await h.app.inject({ method: 'GET', url: '/api/orders/active?cursor=abc' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.code).toBe('INVALID_CURSOR');
    const badLimit = await h.app.inject({ method: 'GET', url: '/api/orders/active?limit=0' });
    expect(json(badLimit).error.code).toBe('INVALID_LIMIT');
  });
});

describe('escrows', () => {
  it('lists escrows by order and chain, reads one by chain and id, and shows them on the order', async () => {
    const hash = aliceHashes[2]!;
    const stored = (await h.repo.get(hash))!;
    const escrowAddress = '0x1111111111111111111111111111111111111111';
    const event: EscrowCreatedEvent = {
      type: 'escrow_created',
      id: `31337:0x${'aa'.repeat(32)}:0`,
      chain: '31337',
      txHash: `0x${'aa'.repeat(32)}`,
      index: 0,
      blockNumber: 12n,
      blockHash: `0x${'bb'.repeat(32)}`,
      blockTime: h.clock.now,
      side: 'src',
      escrow: escrowAddress,
      orderHash: hash,
      hashlock: stored.order.hashlock,
      maker: stored.order.maker,
      taker: '0x2222222222222222222222222222222222222222',
      token: stored.order.makerAsset,
      amount: stored.order.makingAmount,
      safetyDeposit: stored.order.srcSafetyDeposit,
      deployedAt: h.clock.now,
      deadlines: { withdrawal: h.clock.now + 36, publicWithdrawal: h.clock.now + 336, cancellation: h.clock.now + 492, publicCancellation: h.clock.now + 612 },
    };
    await h.escrows.upsertFromUpdate({ status: 'observed', event });

    const byOrder = json(await h.app.inject({ method: 'GET', url: `/api/escrows?orderHash=${hash}` }));
    expect(byOrder.items).toHaveLength(1);
    expect(byOrder.items[0]).toMatchObject({ chain: '31337', orderHash: hash, side: 'src', amount: stored.order.makingAmount.toString() });
    expect(json(await h.app.inject({ method: 'GET', url: `/api/escrows?orderHash=${hash}&chain=cardano:devnet` })).items).toEqual([]);
    const id = byOrder.items[0].escrowId as string;
    const one = await h.app.inject({ method: 'GET', url: `/api/escrows/31337/${id}` });
    expect(one.statusCode).toBe(200);
    expect(json(one).created.amount).toBe(stored.order.makingAmount.toString());
    const missing = await h.app.inject({ method: 'GET', url: '/api/escrows/31337/0x9999999999999999999999999999999999999999' });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.code).toBe('ESCROW_NOT_FOUND');
    const detail = json(await h.app.inject({ method: 'GET', url: `/api/orders/${hash}` }));
    expect(detail.escrows).toHaveLength(1);
    expect(detail.escrows[0].escrowId).toBe(id);
  });
});

describe('GET /api/orders/typed-data', () => {
  it('is what eth_signTypedData_v4 takes: viem signs it with a message and intake accepts the signature', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/orders/typed-data' });
    expect(res.statusCode).toBe(200);
    const td = json(res);
    expect(td.domain).toEqual({ name: 'FusionEscrowFactory', version: '1', chainId: CHAIN_ID, verifyingContract: FACTORY });
    expect(td.primaryType).toBe('Order');
    expect(td.types.EIP712Domain.map((f: { name: string }) => f.name)).toEqual(['name', 'version', 'chainId', 'verifyingContract']);
    const order = makeOrder(alice, h.clock.now);
    const message = orderMessage(order);
    const { EIP712Domain: _domainType, ...types } = td.types;
    expect(hashTypedData({ domain: td.domain, types, primaryType: 'Order', message })).toBe(orderHash(order, CHAIN_ID, FACTORY));
    const signature = await alice.account.signTypedData({ domain: td.domain, types, primaryType: 'Order', message });
    const submit = await h.app.inject({ method: 'POST', url: '/api/orders', payload: { order: orderToWire(order), signature } });
    expect(submit.statusCode).toBe(201);
  });
});

// Last: it adds an order, which the counts above do not expect.
describe('createdAt', () => {
  it('one order has one createdAt: by hash, by maker, in the active list, its timeline entry and the order_created message agree', async () => {
    const carol = newMaker();
    const messages: { kind: string; data: { orderHash: string; createdAt?: string } }[] = [];
    const off = h.bus.subscribe('orders', (m) => void messages.push(m as (typeof messages)[number]));
    try {
      const res = await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(carol, makeOrder(carol, h.clock.now)) });
      expect(res.statusCode).toBe(201);
      const hash = json(res).orderHash as string;
      await h.book.idle();
      const one = json(await h.app.inject({ method: 'GET', url: `/api/orders/${hash}` }));
      const byMaker = json(await list(`?maker=${carol.address}`)).items[0];
      const active = json(await h.app.inject({ method: 'GET', url: '/api/orders/active?limit=500' })).items.find((i: { orderHash: string }) => i.orderHash === hash);
      const created = messages.find((m) => m.kind === 'created' && m.data.orderHash === hash);
      const stamps = [one.createdAt, byMaker.createdAt, active?.createdAt, created?.data.createdAt, one.timeline[0].at];
      expect(new Set(stamps).size, JSON.stringify(stamps)).toBe(1);
      expect(typeof stamps[0]).toBe('string');
    } finally {
      off();
    }
  });
});
