/**
 * Tracing (issue 15 item 4), on the real wiring of main.ts: a relayer on a fresh Postgres, an
 * in-memory span exporter, a real WS client and a real HTTP request. One order's spans must form
 * one trace — intake → bus publish → the coordinator's transition (later, from chain events)
 * → bus publish → WS send — and the log lines of that work must carry the request id and the
 * trace id. The trace context must also cross Redis, and with no exporter nothing is recorded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/bus/redis.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { activeRequestId, inSpan, startTracing, withRequestId, type Tracing } from '../../src/observability/tracing.js';
import { storeOn } from '../../src/store/index.js';
import { escrowEventsFor, makeOrder, newMaker, submission } from '../api-http/support.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger>; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  return { lines, logger, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function relayerOn(pg: TestPostgres, logger: ReturnType<typeof createLogger>, env: Record<string, string> = {}): Promise<RunningRelayer> {
  const relayer = await startRelayer(
    loadConfig({ HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg.url, DEVNET: 'off', ...env }),
    { logger },
  );
  cleanups.push(() => relayer.stop());
  return relayer;
}

async function wsClient(url: string): Promise<{ messages: { type: string; data: any }[] }> {
  const ws = new WebSocket(url);
  const messages: { type: string; data: any }[] = [];
  ws.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  cleanups.push(async () => void ws.close());
  ws.send(JSON.stringify({ op: 'subscribe', channels: ['orders'] }));
  await expect.poll(() => messages.some((m) => m.type === 'subscribed'), { timeout: 30_000 }).toBe(true);
  return { messages };
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('tracing', () => {
  it('one trace from POST /api/orders through the bus, the coordinator transition and the WS send; logs carry the request id', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing(loadConfig({}).tracing, { exporter });
    cleanups.push(() => tracing.shutdown());
    expect(tracing.recording).toBe(true);
    const pg = await withPostgres({ migrate: false });
    cleanups.push(() => pg.drop());
    const log = capture();
    const relayer = await relayerOn(pg, log.logger);
    const client = await wsClient(relayer.wsUrl);

    const maker = newMaker();
    const now = Math.floor(Date.now() / 1000);
    const order = makeOrder(maker, now);
    const reqId = 'trace-test-request-1';
    const res = await fetch(`${relayer.httpUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': reqId },
      body: JSON.stringify(await submission(maker, order)),
    });
    expect(res.status).toBe(201);
    const { orderHash } = (await res.json()) as { orderHash: `0x${string}` };

    // A resolver fills: both escrows on chain and final, as the monitors would store them. The
    // coordinator (leader duty of this relayer) picks them up and moves the order.
    const store = storeOn(pg.database);
    const { src, dst } = escrowEventsFor(orderHash, order, now);
    for (const e of [src, dst]) {
      await store.chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, observed: [e], finalized: [e.id] });
    }
    await expect
      .poll(() => client.messages.some((m) => m.type === 'order_updated' && m.data.orderHash === orderHash), { timeout: 60_000 })
      .toBe(true);

    let spans: ReadableSpan[] = [];
    await expect
      .poll(
        () => {
          spans = exporter.getFinishedSpans();
          return named(spans, 'ws send order_updated').length > 0 && named(spans, 'POST /api/orders').length > 0;
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    const http = named(spans, 'POST /api/orders')[0]!;
    const traceId = http.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    expect(http.attributes['http.request.id']).toBe(reqId);
    expect(http.attributes['http.response.status_code']).toBe(201);

    // intake ← HTTP; publish(created) ← intake; ws send order_created ← publish(created)
    const intake = named(inTrace, 'order intake')[0]!;
    expect(parentOf(intake)).toBe(http.spanContext().spanId);
    expect(intake.attributes['order.hash']).toBe(orderHash);
    const publishes = named(inTrace, 'publish orders');
    const publishCreated = publishes.find((p) => parentOf(p) === intake.spanContext().spanId)!;
    expect(publishCreated).toBeDefined();
    expect(named(inTrace, 'ws send order_created').some((w) => parentOf(w) === publishCreated.spanContext().spanId)).toBe(true);

    // transition ← intake (from the context stored with the order); publish(updated) ← transition; ws send ← publish
    const transitions = named(inTrace, 'order transition');
    expect(transitions.length).toBeGreaterThan(0);
    const first = transitions.find((t) => t.attributes['order.status.from'] === 'active')!;
    expect(first.attributes).toMatchObject({ 'order.hash': orderHash, 'order.status.to': 'src_escrowed' });
    expect(parentOf(first)).toBe(intake.spanContext().spanId);
    const publishUpdated = publishes.find((p) => parentOf(p) === first.spanContext().spanId)!;
    expect(publishUpdated).toBeDefined();
    const wsSend = named(inTrace, 'ws send order_updated').find((w) => parentOf(w) === publishUpdated.spanContext().spanId)!;
    expect(wsSend).toBeDefined();
    expect(wsSend.attributes['ws.recipients']).toBe(1);

    // Log lines of that work: the request line and the coordinator's transition line (written
    // by another part, later, with no request around) carry the request id and the trace id.
    const records = log.records();
    const requestLine = records.find((r) => r.msg === 'request' && r.route === '/api/orders' && r.method === 'POST')!;
    expect(requestLine).toMatchObject({ reqId, trace_id: traceId });
    expect(Object.keys(JSON.parse(log.lines[records.indexOf(requestLine)]!)).filter((k) => k === 'reqId')).toHaveLength(1);
    const transitionLine = records.find((r) => r.msg === 'order transition' && r.orderHash === orderHash && r.from === 'active')!;
    expect(transitionLine).toMatchObject({ reqId, trace_id: traceId, span_id: first.spanContext().spanId });
  });

  it('carries the trace context and the request id across Redis to another instance', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing(loadConfig({}).tracing, { exporter });
    cleanups.push(() => tracing.shutdown());
    const prefix = `trace-test-${process.pid}-${Date.now()}:`;
    const logger = createLogger({ level: 'silent' });
    const a = new RedisBus({ url: 'redis://127.0.0.1:6379', channelPrefix: prefix, logger });
    const b = new RedisBus({ url: 'redis://127.0.0.1:6379', channelPrefix: prefix, logger });
    cleanups.push(async () => void (await Promise.all([a.stop(), b.stop()])));
    await Promise.all([a.start(), b.start()]);
    const seen: { traceId?: string; reqId?: string }[] = [];
    b.subscribe('orders', () => seen.push({ traceId: trace.getActiveSpan()?.spanContext().traceId, reqId: activeRequestId() }));

    let published = '';
    await context.with(withRequestId(context.active(), 'redis-request-7'), () =>
      inSpan('publisher', {}, async (span) => {
        published = span.spanContext().traceId;
        await a.publish('orders', {
          kind: 'updated',
          data: { orderHash: '0x01', maker: '0x02', status: 'executed', previousStatus: 'secret_revealed', at: new Date().toISOString() },
        });
      }),
    );
    await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(1);
    expect(seen[0]).toEqual({ traceId: published, reqId: 'redis-request-7' });
  });

  it('without an exporter records nothing, and log lines still carry the request id', async () => {
    const tracing = startTracing(loadConfig({}).tracing);
    cleanups.push(() => tracing.shutdown());
    expect(tracing.recording).toBe(false);
    const pg = await withPostgres({ migrate: false });
    cleanups.push(() => pg.drop());
    const log = capture();
    const relayer = await relayerOn(pg, log.logger);
    const maker = newMaker();
    const res = await fetch(`${relayer.httpUrl}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'untraced-1' },
      body: JSON.stringify(await submission(maker, makeOrder(maker, Math.floor(Date.now() / 1000)))),
    });
    expect(res.status).toBe(201);
    await expect.poll(() => log.records().find((r) => r.msg === 'request' && r.reqId === 'untraced-1'), { timeout: 30_000 }).toBeDefined();
    const line = log.records().find((r) => r.msg === 'request' && r.reqId === 'untraced-1')!;
    expect(line.trace_id).toBeUndefined();
    const stored = await storeOn(pg.database).orders.get(((await res.json()) as { orderHash: `0x${string}` }).orderHash);
    // Only the request id is kept: there is no trace to continue.
    expect(stored?.traceContext).toEqual({ baggage: 'request.id=untraced-1' });
  });

  // No OpenTelemetry collector runs on this machine: a plain HTTP server stands in for its
  // OTLP/HTTP receiver, to prove the OTEL_* variables reach the exporter (URL, headers, protocol).
  for (const protocol of ['http/json', 'http/protobuf'] as const) {
    it(`exports over OTLP/HTTP (${protocol}) as the OTEL_* variables say`, async () => {
      const received: { path: string; headers: Record<string, unknown>; body: Buffer }[] = [];
      const collector = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end(protocol === 'http/json' ? '{}' : '');
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => collector.close(() => resolve())));
      const port = (collector.address() as AddressInfo).port;
      const config = loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
        OTEL_SERVICE_NAME: 'relayer-under-test',
      });
      const tracing = startTracing(config.tracing);
      expect(tracing.recording).toBe(true);
      await inSpan('exported-span', {}, async () => undefined);
      await tracing.shutdown(); // flushes the batch

      expect(received).toHaveLength(1);
      const [req] = received;
      expect(req!.path).toBe('/v1/traces');
      expect(req!.headers.authorization).toBe('Bearer collector-token');
      expect(req!.headers['content-type']).toBe(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
      // Protobuf strings are plain UTF-8 on the wire, so both encodings show the names.
      expect(req!.body.includes('exported-span')).toBe(true);
      expect(req!.body.includes('relayer-under-test')).toBe(true);
    });
  }
});
