/**
 * Transport concerns of every route: the JSON error model for 404/413/429/500, request ids,
 * security headers, CORS, metrics, OpenAPI, the docs UI, health probes, and one real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { json, makeOrder, newMaker, startHarness, submission, type Harness } from './support.js';

let h: Harness;
let storeUp = true;

beforeAll(async () => {
  h = await startHarness({
    env: { BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://app.example' },
    storeCheck: () => (storeUp ? { status: 'up' } : { status: 'down', error: 'connection refused' }),
  });
});
afterAll(async () => {
  await h?.close();
});

describe('the JSON error model', () => {
  it('an unknown route → 404 NOT_FOUND as JSON', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(json(res)).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /api/nope' } });
  });

  it('an unknown order → 404 ORDER_NOT_FOUND; a malformed hash → 400 INVALID_ORDER_HASH', async () => {
    const missing = await h.app.inject({ method: 'GET', url: `/api/orders/0x${'ab'.repeat(32)}` });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.code).toBe('ORDER_NOT_FOUND');
    const bad = await h.app.inject({ method: 'GET', url: '/api/orders/0x12' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.code).toBe('INVALID_ORDER_HASH');
  });

  it('a body over BODY_LIMIT_BYTES → 413 BODY_TOO_LARGE and nothing stored', async () => {
    const before = await h.counts();
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: JSON.stringify({ order: { pad: 'x'.repeat(4096) } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(json(res).error.code).toBe('BODY_TOO_LARGE');
    expect(await h.counts()).toEqual(before);
  });

  it('an unexpected failure → 500 INTERNAL_ERROR without a stack or the internal message', async () => {
    const original = h.repo.get.bind(h.repo);
    h.repo.get = async () => {
      throw new Error('db exploded at /srv/secret/path.ts:12');
    };
    try {
      const res = await h.app.inject({ method: 'GET', url: `/api/orders/0x${'cd'.repeat(32)}`, headers: { 'x-request-id': 'trace-500' } });
      expect(res.statusCode).toBe(500);
      const body = json(res);
      expect(body.error.code).toBe('INTERNAL_ERROR');
      expect(body.error.message).toContain('trace-500');
      expect(res.body).not.toMatch(/exploded|\/srv|stack|\.ts:/);
    } finally {
      h.repo.get = original;
    }
  });
});

describe('request ids', () => {
  it('echoes a sane x-request-id and generates one otherwise, on success and error', async () => {
    const echoed = await h.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123.XYZ' } });
    expect(echoed.headers['x-request-id']).toBe('abc-123.XYZ');
    const generated = await h.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'bad id with spaces\u0001' } });
    expect(generated.statusCode).toBe(404);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await h.app.inject({ method: 'GET', url: '/health/live' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers['x-request-id']).not.toBe(generated.headers['x-request-id']);
  });
});

describe('security headers and CORS', () => {
  it('sets helmet headers on API responses', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/orders/typed-data' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers a CORS preflight from an allowed origin, and not for another origin', async () => {
    const ok = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/orders',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(ok.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('content-type');
    // A browser client of the resolver routes: DELETE a webhook with its API key header.
    const del = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/webhooks/wh_1',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-api-key' },
    });
    expect(del.statusCode).toBe(204);
    expect(String(del.headers['access-control-allow-methods'])).toContain('DELETE');
    expect(String(del.headers['access-control-allow-headers'])).toContain('x-api-key');
    const other = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/orders',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await h.app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://app.example' } });
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(simple.headers['access-control-expose-headers'])).toContain('x-request-id');
  });
});

describe('operations endpoints', () => {
  it('/metrics has the HTTP series by method, route template and status, and orders by status', async () => {
    const maker = newMaker();
    await h.app.inject({ method: 'POST', url: '/api/orders', payload: await submission(maker, makeOrder(maker, h.clock.now)) });
    await h.app.inject({ method: 'GET', url: `/api/orders/0x${'ef'.repeat(32)}` });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/relayer_http_requests_total\{method="POST",route="\/api\/orders",status="201"\} [1-9]/);
    expect(res.body).toMatch(/relayer_http_requests_total\{method="GET",route="\/api\/orders\/:orderHash",status="404"\} [1-9]/);
    expect(res.body).toMatch(/relayer_http_request_duration_seconds_bucket\{le="[0-9.]+",method="POST",route="\/api\/orders",status="201"\}/);
    expect(res.body).toMatch(/relayer_orders\{status="active"\} [1-9]/);
    expect(res.body).toMatch(/relayer_orders\{status="cancelled"\} 0/);
  });

  it('/openapi.json documents every route with its schemas and the error model', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = json(res);
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    for (const route of [
      'POST /api/orders',
      'GET /api/orders',
      'GET /api/orders/typed-data',
      'GET /api/orders/active',
      'GET /api/orders/ready-for-secret',
      'GET /api/orders/{orderHash}',
      'POST /api/orders/{orderHash}/secret',
      'POST /api/orders/{orderHash}/cancel',
      'GET /api/escrows',
      'GET /api/escrows/{chain}/{id}',
      'GET /health/live',
      'GET /health/ready',
      'GET /health',
      'GET /metrics',
      'GET /openapi.json',
    ]) {
      expect(documented).toContain(route);
    }
    const submit = doc.paths['/api/orders'].post;
    expect(submit.requestBody.content['application/json'].schema.properties.order.properties.makingAmount.pattern).toBe('^[0-9]{1,78}$');
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '413', '415', '422', '429']));
    expect(JSON.stringify(submit.responses['409'])).toMatch(/Error/);
    expect(submit.responses['409'].description).toContain('DUPLICATE_ORDER');
    expect(submit.responses['400'].description).toContain('SIGNATURE_MISMATCH');
    expect(doc.components.schemas.Error.properties.error.properties.code.type).toBe('string');
  });

  it('/docs serves the Swagger UI page and its assets from node_modules', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger-ui/i);
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
    const asset = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(asset.statusCode).toBe(200);
  });

  it('/health/live is 200; /health/ready is 200 until a required check is down, then 503 NOT_READY', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await h.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    storeUp = false;
    try {
      const notReady = await h.app.inject({ method: 'GET', url: '/health/ready' });
      expect(notReady.statusCode).toBe(503);
      expect(json(notReady).error).toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('store') });
      const deep = await h.app.inject({ method: 'GET', url: '/health' });
      expect(deep.statusCode).toBe(503);
      expect(deep.headers['x-request-id']).toBeTruthy();
      expect(json(deep).error).toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('store') });
      expect(json(deep).error.details.checks.store).toMatchObject({ status: 'down', required: true });
    } finally {
      storeUp = true;
    }
  });

  it('/health says the maker funds check is disabled when no chain is connected', async () => {
    const deep = json(await h.app.inject({ method: 'GET', url: '/health' }));
    expect(deep.status).toBe('ok');
    expect(deep.checks['intake.makerFunds']).toMatchObject({ status: 'disabled', required: false });
  });
});

describe('over a real socket', () => {
  it('serves typed-data and a JSON 404 over loopback TCP', async () => {
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const get = (path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = httpRequest(`${address}${path}`, { headers: { 'x-request-id': 'sock-1' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const td = await get('/api/orders/typed-data');
    expect(td.status).toBe(200);
    expect(td.headers['x-request-id']).toBe('sock-1');
    expect(JSON.parse(td.body).primaryType).toBe('Order');
    const missing = await get('/nowhere');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('NOT_FOUND');
  });
});
