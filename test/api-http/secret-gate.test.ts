/**
 * POST /api/orders/:hash/secret over real HTTP with the real secret gate: the secret is taken
 * only while both escrows, as the stored chain events show them, are verified and final and the
 * withdrawal window is open. A status that says ready_for_secret is not enough on its own.
 * Every refusal changes nothing, and the same secret is accepted once the facts allow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { escrowEventsFor, fillToReady, makeOrder, newMaker, newSecret, startHarness, submission, type Harness } from './support.js';

let h: Harness;
let base: string;
const maker = newMaker();

beforeAll(async () => {
  h = await startHarness();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => h?.close());

async function post(path: string, body: unknown): Promise<{ status: number; body: any; requestId: string | null }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
}

async function submitted(secret: Hex): Promise<{ hash: Hex; order: Order }> {
  const order = makeOrder(maker, h.clock.now, { hashlock: hashlockOf(secret) });
  const res = await post('/api/orders', await submission(maker, order));
  expect(res.status).toBe(201);
  return { hash: res.body.orderHash, order };
}

const reveal = (hash: Hex, secret: string) => post(`/api/orders/${hash}/secret`, { secret });

/** The reveal is refused with `code` and nothing changes: no row, no event, no stored secret. */
async function refused(hash: Hex, secret: string, status: number, code: string): Promise<void> {
  const before = await h.counts();
  const res = await reveal(hash, secret);
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
  expect(res.requestId).toBeTruthy();
  expect(res.body.error.message).not.toContain(secret.slice(2));
  expect(await h.counts()).toEqual(before);
  expect((await h.repo.get(hash))?.secret).toBeNull();
}

describe('the secret gate over HTTP', () => {
  it('both escrows verified and final, window open → 200 secret_revealed', async () => {
    const secret = newSecret();
    const { hash, order } = await submitted(secret);
    await fillToReady(h, hash, order);
    const res = await reveal(hash, secret);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderHash: hash, status: 'secret_revealed' });
    expect((await h.repo.get(hash))?.secret).toBe(secret);
  });

  it('a wrong secret → 400 INVALID_SECRET, even when the gate would open', async () => {
    const secret = newSecret();
    const { hash, order } = await submitted(secret);
    await fillToReady(h, hash, order);
    await refused(hash, newSecret(), 400, 'INVALID_SECRET');
    expect((await reveal(hash, secret)).status).toBe(200);
  });

  it('a status moved to ready_for_secret without chain facts → 409 ESCROWS_NOT_READY', async () => {
    const secret = newSecret();
    const { hash } = await submitted(secret);
    await h.repo.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrow_seen' });
    await h.repo.transition(hash, ['src_escrowed'], 'escrowed', { type: 'dst_escrow_verified' });
    await h.repo.transition(hash, ['escrowed'], 'ready_for_secret', { type: 'escrows_final' });
    await refused(hash, secret, 409, 'ESCROWS_NOT_READY');
  });

  it('escrows seen but the destination not yet final → 409 ESCROWS_NOT_READY; once final → 200', async () => {
    const secret = newSecret();
    const { hash, order } = await submitted(secret);
    const deployedAt = h.clock.now;
    const { src, dst } = escrowEventsFor(hash, order, deployedAt);
    await h.putChainEvent(src);
    await h.putChainEvent(dst, { final: false });
    h.clock.now = deployedAt + 40;
    await h.settle();
    expect((await h.repo.get(hash))?.status).toBe('escrowed');
    // Whatever moves the status early (a race, a bug), the gate reads the chain facts again.
    await h.repo.transition(hash, ['escrowed'], 'ready_for_secret', { type: 'escrows_final' });
    await refused(hash, secret, 409, 'ESCROWS_NOT_READY');
    await h.chainState.apply({ chain: dst.chain, cursor: { height: dst.blockNumber + 1n, hash: '0xnext' }, finalized: [dst.id] });
    expect((await reveal(hash, secret)).status).toBe(200);
  });

  it('the destination escrow reorged away after ready_for_secret → 409 ESCROWS_NOT_READY', async () => {
    const secret = newSecret();
    const { hash, order } = await submitted(secret);
    const { dst } = await fillToReady(h, hash, order);
    await h.chainState.rollback(dst.chain, { height: dst.blockNumber - 1n, hash: 'fork' });
    await refused(hash, secret, 409, 'ESCROWS_NOT_READY');
  });

  it('too close to a cancellation → 409 SECRET_WINDOW_CLOSED; the maker keeps the secret', async () => {
    const secret = newSecret();
    const { hash, order } = await submitted(secret);
    const { deployedAt } = await fillToReady(h, hash, order);
    const inWindow = h.clock.now;
    // The destination cancellation opens first; the margin before it is the closed window.
    h.clock.now = deployedAt + order.timelocks.dstCancellation - h.config.settlement.secretMarginSeconds;
    try {
      await refused(hash, secret, 409, 'SECRET_WINDOW_CLOSED');
    } finally {
      h.clock.now = inWindow;
    }
    expect((await reveal(hash, secret)).status).toBe(200);
  });
});
