/**
 * Several instances behind a real load balancer (issue 13 items 2, 4, 5): three relayer processes
 * on one Postgres and one Redis behind Debian's nginx running deploy/nginx/nginx.conf.
 *
 * - HTTP and both WebSocket endpoints work through nginx and reach every instance.
 * - Rate limits are shared: per client address (X-Forwarded-For, believed from nginx only) and
 *   per API key, counted once across the three instances; WebSocket connections per address too.
 * - A WebSocket client whose instance is SIGKILLed reconnects through nginx to another one and
 *   resumes from its last event id: every missed event, in order, once.
 *
 * Test clients come from distinct loopback addresses (127.0.0.x) so each has its own budget.
 */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RelayerClient } from '../../client/http.js';
import { signOrder } from '../../client/sign.js';
import { RelayerSocket, type ServerMessage } from '../../client/ws.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { startNginx, type RunningNginx } from '../support/nginx.js';
import { relayerProcess, type RelayerProcess } from '../support/relayer-process.js';
import { SAMPLE_MAKER, sampleOrder } from '../support/sample-order.js';

const API_KEY = 'scale-test-resolver-key-0001';
const PER_IP = 30;
const PER_IP_WS = 3;
let pgdb: TestPostgres;
let instances: RelayerProcess[] = [];
let nginx: RunningNginx;
/** The test's own orders, from 127.0.0.1: well under that address's budget. */
let api: RelayerClient;

beforeAll(async () => {
  pgdb = await withPostgres();
  const env = {
    DATABASE_URL: pgdb.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_CHANNEL_PREFIX: `scale${randomBytes(4).toString('hex')}:`,
    API_KEYS: API_KEY,
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_MAX: String(PER_IP),
    RATE_LIMIT_KEY_MAX: '100000',
    RATE_LIMIT_WINDOW_MS: '600000',
    WS_MAX_CONNECTIONS_PER_IP: String(PER_IP_WS),
    STREAM_POLL_MS: '200',
  };
  instances = await Promise.all(['a', 'b', 'c'].map((n) => relayerProcess(n, env)));
  for (const i of instances) i.start();
  await Promise.all(instances.map((i) => i.ready()));
  nginx = await startNginx(instances);
  api = new RelayerClient(nginx.httpUrl, { apiKey: API_KEY });
}, 300_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((i) => i.kill('SIGTERM')));
  await pgdb?.drop();
});

/** One GET from a chosen loopback address (the client address nginx sees). */
function get(url: string, from: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: from, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function submitThroughNginx(): Promise<string> {
  const typed = await api.typedData();
  const o = sampleOrder(Math.floor(Date.now() / 1000));
  return (await api.submit(o, await signOrder(SAMPLE_MAKER, typed, o))).orderHash;
}

function openWs(url: string, from: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress: from });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

async function wsConnectionsOf(i: RelayerProcess): Promise<number> {
  const health = (await (await fetch(`${i.httpUrl}/health`)).json()) as { checks: { websocket: { details: { connections: number } } } };
  return health.checks.websocket.details.connections;
}

