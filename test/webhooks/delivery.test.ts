/**
 * Webhooks end to end against a real local HTTP receiver (issue 14): the relayer on Postgres,
 * orders posted through the API, deliveries signed, retried after failures and timeouts,
 * dead-lettered, kept across a crash (SIGKILL) mid-delivery, and SSRF-guarded.
 */
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { storeOn } from '../../src/store/index.js';
import { WebhookRepository } from '../../src/store/webhooks-repo.js';
import { deliver } from '../../src/webhooks/deliver.js';
import { WebhookService } from '../../src/webhooks/service.js';
import { makeOrder, newMaker, submission } from '../api-http/support.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { startReceiver, type Received } from './support.js';

const KEY = 'webhook-test-key-0123456789';
const OTHER_KEY = 'another-tenant-key-0123456789';

const env = (pg: TestPostgres, over: Record<string, string> = {}) => ({
  DATABASE_URL: pg.url,
  HOST: '127.0.0.1',
  HTTP_PORT: '0',
  WS_PORT: '0',
  DEVNET: 'off',
  LOG_LEVEL: 'silent',
  API_KEYS: `${KEY},${OTHER_KEY}`,
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_BACKOFF_MS: '50',
  WEBHOOK_MAX_BACKOFF_MS: '200',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_MAX_ATTEMPTS: '3',
  ...over,
});

async function call(base: string, method: string, path: string, body?: unknown, key: string | null = KEY) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { 'x-api-key': key } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function postOrder(base: string) {
  const maker = newMaker();
  const res = await call(base, 'POST', '/api/orders', await submission(maker, makeOrder(maker, Math.floor(Date.now() / 1000))), null);
  expect(res.status).toBe(201);
  return res.body.orderHash as string;
}

