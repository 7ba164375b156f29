/**
 * Maker cancel and secret reveal over HTTP, on Postgres: only the allowed status moves, the
 * timeline records the step, the bus hears it, and every refusal leaves the store unchanged.
 * The secret is judged by the real secret gate (the harness wires it): orders reach
 * ready_for_secret through escrow chain events and the settlement coordinator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderHash } from '../../src/domain/eip712.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex, Order } from '../../src/domain/order.js';
import type { TopicMessages } from '../../src/bus/types.js';
import {
  CHAIN_ID,
  FACTORY,
  fillToReady,
  json,
  makeOrder,
  newMaker,
  newSecret,
  signCancel,
  startHarness,
  submission,
  type Harness,
  type Maker,
} from './support.js';

let h: Harness;
const maker = newMaker();

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const submitted = new Map<Hex, Order>();

async function submit(m: Maker, secret?: Hex): Promise<Hex> {
  const order = makeOrder(m, h.clock.now, secret ? { hashlock: hashlockOf(secret) } : {});
  const res = await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(m, order) });
  expect(res.statusCode).toBe(201);
  submitted.set(json(res).orderHash, order);
  return json(res).orderHash;
}

async function expectRefused(send: () => Promise<{ statusCode: number; body: string }>, status: number, code: string) {
  const before = await h.counts();
  const res = await send();
  expect({ status: res.statusCode, code: json(res).error?.code }).toEqual({ status, code });
  expect(await h.counts()).toEqual(before);
  return json(res);
}

const cancel = (hash: Hex, signature: string) =>
  h.app.inject({ method: 'POST', url: `/api/orders/${hash}/cancel`, payload: { signature } });
const reveal = (hash: Hex, secret: string) => h.app.inject({ method: 'POST', url: `/api/orders/${hash}/secret`, payload: { secret } });

/** Both escrows on chain and final; the settlement coordinator moves the order to ready_for_secret. */
async function makeReadyForSecret(hash: Hex): Promise<void> {
  await fillToReady(h, hash, submitted.get(hash)!);
}

describe('POST /api/orders/:hash/cancel', () => {
  it('the maker cancels an active order: 200 cancelled, timeline, bus update, gone from the active book', async () => {
    const hash = await submit(maker);
    await h.book.idle();
    expect(h.book.priceOf(hash)).not.toBeNull();
    const seen: TopicMessages['orders'][] = [];
    const off = h.bus.subscribe('orders', (m) => seen.push(m));
    const res = await cancel(hash, await signCancel(maker, hash));
    off();
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ orderHash: hash, status: 'cancelled' });
    expect(seen).toEqual([
      { kind: 'updated', data: expect.objectContaining({ orderHash: hash, status: 'cancelled', previousStatus: 'active' }) },
    ]);
    const detail = json(await h.app.inject({ method: 'GET', url: `/api/orders/${hash}` }));
    expect(detail.status).toBe('cancelled');
    expect(detail.currentAmount).toBeNull();
    expect(detail.timeline.map((e: { type: string; toStatus: string }) => [e.type, e.toStatus])).toEqual([
      ['created', 'active'],
      ['cancelled', 'cancelled'],
    ]);
    await h.book.idle();
    expect(h.book.priceOf(hash)).toBeNull();
  });

  it('cancelling twice → 409 INVALID_STATUS', async () => {
    const hash = await submit(maker);
    const sig = await signCancel(maker, hash);
    expect((await cancel(hash, sig)).statusCode).toBe(200);
    const body = await expectRefused(() => cancel(hash, sig), 409, 'INVALID_STATUS');
    expect(body.error.details).toEqual({ status: 'cancelled', allowed: ['active'] });
  });

  it('a cancel signed by someone else → 403 NOT_MAKER, order stays active', async () => {
    const hash = await submit(maker);
    await expectRefused(async () => cancel(hash, await signCancel(newMaker(), hash)), 403, 'NOT_MAKER');
    expect((await h.repo.get(hash))?.status).toBe('active');
  });

  it("a cancel signed for another order or another chain's domain → 403 NOT_MAKER", async () => {
    const hash = await submit(maker);
    const other = await submit(maker);
    await expectRefused(async () => cancel(hash, await signCancel(maker, other)), 403, 'NOT_MAKER');
    await expectRefused(async () => cancel(hash, await signCancel(maker, hash, 1)), 403, 'NOT_MAKER');
  });

  it('a malformed cancel signature → 400 INVALID_SIGNATURE; unknown order → 404', async () => {
    const hash = await submit(maker);
    await expectRefused(() => cancel(hash, `0x${'00'.repeat(65)}`), 400, 'INVALID_SIGNATURE');
    await expectRefused(() => cancel(hash, 'nope'), 400, 'INVALID_SIGNATURE');
    const unknown = `0x${'12'.repeat(32)}` as Hex;
    await expectRefused(async () => cancel(unknown, await signCancel(maker, unknown)), 404, 'ORDER_NOT_FOUND');
  });

  it('a filled order (src_escrowed) cannot be cancelled by the maker → 409', async () => {
    const hash = await submit(maker);
    await h.repo.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrow_seen' });
    await expectRefused(async () => cancel(hash, await signCancel(maker, hash)), 409, 'INVALID_STATUS');
  });
});

