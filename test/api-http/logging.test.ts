/**
 * Request logs: one line per request with the request id, method, route template and status;
 * never a body, a secret, a signature or an API key, even when the request carries them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashlockOf } from '../../src/domain/hashlock.js';
import { fillToReady, json, makeOrder, newMaker, newSecret, signCancel, startHarness, submission, type Harness } from './support.js';

const lines: string[] = [];
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logLines: lines });
});
afterAll(async () => {
  await h?.close();
});

it('logs each request with its id and no bodies, secrets, signatures or keys', async () => {
  const maker = newMaker();
  const secret = newSecret();
  const apiKey = 'k_live_0123456789abcdef0123';
  const order = makeOrder(maker, h.clock.now, { hashlock: hashlockOf(secret) });
  const body = await submission(maker, order);
  const res = await h.app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: body,
    headers: { 'x-request-id': 'log-test-1', authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey },
  });
  expect(res.statusCode).toBe(201);
  const hash = json(res).orderHash;
  await fillToReady(h, hash, order);
  const wrong = await h.app.inject({ method: 'POST', url: `/api/orders/${hash}/secret?apiKey=${apiKey}`, payload: { secret: newSecret() } });
  expect(wrong.statusCode).toBe(400);
  const revealed = await h.app.inject({ method: 'POST', url: `/api/orders/${hash}/secret`, payload: { secret }, headers: { 'x-request-id': 'log-test-2' } });
  expect(revealed.statusCode).toBe(200);
  const cancelSig = await signCancel(maker, hash);
  await h.app.inject({ method: 'POST', url: `/api/orders/${hash}/cancel`, payload: { signature: cancelSig } });

  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const requests = entries.filter((e) => e.msg === 'request');
  expect(requests.find((e) => e.reqId === 'log-test-1')).toMatchObject({ method: 'POST', route: '/api/orders', status: 201 });
  expect(requests.find((e) => e.reqId === 'log-test-2')).toMatchObject({ route: '/api/orders/:orderHash/secret', status: 200 });
  const all = lines.join('\n');
  for (const leaked of [secret.slice(2), body.signature.slice(2, 40), cancelSig.slice(2, 40), apiKey, body.order.receiver]) {
    expect(all).not.toContain(leaked);
  }
});
