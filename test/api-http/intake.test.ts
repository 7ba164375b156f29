/**
 * POST /api/orders end to end on Postgres: a signed order is accepted, readable and listed;
 * every kind of bad input gets its own 4xx with a stable code and leaves the store unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderHash } from '../../src/domain/eip712.js';
import { orderToWire } from '../../src/domain/order.js';
import type { TopicMessages } from '../../src/bus/types.js';
import { CHAIN_ID, FACTORY, json, makeOrder, newMaker, signOrder, startHarness, submission, type Harness } from './support.js';

let h: Harness;
const maker = newMaker();

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function post(payload: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'POST', url: '/api/orders', payload: payload as object, headers });
}

/** Sends a request and checks it is refused with `status` and `code` and that no row changed. */
async function expectRefused(
  send: () => Promise<{ statusCode: number; body: string }>,
  status: number,
  code: string,
): Promise<{ error: { code: string; message: string; details?: any } }> {
  const before = await h.counts();
  const res = await send();
  const body = json(res);
  expect({ status: res.statusCode, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(await h.counts()).toEqual(before);
  return body;
}

describe('POST /api/orders: the happy path', () => {
  it('accepts a signed order, returns its EIP-712 hash, stores it active and announces it after the commit', async () => {
    const order = makeOrder(maker, h.clock.now);
    const seen: TopicMessages['orders'][] = [];
    // Read the store from inside the subscriber: the order must already be committed.
    let storedWhenPublished: Promise<string | undefined> = Promise.resolve('not published');
    const off = h.bus.subscribe('orders', (m) => {
      seen.push(m);
      storedWhenPublished = h.repo.get(m.data.orderHash as `0x${string}`).then((s) => s?.status);
    });
    const before = await h.counts();
    const res = await post(await submission(maker, order));
    off();
    expect(res.statusCode).toBe(201);
    const expectedHash = orderHash(order, CHAIN_ID, FACTORY);
    expect(json(res)).toEqual({ orderHash: expectedHash, status: 'active' });
    expect(await h.counts()).toEqual({ orders: before.orders + 1, events: before.events + 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ kind: 'created', data: { orderHash: expectedHash, status: 'active', maker: maker.address } });
    expect(await storedWhenPublished).toBe('active');

    const got = await h.app.inject({ method: 'GET', url: `/api/orders/${expectedHash}` });
    expect(got.statusCode).toBe(200);
    const detail = json(got);
    expect(detail.orderHash).toBe(expectedHash);
    expect(detail.status).toBe('active');
    expect(detail.order).toEqual(orderToWire(order));
    expect(detail.currentAmount).toBe('2000000000');
    expect(detail.escrows).toEqual([]);
    expect(detail.timeline).toHaveLength(1);
    expect(detail.timeline[0]).toMatchObject({ type: 'created', fromStatus: null, toStatus: 'active' });
    expect(detail).not.toHaveProperty('secret');

    const list = json(await h.app.inject({ method: 'GET', url: `/api/orders?maker=${maker.address}` }));
    expect(list.items.map((i: { orderHash: string }) => i.orderHash)).toContain(expectedHash);
  });

  it('accepts a 64-byte EIP-2098 compact signature of the same order', async () => {
    const order = makeOrder(maker, h.clock.now);
    const sig = await signOrder(maker, order);
    const r = sig.slice(2, 66);
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130), 16);
    const yParityAndS = (BigInt(v - 27) << 255n) | s;
    const compact = `0x${r}${yParityAndS.toString(16).padStart(64, '0')}`;
    const res = await post({ order: orderToWire(order), signature: compact });
    expect(res.statusCode).toBe(201);
  });

  it('answers a second submission of the same order 409 DUPLICATE_ORDER and changes nothing', async () => {
    const body = await submission(maker, makeOrder(maker, h.clock.now));
    expect((await post(body)).statusCode).toBe(201);
    const err = await expectRefused(() => post(body), 409, 'DUPLICATE_ORDER');
    expect(err.error.details.orderHash).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe('POST /api/orders: bad input is refused with a clear code and changes nothing', () => {
  const wire = () => orderToWire(makeOrder(maker, h.clock.now));
  const SIG = `0x${'11'.repeat(32)}${'22'.repeat(32)}1b`;

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: '/api/orders', payload: '{"order": {', headers: { 'content-type': 'application/json' } }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('empty JSON body → 400 MALFORMED_JSON', async () => {
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: '/api/orders', payload: '', headers: { 'content-type': 'application/json' } }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('a JSON array or string instead of an object → 400 VALIDATION_ERROR', async () => {
    await expectRefused(() => post([1, 2]), 400, 'VALIDATION_ERROR');
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: '/api/orders', payload: '"hi"', headers: { 'content-type': 'application/json' } }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: '/api/orders', payload: 'order=1', headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: '/api/orders', payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('wrong types → 400 with the path of the field', async () => {
    const o = wire() as any;
    o.expiry = String(o.expiry);
    const err = await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_FIELD');
    expect(err.error.details.issues[0]).toMatchObject({ in: 'body', path: '/order/expiry' });
    const o2 = wire() as any;
    o2.auction = 'soon';
    await expectRefused(() => post({ order: o2, signature: SIG }), 400, 'INVALID_AUCTION');
    const o3 = wire() as any;
    o3.makingAmount = 1000;
    await expectRefused(() => post({ order: o3, signature: SIG }), 400, 'INVALID_AMOUNT');
  });

  it('missing fields → 400 VALIDATION_ERROR naming each missing path', async () => {
    const o = wire() as any;
    delete o.hashlock;
    delete o.timelocks.dstCancellation;
    const err = await expectRefused(() => post({ order: o, signature: SIG }), 400, 'VALIDATION_ERROR');
    const paths = err.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/order/hashlock', '/order/timelocks/dstCancellation']));
    await expectRefused(() => post({ signature: SIG }), 400, 'VALIDATION_ERROR');
  });

  it('an order without a signature (EVM source) → 400 VALIDATION_ERROR', async () => {
    await expectRefused(() => post({ order: wire() }), 400, 'VALIDATION_ERROR');
  });

  it('unknown fields at any depth → 400 UNKNOWN_FIELD with the path', async () => {
    const err = await expectRefused(() => post({ order: wire(), signature: SIG, extra: 1 }), 400, 'UNKNOWN_FIELD');
    expect(err.error.details.issues[0].path).toBe('/extra');
    const o = wire() as any;
    o.auction.bonus = '1';
    const err2 = await expectRefused(() => post({ order: o, signature: SIG }), 400, 'UNKNOWN_FIELD');
    expect(err2.error.details.issues[0].path).toBe('/order/auction/bonus');
  });

  it.each([
    ['negative', '-1'],
    ['decimal', '1.5'],
    ['exponent', '1e18'],
    ['79 digits', '1'.repeat(79)],
    ['empty', ''],
    ['hex', '0x10'],
    ['with spaces', ' 10'],
  ])('makingAmount %s → 400 INVALID_AMOUNT', async (_name, value) => {
    const o = wire();
    o.makingAmount = value;
    const err = await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_AMOUNT');
    expect(err.error.details.issues[0].path).toBe('/order/makingAmount');
  });

  it('amounts ≥ 2^256 (78 digits) → 400 INVALID_AMOUNT from the domain', async () => {
    const o = wire();
    o.srcSafetyDeposit = '9'.repeat(78);
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_AMOUNT');
  });

  it('a negative auction amount or a zero making amount → 400 INVALID_AMOUNT / INVALID_AMOUNT', async () => {
    const o = wire();
    o.auction.endAmount = '-5';
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_AMOUNT');
    const o2 = wire();
    o2.makingAmount = '0';
    await expectRefused(() => post({ order: o2, signature: SIG }), 400, 'INVALID_AMOUNT');
  });

  it('bad addresses → 400 INVALID_ADDRESS', async () => {
    const o = wire();
    o.maker = '0x1234';
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_ADDRESS');
    const o2 = wire();
    o2.maker = '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266'; // mixed case, wrong checksum
    await expectRefused(() => post({ order: o2, signature: SIG }), 400, 'INVALID_ADDRESS');
    const o3 = wire();
    o3.receiver = 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faaf';
    await expectRefused(() => post({ order: o3, signature: SIG }), 400, 'INVALID_ADDRESS');
  });

  it('bad assets → 400 INVALID_ASSET', async () => {
    const o = wire();
    o.takerAsset = 'ada';
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_ASSET');
  });

  it('bad hashlock → 400 INVALID_HASHLOCK', async () => {
    const o = wire();
    o.hashlock = '0x1234';
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_HASHLOCK');
  });

  it('an expired order → 400 ORDER_EXPIRED; one expiring in 31 days → 400 EXPIRY_TOO_FAR', async () => {
    const expired = makeOrder(maker, h.clock.now, { expiry: h.clock.now - 1 });
    expired.auction.startTime = h.clock.now - 100;
    await expectRefused(async () => post(await submission(maker, expired)), 400, 'ORDER_EXPIRED');
    const far = makeOrder(maker, h.clock.now, { expiry: h.clock.now + 31 * 86_400 });
    await expectRefused(async () => post(await submission(maker, far)), 400, 'EXPIRY_TOO_FAR');
  });

  it('auction violations → 400 INVALID_AUCTION', async () => {
    const rising = makeOrder(maker, h.clock.now);
    rising.auction = { ...rising.auction, startAmount: 1n, endAmount: 2n };
    await expectRefused(async () => post(await submission(maker, rising)), 400, 'INVALID_AUCTION');
    const o = wire();
    o.auction.duration = 0;
    await expectRefused(() => post({ order: o, signature: SIG }), 400, 'INVALID_AUCTION');
    const o2 = wire();
    o2.auction.points = [
      { offset: 100, amount: '1950000000' },
      { offset: 50, amount: '1920000000' },
    ];
    await expectRefused(() => post({ order: o2, signature: SIG }), 400, 'INVALID_AUCTION');
  });

  it('timelock violations → 400 INVALID_TIMELOCKS', async () => {
    const o = makeOrder(maker, h.clock.now);
    o.timelocks = { ...o.timelocks, dstCancellation: o.timelocks.srcCancellation + 1 };
    const err = await expectRefused(async () => post(await submission(maker, o)), 400, 'INVALID_TIMELOCKS');
    expect(err.error.details.issues[0].field).toBe('timelocks.srcCancellation');
    const w = wire();
    w.timelocks.srcWithdrawal = -1;
    await expectRefused(() => post({ order: w, signature: SIG }), 400, 'INVALID_TIMELOCKS');
  });

  it('an unsupported chain pair or a Cardano-source submission → 400 UNSUPPORTED_CHAIN_PAIR', async () => {
    const o = makeOrder(maker, h.clock.now, { dstChain: 'cardano:mainnet' });
    await expectRefused(async () => post(await submission(maker, o)), 400, 'UNSUPPORTED_CHAIN_PAIR');
    const err = await expectRefused(
      () => post({ order: wire(), lockedOutput: `${'ab'.repeat(32)}#0` }),
      400,
      'UNSUPPORTED_CHAIN_PAIR',
    );
    expect(err.error.message).toMatch(/Cardano-source/);
  });

  it('a forged (garbage) signature → 400 INVALID_SIGNATURE', async () => {
    const o = wire();
    await expectRefused(() => post({ order: o, signature: `0x${'00'.repeat(65)}` }), 400, 'INVALID_SIGNATURE');
    await expectRefused(() => post({ order: o, signature: '0x1234' }), 400, 'INVALID_SIGNATURE');
  });

  it('a signature over another order (a field changed after signing) → 400 SIGNATURE_MISMATCH', async () => {
    const order = makeOrder(maker, h.clock.now);
    const signature = await signOrder(maker, order);
    const tampered = orderToWire({ ...order, makingAmount: order.makingAmount + 1n });
    await expectRefused(() => post({ order: tampered, signature }), 400, 'SIGNATURE_MISMATCH');
  });

  it('a signature by another key → 400 SIGNATURE_MISMATCH', async () => {
    const order = makeOrder(maker, h.clock.now);
    const signature = await signOrder(newMaker(), order);
    await expectRefused(() => post({ order: orderToWire(order), signature }), 400, 'SIGNATURE_MISMATCH');
  });

  it('a signature for another chain id or another factory → 400 SIGNATURE_MISMATCH', async () => {
    const order = makeOrder(maker, h.clock.now);
    const otherChain = await signOrder(maker, order, 1);
    await expectRefused(() => post({ order: orderToWire(order), signature: otherChain }), 400, 'SIGNATURE_MISMATCH');
    const otherFactory = await signOrder(maker, order, CHAIN_ID, '0x000000000000000000000000000000000000dEaD');
    await expectRefused(() => post({ order: orderToWire(order), signature: otherFactory }), 400, 'SIGNATURE_MISMATCH');
  });

  it('counts each refusal by its code in relayer_orders_submitted_total', async () => {
    const text = await h.metrics.registry.getSingleMetricAsString('relayer_orders_submitted_total');
    expect(text).toMatch(/result="SIGNATURE_MISMATCH"\} [1-9]/);
    expect(text).toMatch(/result="accepted"\} [1-9]/);
  });
});
