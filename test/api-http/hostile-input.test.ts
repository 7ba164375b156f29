/**
 * The class property of the HTTP port, over real sockets: whatever rejects a request (router,
 * content-type parser, body limit, JSON parser, schema, CORS, 404/405, node's HTTP parser, the
 * WebSocket upgrade path), the answer is our JSON error model with a documented code at its
 * documented status, an x-request-id, and no more than ECHO_LIMIT characters of the input.
 * The requests are generated from the app’s own route table, so a new route is covered too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { routeTableOf, type RouteEntry } from '../../src/api/http/app.js';
import { ECHO_LIMIT } from '../../src/api/http/echo.js';
import { WsGateway } from '../../src/api/ws/gateway.js';
import { ERROR_CODES } from '../../src/orders/errors.js';
import { startHarness, type Harness } from './support.js';

/** Statuses an error may have; anything else (a 500 above all) is a finding. */
const ERROR_STATUSES = new Set([400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 503]);
/** 302: the docs UI redirects to its index. */
const SUCCESS_STATUSES = new Set([200, 201, 204, 302]);
const BODY_LIMIT = 8192;

let h: Harness;
let base: string;
let port: number;
let gateway: WsGateway;

beforeAll(async () => {
  h = await startHarness({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT), CORS_ORIGINS: 'https://app.example', RATE_LIMIT_MAX: '1000000' } });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as { port: number }).port;
  // As main.ts does: the WebSocket protocol at /ws of the HTTP port.
  gateway = new WsGateway({ config: h.config, bus: h.bus, logger: h.app.log, metrics: h.metrics, listen: false });
  await gateway.start();
  gateway.attach(h.app.server, '/ws');
});
afterAll(async () => {
  await gateway?.stop();
  await h?.close();
});

interface Seen {
  label: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** What the client sent that must not come back longer than ECHO_LIMIT. */
  input: string[];
}

/** Every window of ECHO_LIMIT + 1 characters of the input (decoded too), deduplicated. */
function echoWindows(input: string[]): Set<string> {
  const out = new Set<string>();
  for (const raw of input) {
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // not decodable: only the raw form can come back
    }
    for (const s of new Set([raw, decoded])) {
      for (let i = 0; i + ECHO_LIMIT < s.length; i++) out.add(s.slice(i, i + ECHO_LIMIT + 1));
    }
  }
  return out;
}

/** What is wrong with one response (empty: nothing). */
function problemsOf(s: Seen): string[] {
  const p: string[] = [];
  const say = (what: string) => p.push(`${s.label}: ${what} [${s.status} ${s.body.slice(0, 160)}]`);
  const id = s.headers['x-request-id'];
  if (!id || !/^[A-Za-z0-9._:-]{1,64}$/.test(id)) say(`x-request-id missing or not sane: ${id}`);
  if (SUCCESS_STATUSES.has(s.status)) return p;
  if (!ERROR_STATUSES.has(s.status)) say('status outside the allowed set');
  if (!/^application\/json/.test(s.headers['content-type'] ?? '')) say(`content-type ${s.headers['content-type']}`);
  if (s.method !== 'HEAD') {
    let body: unknown;
    try {
      body = JSON.parse(s.body);
    } catch {
      say('body is not JSON');
      return p;
    }
    const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
    if (Object.keys(body as object).join() !== 'error' || typeof e?.code !== 'string' || typeof e.message !== 'string') {
      say('not { error: { code, message, details? } }');
      return p;
    }
    const documented = (ERROR_CODES as Record<string, { status: number }>)[e.code];
    if (!documented) say(`undocumented code ${e.code}`);
    else if (documented.status !== s.status) say(`code ${e.code} documented as ${documented.status}`);
  }
  for (const w of echoWindows(s.input)) {
    if (s.body.includes(w)) {
      say(`echoes ${w.length} characters of the input: ${w.slice(0, 20)}…`);
      break;
    }
  }
  return p;
}

async function viaFetch(label: string, path: string, init: RequestInit = {}, input: string[] = [path]): Promise<Seen> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
  const body = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { label, method: init.method ?? 'GET', status: res.status, headers, body, input };
}

/** Sends exact bytes and reads the first response until the server closes (requests say Connection: close). */
function viaSocket(label: string, request: string | Buffer, input: string[]): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    // The server may close while we still write (it refused the request midway): read what came.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`${label}: no HTTP response (${JSON.stringify(text.slice(0, 80))})`));
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = Buffer.from(text.slice(end + 4), 'latin1');
      if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
      const method = (typeof request === 'string' ? request : request.toString('latin1')).split(' ', 1)[0]!;
      resolve({ label, method, status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8'), input });
    });
    socket.write(request);
  });
}

function expectClean(seen: Seen[]): void {
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.flatMap(problemsOf)).toEqual([]);
}