/** What a receiver does with nothing but node:crypto (the README's example). */
function verifiedByUser(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-relayer-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-relayer-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const deliveriesOf = async (base: string, id: string) => (await call(base, 'GET', `/api/webhooks/${id}/deliveries`)).body.items as any[];

describe('webhooks against a real receiver', () => {
  let pg: TestPostgres;
  let relayer: RunningRelayer;

  beforeAll(async () => {
    pg = await withPostgres({ migrate: false });
    relayer = await startRelayer(loadConfig(env(pg)), { logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await relayer?.stop();
    await pg?.drop();
  });

  it('registers with an API key only, retries a failing receiver, and delivers a signature the user can check', { timeout: 60_000 }, async () => {
    const receiver = await startReceiver((n, res) => res.writeHead(n <= 2 ? 500 : 200).end(n <= 2 ? 'not yet' : 'ok'));
    try {
      const base = relayer.httpUrl;
      expect((await call(base, 'POST', '/api/webhooks', { url: receiver.url, events: ['order.created'] }, null)).status).toBe(401);
      expect((await call(base, 'POST', '/api/webhooks', { url: receiver.url, events: ['order.created'] }, 'wrong-key-0123456789')).status).toBe(401);
      expect((await call(base, 'POST', '/api/webhooks', { url: receiver.url, events: ['nope'] })).status).toBe(400);
      const created = await call(base, 'POST', '/api/webhooks', { url: receiver.url, events: ['order.created', 'order.status_changed'] });
      expect(created.status).toBe(201);
      const { id, secret } = created.body;
      expect(secret).toMatch(/^whsec_/);

      const listed = await call(base, 'GET', '/api/webhooks');
      expect(listed.body.items.map((w: any) => w.id)).toContain(id);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      // Another tenant neither sees nor deletes it.
      expect((await call(base, 'GET', '/api/webhooks', undefined, OTHER_KEY)).body.items).toEqual([]);
      expect((await call(base, 'DELETE', `/api/webhooks/${id}`, undefined, OTHER_KEY)).status).toBe(404);
      expect((await call(base, 'GET', `/api/webhooks/${id}/deliveries`, undefined, OTHER_KEY)).status).toBe(404);

      const orderHash = await postOrder(base);
      await expect.poll(async () => (await deliveriesOf(base, id))[0]?.status, { timeout: 30_000, interval: 100 }).toBe('delivered');
      expect(receiver.requests).toHaveLength(3);
      // One event, one idempotency key, whatever the retries.
      expect(new Set(receiver.requests.map((r) => r.headers['x-relayer-event-id'])).size).toBe(1);
      for (const r of receiver.requests) expect(verifiedByUser(secret, r)).toBe(true);
      expect(verifiedByUser('whsec_wrong', receiver.requests[2]!)).toBe(false);
      const payload = JSON.parse(receiver.requests[2]!.body);
      expect(payload).toMatchObject({ type: 'order.created', data: { orderHash, status: 'active', fromStatus: null } });
      expect(payload.id).toBe(receiver.requests[2]!.headers['x-relayer-event-id']);

      const [log] = await deliveriesOf(base, id);
      expect(log).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, eventType: 'order.created' });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/relayer_webhook_deliveries_total\{outcome="failed"\} [2-9]/);

      expect((await call(base, 'DELETE', `/api/webhooks/${id}`)).status).toBe(200);
      expect((await call(base, 'GET', `/api/webhooks/${id}/deliveries`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('times out a slow receiver and retries; dead-letters after the last attempt', { timeout: 60_000 }, async () => {
    const slow = await startReceiver((n, res) => (n === 1 ? setTimeout(() => res.writeHead(200).end(), 3_000) : res.writeHead(204).end()));
    const broken = await startReceiver((_n, res) => res.writeHead(503).end());
    try {
      const base = relayer.httpUrl;
      const a = (await call(base, 'POST', '/api/webhooks', { url: slow.url, events: ['order.created'] })).body.id;
      const b = (await call(base, 'POST', '/api/webhooks', { url: broken.url, events: ['order.created'] })).body.id;
      await postOrder(base);
      await expect.poll(async () => (await deliveriesOf(base, a))[0]?.status, { timeout: 30_000, interval: 100 }).toBe('delivered');
      expect((await deliveriesOf(base, a))[0]).toMatchObject({ attempts: 2, lastStatus: 204 });
      await expect.poll(async () => (await deliveriesOf(base, b))[0]?.status, { timeout: 30_000, interval: 100 }).toBe('dead');
      expect((await deliveriesOf(base, b))[0]).toMatchObject({ attempts: 3, lastStatus: 503, lastError: 'HTTP 503', nextAttemptAt: null });
      expect(broken.requests).toHaveLength(3);
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/relayer_webhook_backlog\{status="dead"\} 1/);
    } finally {
      await slow.close();
      await broken.close();
    }
  });

  it('refuses private targets unless allowed, at registration and at connect time (DNS rebinding)', { timeout: 60_000 }, async () => {
    const receiver = await startReceiver((_n, res) => res.writeHead(200).end());
    try {
      const service = new WebhookService(new WebhookRepository(storeOn(pg.database).database.db), { allowPrivateTargets: false });
      for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/latest/meta-data/']) {
        await expect(service.register('owner', { url, events: ['order.created'] })).rejects.toMatchObject({ code: 'WEBHOOK_TARGET_FORBIDDEN' });
      }
      expect(await service.list('owner')).toEqual([]);
      // A name that resolves to loopback at delivery time is refused on the socket's own lookup.
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      const outcome = await deliver({ url, webhookId: 'w', eventId: 'e', secret: 's', body: '{}', timestamp: 1 }, { timeoutMs: 2_000, allowPrivate: false });
      expect(outcome.ok).toBe(false);
      expect(receiver.requests).toHaveLength(0);
      const literal = await deliver({ url: receiver.url, webhookId: 'w', eventId: 'e', secret: 's', body: '{}', timestamp: 1 }, { timeoutMs: 2_000, allowPrivate: false });
      expect(literal).toMatchObject({ ok: false, error: 'target address not allowed' });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});

describe('a relayer killed mid-delivery', () => {
  it('delivers the event after restart from what the store kept', { timeout: 240_000 }, async () => {
    const pg = await withPostgres({ migrate: false });
    // The first attempt hangs (the relayer dies while waiting); later ones answer.
    const receiver = await startReceiver((n, res) => (n === 1 ? undefined : res.writeHead(200).end()));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry.ts'], {
      env: { ...process.env, ...env(pg, { WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_MAX_ATTEMPTS: '5' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let restarted: RunningRelayer | null = null;
    try {
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      await expect.poll(() => /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)?.[1], { timeout: 180_000, interval: 100 }).toBeTruthy();
      const base = /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)![1]!;
      const { id, secret } = (await call(base, 'POST', '/api/webhooks', { url: receiver.url, events: ['order.created'] })).body;
      const orderHash = await postOrder(base);
      await expect.poll(() => receiver.requests.length, { timeout: 30_000, interval: 50 }).toBe(1);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      // The killed attempt's lease (2 × 5 s + 1 s) is in the store: the new instance retries when it ends.
      restarted = await startRelayer(loadConfig(env(pg)), { logger: createLogger({ level: 'silent' }) });
      await expect.poll(async () => (await deliveriesOf(restarted!.httpUrl, id))[0]?.status, { timeout: 30_000, interval: 100 }).toBe('delivered');
      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests[1]!.headers['x-relayer-event-id']).toBe(receiver.requests[0]!.headers['x-relayer-event-id']);
      expect(JSON.parse(receiver.requests[1]!.body).data.orderHash).toBe(orderHash);
      expect(verifiedByUser(secret, receiver.requests[1]!)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await restarted?.stop();
      await receiver.close();
      await pg.drop();
    }
  });
});
