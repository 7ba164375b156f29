/** The rate limit answers 429 RATE_LIMITED in the error model, with Retry-After, and stores nothing. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, makeOrder, newMaker, startHarness, submission, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '3600000' } });
});
afterAll(async () => {
  await h?.close();
});

it('the 4th request in the window is 429 with Retry-After; probes are not limited', async () => {
  for (let i = 0; i < 3; i++) {
    expect((await h.app.inject({ method: 'GET', url: '/api/orders/typed-data' })).statusCode).toBe(200);
  }
  const maker = newMaker();
  const before = await h.counts();
  const res = await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(maker, makeOrder(maker, h.clock.now)) });
  expect(res.statusCode).toBe(429);
  expect(json(res).error.code).toBe('RATE_LIMITED');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.headers['x-request-id']).toBeTruthy();
  expect(await h.counts()).toEqual(before);
  const unknown = await h.app.inject({ method: 'GET', url: '/nope' });
  expect(unknown.statusCode).toBe(429);
  expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);

  // Over a real socket too: the limiter's refusal of a hostile path is the error model, no echo.
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const hostile = await fetch(`${base}/api/orders/${'z'.repeat(90)}?x=${'q'.repeat(500)}`, { headers: { 'x-request-id': 'rl-1' } });
  expect(hostile.status).toBe(429);
  expect(hostile.headers.get('x-request-id')).toBe('rl-1');
  expect(hostile.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await hostile.text();
  expect(JSON.parse(body).error.code).toBe('RATE_LIMITED');
  expect(body).not.toMatch(/z{65}|q{65}/);
});