/** Path parameters that are well-formed enough to reach the route. */
const PLAIN_PARAM: Record<string, string> = { orderHash: `0x${'ab'.repeat(32)}`, chain: '31337', id: `0x${'11'.repeat(20)}` };
const JUNK_PARAMS = [
  'A'.repeat(2_000),
  'B'.repeat(99),
  '%zz',
  '%',
  '%E0%A4%A',
  '%00',
  '%F0%9F%92%A9'.repeat(12),
  '..%2F..%2F..%2Fetc%2Fpasswd',
  encodeURIComponent(`<script>alert(1)</script>${'"'.repeat(70)}`),
  `0x${'g'.repeat(64)}`,
];

function fill(url: string, value: (name: string) => string): string {
  return url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? value(seg.slice(1)) : seg === '*' ? value('*') : seg))
    .join('/');
}

function routes(): RouteEntry[] {
  const all = routeTableOf(h.app).filter((r) => !(r.method === 'OPTIONS' && r.url === '*'));
  expect(all.some((r) => r.url === '/api/orders/:orderHash/secret')).toBe(true);
  return all;
}

describe('the cases a hostile-input run found', () => {
  it('a 2,000-character :orderHash → 414 URL_TOO_LONG, no echo', async () => {
    const junk = 'a'.repeat(2_000);
    const seen = await viaFetch('long param', `/api/orders/${junk}`, {}, [junk]);
    expect([seen.status, JSON.parse(seen.body).error.code]).toEqual([414, 'URL_TOO_LONG']);
    expectClean([seen]);
  });

  it('/api/orders/%zz → 400 MALFORMED_URL', async () => {
    const seen = await viaSocket('bad url', 'GET /api/orders/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', []);
    expect([seen.status, JSON.parse(seen.body).error.code]).toEqual([400, 'MALFORMED_URL']);
    expectClean([seen]);
  });

  it('a URL over 16 KiB (?hashes= with 1,000 entries) → 431 HEADERS_TOO_LARGE in JSON with a request id', async () => {
    const hashes = Array.from({ length: 1_000 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`).join(',');
    const seen = await viaSocket(
      '431 url',
      `GET /api/orders?hashes=${hashes} HTTP/1.1\r\nHost: x\r\nx-request-id: trace-431\r\nConnection: close\r\n\r\n`,
      [hashes],
    );
    expect([seen.status, JSON.parse(seen.body).error.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
    expectClean([seen]);
  });

  it('a header block over 16 KiB keeps the client’s request id when it arrives in the refused packet', async () => {
    const seen = await viaSocket(
      '431 header',
      `GET /api/orders HTTP/1.1\r\nHost: x\r\nx-request-id: trace-431b\r\nx-pad: ${'p'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      ['p'.repeat(20_000)],
    );
    expect(seen.status).toBe(431);
    expect(seen.headers['x-request-id']).toBe('trace-431b');
    expectClean([seen]);
  });

  it('a bare OPTIONS → 400 INVALID_PREFLIGHT in JSON; a real preflight still 204', async () => {
    const bare = await viaFetch('bare OPTIONS', '/api/orders', { method: 'OPTIONS' });
    expect([bare.status, JSON.parse(bare.body).error.code]).toEqual([400, 'INVALID_PREFLIGHT']);
    const preflight = await viaFetch('preflight', '/api/orders', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expectClean([bare, preflight]);
  });

  it('a 404 for a 3 kB path repeats at most ECHO_LIMIT characters of it', async () => {
    const path = `/${'x'.repeat(3_000)}`;
    const seen = await viaFetch('404 long', path);
    expect([seen.status, JSON.parse(seen.body).error.code]).toEqual([404, 'NOT_FOUND']);
    expectClean([seen]);
  });

  it('a known path with another method → 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const seen = await viaFetch('405', '/api/orders/typed-data', { method: 'DELETE' });
    expect([seen.status, JSON.parse(seen.body).error.code, seen.headers.allow]).toEqual([405, 'METHOD_NOT_ALLOWED', 'GET, HEAD']);
    expectClean([seen]);
  });
});

describe('every route in the route table', () => {
  it('long, garbled and encoded path parameters', async () => {
    const seen: Seen[] = [];
    for (const r of routes().filter((r) => r.url.includes(':') || r.url.includes('*'))) {
      for (const junk of JUNK_PARAMS) {
        // Each parameter junk in turn, the others plain.
        for (const name of r.url.split('/').filter((s) => s.startsWith(':') || s === '*')) {
          const path = fill(r.url, (n) => (n === name.replace(/^:/, '') ? junk : PLAIN_PARAM[n] ?? 'x'));
          const init: RequestInit = r.method === 'POST' ? { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } } : { method: r.method };
          seen.push(await viaFetch(`${r.method} ${r.url} ${name}=${junk.slice(0, 12)}`, path, init, [junk]));
        }
      }
    }
    expectClean(seen);
  });

  it('hostile query strings', async () => {
    const queries = [
      `${'q'.repeat(3_000)}=1`,
      'limit=%zz',
      `cursor=${'C'.repeat(5_000)}`,
      `maker=${'M'.repeat(300)}`,
      `status=${encodeURIComponent('a b '.repeat(200))}`,
      `status=${'y'.repeat(300)}`,
      `hashes=${Array.from({ length: 150 }, () => `0x${'cd'.repeat(32)}`).join(',')}`,
      Array.from({ length: 500 }, (_, i) => `p${i}=${'v'.repeat(10)}`).join('&'),
      'orderHash=a&orderHash=b&limit=1&limit=2',
      `chain=${'%F0%9F%92%A9'.repeat(100)}`,
      '__proto__[x]=1&constructor[prototype][y]=2',
    ];
    const seen: Seen[] = [];
    for (const r of routes().filter((r) => r.method === 'GET' && !r.url.startsWith('/docs'))) {
      const path = fill(r.url, (n) => PLAIN_PARAM[n] ?? 'x');
      for (const q of queries) seen.push(await viaFetch(`GET ${r.url}?${q.slice(0, 16)}`, `${path}?${q}`, {}, q.split(/[&=]/)));
    }
    expectClean(seen);
  });

  it('methods a path does not serve', async () => {
    const seen: Seen[] = [];
    const paths = new Set(routes().map((r) => fill(r.url, (n) => PLAIN_PARAM[n] ?? 'x')));
    for (const path of paths) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'POST', 'GET', 'PROPFIND']) {
        const init: RequestInit = method === 'GET' ? { method } : { method, body: '{}', headers: { 'content-type': 'application/json' } };
        seen.push(await viaFetch(`${method} ${path}`, path, init, []));
      }
    }
    expectClean(seen);
  });

  it('hostile bodies on every POST route: content types, encodings, sizes, JSON', async () => {
    const deepArray = `${'['.repeat(3_000)}${']'.repeat(3_000)}`;
    const deepObject = `${'{"order":'.repeat(800)}1${'}'.repeat(800)}`;
    const longKey = `{"${'k'.repeat(6_000)}":1}`;
    const bodies: { label: string; body: string | Uint8Array; type?: string; encoding?: string }[] = [
      { label: 'invalid JSON', body: `{"order": ${'x'.repeat(500)}` },
      { label: 'truncated JSON', body: '{"order":{"maker":"0x' },
      { label: 'empty', body: '' },
      { label: 'deep array', body: deepArray },
      { label: 'deep object', body: deepObject },
      { label: 'long key', body: longKey },
      { label: 'many keys', body: JSON.stringify(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, i]))) },
      { label: 'oversize', body: JSON.stringify({ order: { pad: 'z'.repeat(BODY_LIMIT * 2) } }) },
      { label: '__proto__', body: '{"__proto__":{"admin":true},"order":{}}' },
      { label: 'constructor.prototype', body: '{"constructor":{"prototype":{"admin":true}}}' },
      { label: 'string', body: `"${'s'.repeat(1_000)}"` },
      { label: 'number', body: '1e999999' },
      { label: 'null', body: 'null' },
      { label: 'text/plain', body: 'hello', type: 'text/plain' },
      { label: 'form', body: 'order=1&signature=2', type: 'application/x-www-form-urlencoded' },
      { label: 'multipart', body: '--b\r\ncontent-disposition: form-data; name="x"\r\n\r\n1\r\n--b--', type: 'multipart/form-data; boundary=b' },
      { label: 'no content type', body: '{}', type: '' },
      { label: 'junk content type', body: '{}', type: `application/${'j'.repeat(300)}` },
      { label: 'json; charset=utf-16', body: '{}', type: 'application/json; charset=utf-16' },
      { label: 'UTF-16 BOM', body: new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) },
      { label: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
      { label: 'gzip claimed', body: '{}', encoding: 'gzip' },
      { label: 'unknown encoding', body: '{}', encoding: 'x-hostile' },
    ];
    const seen: Seen[] = [];
    for (const r of routes().filter((r) => r.method === 'POST')) {
      const path = fill(r.url, (n) => PLAIN_PARAM[n] ?? 'x');
      for (const b of bodies) {
        const headers: Record<string, string> = {};
        if (b.type !== '') headers['content-type'] = b.type ?? 'application/json';
        if (b.encoding) headers['content-encoding'] = b.encoding;
        const input = typeof b.body === 'string' ? [b.body] : [];
        seen.push(await viaFetch(`POST ${r.url} ${b.label}`, path, { method: 'POST', body: b.body as BodyInit, headers }, input));
      }
    }
    expectClean(seen);
  });

  it('request ids: a sane one is kept, an insane one replaced (never echoed)', async () => {
    const sane = await viaFetch('sane id', '/nope', { headers: { 'x-request-id': 'client-id_1.2:3' } });
    expect(sane.headers['x-request-id']).toBe('client-id_1.2:3');
    const seen = [sane];
    for (const id of ['r'.repeat(65), 'has space', '<script>', 'é']) {
      const s = await viaFetch(`id ${id.slice(0, 10)}`, '/api/orders/typed-data', { headers: { 'x-request-id': id } }, [id]);
      expect(s.headers['x-request-id']).not.toBe(id);
      seen.push(s);
    }
    expectClean(seen);
  });

  it('many headers: within 16 KiB served, beyond it 431', async () => {
    const some = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-h${i}`, 'v'.repeat(100)]));
    const within = await viaFetch('100 headers', '/api/orders/typed-data', { headers: some });
    expect(within.status).toBe(200);
    const many = Array.from({ length: 600 }, (_, i) => `x-h${i}: ${'v'.repeat(40)}\r\n`).join('');
    const over = await viaSocket('600 headers', `GET /api/orders HTTP/1.1\r\nHost: x\r\n${many}Connection: close\r\n\r\n`, []);
    expect(over.status).toBe(431);
    expectClean([within, over]);
  });
});

describe('what node refuses before fastify, and the WebSocket upgrade path', () => {
  it('malformed HTTP is answered in the error model on the raw socket', async () => {
    const cases: [string, string][] = [
      ['garbage', 'HELLO\r\n\r\n'],
      ['unknown method', 'FOO /api/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['bad header name', 'GET /api/orders HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\nConnection: close\r\n\r\n'],
      ['control char in header', 'GET /api/orders HTTP/1.1\r\nHost: x\r\nx-a: a\u0001b\r\nConnection: close\r\n\r\n'],
      ['CL and TE', 'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'],
      ['bad chunk', 'POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
      ['bad version', 'GET /api/orders HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['space in path', 'GET /api/ord ers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['no host', 'GET /api/orders/typed-data HTTP/1.1\r\nConnection: close\r\n\r\n'],
      ['bare OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['HTTP/1.0 long param', `GET /api/orders/${'L'.repeat(2_000)} HTTP/1.0\r\n\r\n`],
      ['absolute URL', `GET http://evil.example/${'E'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ];
    const seen: Seen[] = [];
        // The request target is the input (the method is one of a closed set).
    for (const [label, request] of cases) seen.push(await viaSocket(label, request, [request.split(' ')[1] ?? request]));
    expectClean(seen);
    expect(seen.find((s) => s.label === 'garbage')?.status).toBe(400);
  });

  it('upgrades on the HTTP port: another path, a broken handshake, a wrong method', async () => {
    const upgrade = (method: string, path: string, extra = '') =>
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nx-request-id: ws-trace\r\n${extra}\r\n`;
    const elsewhere = await viaSocket('upgrade elsewhere', upgrade('GET', `/${'w'.repeat(500)}`, 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'), ['w'.repeat(500)]);
    expect([elsewhere.status, JSON.parse(elsewhere.body).error.code, elsewhere.headers['x-request-id']]).toEqual([404, 'NOT_FOUND', 'ws-trace']);
    const noKey = await viaSocket('upgrade without key', upgrade('GET', '/ws', 'Sec-WebSocket-Version: 13\r\n'), []);
    expect([noKey.status, JSON.parse(noKey.body).error.code]).toEqual([400, 'BAD_HANDSHAKE']);
    const badVersion = await viaSocket('upgrade bad version', upgrade('GET', '/ws', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n'), []);
    expect(badVersion.status).toBe(400);
    const post = await viaSocket('upgrade POST', upgrade('POST', '/ws', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n'), []);
    expect(post.status).toBe(405);
    expectClean([elsewhere, noKey, badVersion, post]);
  });
});

describe('while the server closes', () => {
  it('a request that arrives on an open connection after close began → 503 SHUTTING_DOWN in the error model', async () => {
    // A separate app: closing the shared one would end the other tests.
    const other = await startHarness();
    try {
      await other.app.listen({ host: '127.0.0.1', port: 0 });
      const otherPort = (other.app.server.address() as { port: number }).port;
      const socket = connect(otherPort, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // Half a request: the connection is busy, so closing the server does not drop it.
      socket.write('GET /api/orders/typed-data HTTP/1.1\r\nHost: x\r\n');
      const closed = other.app.close();
      await expect.poll(() => other.app.server.listening).toBe(false);
      socket.write('x-request-id: closing-1\r\n\r\n');
      await ended;
      await closed;
      const text = Buffer.concat(chunks).toString('utf8');
      expect(text).toMatch(/^HTTP\/1\.1 503 /);
      expect(text).toMatch(/\r\nx-request-id: closing-1\r\n/i);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('SHUTTING_DOWN');
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