describe('three relayers behind nginx', () => {
  it('serves HTTP and both WebSocket endpoints through nginx, from every instance', async () => {
    const leaders = new Set<boolean>();
    for (let k = 0; k < 9; k++) {
      const r = await get(`${nginx.httpUrl}/health`, '127.0.0.1', { 'x-api-key': API_KEY });
      expect(r.status).toBe(200);
      leaders.add((JSON.parse(r.body) as { checks: { leadership: { details: { leader: boolean } } } }).checks.leadership.details.leader);
    }
    expect([...leaders].sort()).toEqual([false, true]); // the leader and standbys all answered

    const received: Record<string, ServerMessage[]> = { http: [], ws: [] };
    const clients = [
      new RelayerSocket(`${nginx.httpUrl.replace('http', 'ws')}/ws`, { onMessage: (m) => received.http!.push(m) }),
      new RelayerSocket(nginx.wsUrl, { onMessage: (m) => received.ws!.push(m) }),
    ];
    await Promise.all(clients.map((c) => c.ready()));
    for (const c of clients) c.subscribe('orders');
    await expect.poll(() => received.http!.some((m) => m.type === 'subscribed') && received.ws!.some((m) => m.type === 'subscribed'), { timeout: 15_000 }).toBe(true);
    const orderHash = await submitThroughNginx();
    for (const side of ['http', 'ws']) {
      await expect.poll(() => received[side]!.find((m) => m.type === 'order_created' && m.data.orderHash === orderHash)?.eventId, { timeout: 20_000 }).toMatch(/^\d+$/);
    }
    for (const c of clients) c.close();
  });

  it('counts the public rate limit per client address across instances, and resolvers per API key', async () => {
    const from = '127.0.0.2';
    const statuses: number[] = [];
    for (let k = 0; k < PER_IP + 6; k++) statuses.push((await get(`${nginx.httpUrl}/api/orders?limit=1`, from)).status);
    // Three instances counting alone would have let 3 × PER_IP through.
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_IP);
    expect(statuses.slice(PER_IP).every((s) => s === 429)).toBe(true);
    // A forged X-Forwarded-For does not buy a new budget (nginx replaces the header).
    expect((await get(`${nginx.httpUrl}/api/orders?limit=1`, from, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(429);
    // Another address has its own budget; a resolver's key is counted on its own.
    expect((await get(`${nginx.httpUrl}/api/orders?limit=1`, '127.0.0.3')).status).toBe(200);
    expect((await get(`${nginx.httpUrl}/api/orders?limit=1`, from, { 'x-api-key': API_KEY })).status).toBe(200);
    // A made-up key is just another anonymous request from that address.
    expect((await get(`${nginx.httpUrl}/api/orders?limit=1`, from, { 'x-api-key': 'not-a-configured-key-000' })).status).toBe(429);
    // Straight to an instance, X-Forwarded-For from a peer that is not the trusted proxy is ignored.
    const direct = instances[0]!.httpUrl;
    const fromUntrusted = '127.0.0.4';
    let ok = 0;
    for (let k = 0; k < PER_IP + 2; k++) {
      if ((await get(`${direct}/api/orders?limit=1`, fromUntrusted, { 'x-forwarded-for': `198.51.100.${k}` })).status === 200) ok++;
    }
    expect(ok).toBe(PER_IP);
  });

  it('limits WebSocket connections per client address across instances and endpoints', async () => {
    const from = '127.0.0.5';
    const httpWs = `${nginx.httpUrl.replace('http', 'ws')}/ws`;
    const open: WebSocket[] = [];
    for (let k = 0; k < PER_IP_WS; k++) open.push(await openWs(k % 2 === 0 ? nginx.wsUrl : httpWs, from));
    // Spread over instances by nginx, yet counted together.
    const counts = await Promise.all(instances.map(wsConnectionsOf));
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1);
    await expect(openWs(nginx.wsUrl, from)).rejects.toMatchObject({ status: 429 });
    await expect(openWs(httpWs, from)).rejects.toMatchObject({ status: 429 });
    expect((await openWs(nginx.wsUrl, '127.0.0.6').then((ws) => (ws.close(), 'open')))).toBe('open');
    // A closed connection frees its slot.
    open.pop()!.close();
    await expect
      .poll(async () => openWs(nginx.wsUrl, from).then((ws) => (open.push(ws), 'open'), (err: { status?: number }) => err.status ?? 0), { timeout: 15_000, interval: 250 })
      .toBe('open');
    for (const ws of open) ws.close();
  });

  it('a client whose instance dies resumes through nginx on another, missing nothing and getting nothing twice', async () => {
    const got: ServerMessage[] = [];
    let gaps = 0;
    const client = new RelayerSocket(nginx.wsUrl, { onMessage: (m) => got.push(m), onGap: () => gaps++, maxBackoffMs: 1_000 });
    await client.ready();
    client.subscribe('orders');
    const before = await submitThroughNginx();
    await expect.poll(() => got.some((m) => m.type === 'order_created' && m.data.orderHash === before), { timeout: 20_000 }).toBe(true);

    // Kill the instance holding the connection.
    const counts = await Promise.all(instances.map(wsConnectionsOf));
    const victim = instances[counts.findIndex((n) => n > 0)]!;
    await victim.kill('SIGKILL');
    const missed: string[] = [];
    for (let k = 0; k < 3; k++) missed.push(await submitThroughNginx());

    await expect
      .poll(() => missed.every((h) => got.some((m) => m.type === 'order_created' && m.data.orderHash === h)), { timeout: 60_000, interval: 250 })
      .toBe(true);
    const after = await submitThroughNginx();
    await expect.poll(() => got.some((m) => m.type === 'order_created' && m.data.orderHash === after), { timeout: 20_000 }).toBe(true);
    client.close();

    const events = got.filter((m) => m.eventId !== undefined);
    const ids = events.map((m) => BigInt(m.eventId!));
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1))); // in order
    expect(events.filter((m) => m.type === 'order_created').map((m) => m.data.orderHash)).toEqual([before, ...missed, after]);
    expect(gaps).toBe(0);
    // The victim comes back and serves again.
    victim.start();
    await victim.ready();
  });
});
