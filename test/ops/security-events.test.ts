/**
 * Security events (issue 15 item 4) on a running relayer over real sockets: a rejected API key
 * (HTTP and the WS `auth` op), a refused secret reveal and a rate-limit hit are each one warn
 * line with the stable `security` field, the client address and (HTTP) the request id — and
 * never the key or the secret that was presented.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { makeOrder, newMaker, newSecret, submission } from '../api-http/support.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const GOOD_KEY = 'resolver-key-security-events-0001';
const BAD_KEY = 'not-a-configured-key-4f1d9c2b7a';
const RATE_LIMIT = 30;
const lines: string[] = [];
let pg: TestPostgres;
let relayer: RunningRelayer;

const events = (name: string) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.security === name);

beforeAll(async () => {
  pg = await withPostgres({ migrate: false });
  relayer = await startRelayer(
    loadConfig({
      HTTP_PORT: '0',
      WS_PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      DEVNET: 'off',
      API_KEYS: GOOD_KEY,
      RATE_LIMIT_MAX: String(RATE_LIMIT),
      RATE_LIMIT_WINDOW_MS: '3600000',
    }),
    { logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }) },
  );
});
afterAll(async () => {
  await relayer?.stop();
  await pg?.drop();
});

it('a missing or unknown API key on a resolver route is api_key_rejected, without the key', async () => {
  const missing = await fetch(`${relayer.httpUrl}/api/public-actions`, { headers: { 'x-request-id': 'sec-missing' } });
  expect(missing.status).toBe(401);
  const unknown = await fetch(`${relayer.httpUrl}/api/webhooks`, { headers: { 'x-request-id': 'sec-unknown', authorization: `Bearer ${BAD_KEY}` } });
  expect(unknown.status).toBe(401);
  const ok = await fetch(`${relayer.httpUrl}/api/public-actions`, { headers: { 'x-api-key': GOOD_KEY } });
  expect(ok.status).toBe(200);

  await expect.poll(() => events('api_key_rejected').length, { timeout: 30_000 }).toBe(2);
  const [a, b] = events('api_key_rejected');
  expect(a).toMatchObject({ level: 40, reqId: 'sec-missing', ip: '127.0.0.1', method: 'GET', route: '/api/public-actions', reason: 'missing' });
  expect(b).toMatchObject({ level: 40, reqId: 'sec-unknown', ip: '127.0.0.1', route: '/api/webhooks', reason: 'unknown' });
});

it('a refused WS auth is api_key_rejected too', async () => {
  const ws = new WebSocket(relayer.wsUrl);
  const replies: { type: string; data: any }[] = [];
  ws.on('message', (raw) => replies.push(JSON.parse(String(raw))));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ op: 'auth', apiKey: BAD_KEY }));
  await expect.poll(() => replies.some((r) => r.type === 'error'), { timeout: 30_000 }).toBe(true);
  ws.close();
  await expect.poll(() => events('api_key_rejected').filter((e) => e.transport === 'ws').length, { timeout: 30_000 }).toBe(1);
  expect(events('api_key_rejected').find((e) => e.transport === 'ws')).toMatchObject({ ip: '127.0.0.1', reason: 'unknown' });
});

it('a refused secret reveal is secret_reveal_refused with the order and the code, without the secret', async () => {
  const maker = newMaker();
  const created = await fetch(`${relayer.httpUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(await submission(maker, makeOrder(maker, Math.floor(Date.now() / 1000)))),
  });
  expect(created.status).toBe(201);
  const { orderHash } = (await created.json()) as { orderHash: string };
  const secret = newSecret();
  const refused = await fetch(`${relayer.httpUrl}/api/orders/${orderHash}/secret`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'sec-reveal' },
    body: JSON.stringify({ secret }),
  });
  expect(refused.status).toBe(409); // the order is not ready_for_secret (and it is not its preimage either)
  await expect.poll(() => events('secret_reveal_refused').length, { timeout: 30_000 }).toBe(1);
  expect(events('secret_reveal_refused')[0]).toMatchObject({ reqId: 'sec-reveal', ip: '127.0.0.1', orderHash, code: 'INVALID_STATUS' });
  expect(lines.join('\n')).not.toContain(secret.slice(2));
});

it('passing the rate limit is rate_limited, once per refused request', async () => {
  let refused = 0;
  for (let i = 0; i < RATE_LIMIT + 2; i++) {
    const res = await fetch(`${relayer.httpUrl}/api/orders/typed-data`, { headers: { 'x-request-id': `sec-rl-${i}` } });
    if (res.status === 429) refused++;
  }
  expect(refused).toBeGreaterThan(0);
  await expect.poll(() => events('rate_limited').length, { timeout: 30_000 }).toBe(refused);
  expect(events('rate_limited')[0]).toMatchObject({ ip: '127.0.0.1', limit: RATE_LIMIT });
});

it('no log line holds a presented key', () => {
  const all = lines.join('\n');
  expect(all).not.toContain(BAD_KEY);
  expect(all).not.toContain(GOOD_KEY);
});