describe('POST /api/orders/:hash/secret', () => {
  it('before ready_for_secret → 409 INVALID_STATUS, even with the right secret', async () => {
    const secret = newSecret();
    const hash = await submit(maker, secret);
    await expectRefused(() => reveal(hash, secret), 409, 'INVALID_STATUS');
    await h.repo.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrow_seen' });
    await h.repo.transition(hash, ['src_escrowed'], 'escrowed', { type: 'dst_escrow_verified' });
    await expectRefused(() => reveal(hash, secret), 409, 'INVALID_STATUS');
    expect((await h.repo.get(hash))?.secret).toBeNull();
  });

  it('a wrong secret → 400 INVALID_SECRET; a malformed one → 400 INVALID_SECRET', async () => {
    const secret = newSecret();
    const hash = await submit(maker, secret);
    await makeReadyForSecret(hash);
    await expectRefused(() => reveal(hash, newSecret()), 400, 'INVALID_SECRET');
    await expectRefused(() => reveal(hash, '0x1234'), 400, 'INVALID_SECRET');
    await expectRefused(
      () => h.app.inject({ method: 'POST', url: `/api/orders/${hash}/secret`, payload: { secret, extra: true } }),
      400,
      'UNKNOWN_FIELD',
    );
    expect((await h.repo.get(hash))?.status).toBe('ready_for_secret');
  });

  it('the right secret in ready_for_secret → secret_revealed, stored, shared on the secrets topic; never in the public view', async () => {
    const secret = newSecret();
    const hash = await submit(maker, secret);
    await makeReadyForSecret(hash);
    const ready = json(await h.app.inject({ method: 'GET', url: `/api/orders/ready-for-secret?maker=${maker.address}` }));
    expect(ready.items.map((i: { orderHash: string }) => i.orderHash)).toContain(hash);

    const secrets: TopicMessages['secrets'][] = [];
    const updates: TopicMessages['orders'][] = [];
    const off1 = h.bus.subscribe('secrets', (m) => secrets.push(m));
    const off2 = h.bus.subscribe('orders', (m) => updates.push(m));
    const res = await reveal(hash, secret);
    off1();
    off2();
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ orderHash: hash, status: 'secret_revealed' });
    expect(secrets).toEqual([{ orderHash: hash, maker: maker.address, secret }]);
    expect(updates[0]).toMatchObject({ kind: 'updated', data: { status: 'secret_revealed', previousStatus: 'ready_for_secret' } });
    expect((await h.repo.get(hash))?.secret).toBe(secret);

    const detail = await h.app.inject({ method: 'GET', url: `/api/orders/${hash}` });
    expect(json(detail).status).toBe('secret_revealed');
    expect(detail.body).not.toContain(secret.slice(2));
    await expectRefused(() => reveal(hash, secret), 409, 'INVALID_STATUS');
    const readyAfter = json(await h.app.inject({ method: 'GET', url: `/api/orders/ready-for-secret?maker=${maker.address}` }));
    expect(readyAfter.items.map((i: { orderHash: string }) => i.orderHash)).not.toContain(hash);
  });

  it('ready-for-secret needs a maker address', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/orders/ready-for-secret' });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details.issues[0]).toMatchObject({ in: 'querystring', path: '/maker' });
  });
});

describe('hash agreement', () => {
  it('the hash intake returns is the EIP-712 digest of the order under the configured domain', async () => {
    const order = makeOrder(maker, h.clock.now);
    const res = await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(maker, order) });
    expect(json(res).orderHash).toBe(orderHash(order, CHAIN_ID, FACTORY));
  });
});
