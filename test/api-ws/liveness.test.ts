/** Connection health: heartbeats, dead peers, slow consumers; and serving /ws on another server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import { WsGateway } from '../../src/api/ws/gateway.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startGateway, TestClient, wsConfig, type TestGateway } from './support/index.js';
import { created, escrowCreated, HASH_A, MAKER_X } from './support/events.js';

const counter = async (g: TestGateway, reason: string) =>
  (await g.metrics.wsDisconnects.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('WsGateway liveness', () => {
  let g: TestGateway | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await g?.stop();
    g = undefined;
  });
  const connect = async (url: string, opts = {}) => {
    const c = await TestClient.connect(url, opts);
    clients.push(c);
    return c;
  };

  it('terminates a peer that stops answering pings after two missed pongs, and keeps a healthy one', async () => {
    g = await startGateway({ heartbeatMs: 300 });
    const healthy = await connect(g.url);
    const dead = await connect(g.url, { autoPong: false });
    // The dead peer is cut without a close handshake: its side sees an abnormal closure.
    expect((await dead.closed).code).toBe(1006);
    expect(await counter(g, 'heartbeat_timeout')).toBe(1);
    // Meanwhile the healthy client got the application heartbeat and is still served.
    expect(healthy.received.filter((m) => m.type === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect((await healthy.request({ op: 'ping' })).type).toBe('pong');
    expect(g.gateway.status().connections).toBe(1);
  });

  it('closes a client that does not read with 1013 once its send buffer passes the limit, without slowing the others', async () => {
    g = await startGateway({ sendBufferLimitBytes: 64 * 1024 });
    const fast = await connect(g.url);
    const slow = await connect(g.url);
    await fast.subscribe('escrows');
    await slow.subscribe('escrows');
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's send buffer grows

    let published = 0;
    while ((await counter(g, 'slow_consumer')) === 0) {
      if (published > 200_000) throw new Error('the slow consumer was never dropped');
      // Small batches (well under the limit), yielding so the fast client can read.
      for (let i = 0; i < 16; i++, published++) await g.bus.publish('chain', escrowCreated(HASH_A, BigInt(published)));
      await new Promise((r) => setImmediate(r));
    }
    expect(g.gateway.status().connections).toBe(2); // closing, not yet closed: it has not read the close frame
    slow.ws.resume();
    expect((await slow.closed).code).toBe(1013);

    const got = (await fast.drain()).filter((m) => m.type === 'escrow_event');
    expect(got.length).toBe(published);
    expect(got.map((m) => m.data.event.amount)).toEqual(Array.from({ length: published }, (_, i) => String(i)));
    expect(await counter(g, 'slow_consumer')).toBe(1);
  });
});

describe('WsGateway attached to an HTTP server at /ws', () => {
  let server: Server;
  let gateway: WsGateway;
  let bus: InProcessBus;
  afterEach(async () => {
    await gateway.stop();
    await bus.stop();
    await new Promise((r) => server.close(r));
  });

  it('serves the protocol on /ws of the HTTP port, refuses other paths, and stop() leaves the HTTP server up', async () => {
    bus = new InProcessBus();
    gateway = new WsGateway({
      config: wsConfig(),
      bus,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }),
      listen: false,
    });
    server = createServer((_req, res) => res.end('http ok'));
    gateway.attach(server, '/ws');
    await gateway.start();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(gateway.status()).toMatchObject({ listening: false, port: null });

    const c = await TestClient.connect(`${base}/ws?client=test`);
    await c.subscribe('orders');
    await bus.publish('orders', created(HASH_A, MAKER_X));
    expect((await c.drain()).map((m) => m.type)).toEqual(['subscribed', 'order_created']);
    await expect(TestClient.connect(`${base}/elsewhere`)).rejects.toThrow('HTTP 404');

    await gateway.stop();
    expect((await c.closed).code).toBe(1001);
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await res.text()).toBe('http ok');
  });
});

describe('WsGateway attached to a fastify app (as main wires it)', () => {
  it('serves /ws next to the HTTP routes', async () => {
    const app = Fastify();
    app.get('/health/live', async () => ({ status: 'ok' }));
    const bus = new InProcessBus();
    const gateway = new WsGateway({
      config: wsConfig(),
      bus,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }),
      listen: false,
    });
    await gateway.start();
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateway.attach(app.server, '/ws');
    const port = (app.server.address() as AddressInfo).port;
    try {
      const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
      await c.subscribe(`order:${HASH_A}`);
      await bus.publish('orders', created(HASH_A, MAKER_X));
      expect((await c.drain()).map((m) => m.type)).toEqual(['subscribed', 'order_created']);
      expect(await (await fetch(`http://127.0.0.1:${port}/health/live`)).json()).toEqual({ status: 'ok' });
      await gateway.stop();
      expect((await c.closed).code).toBe(1001);
    } finally {
      await gateway.stop();
      await app.close();
      await bus.stop();
    }
  });
});
