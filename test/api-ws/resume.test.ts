/**
 * Resumable streams (issue 13 item 4) on one relayer over Postgres: order, escrow and secret
 * events carry an eventId; `subscribe` with `since` replays what was missed, on the requested
 * channels, in order, each once, then the connection is live; bad, future and pruned `since`
 * are refused with nothing applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { RelayerClient } from '../../client/http.js';
import { signCancel, signOrder } from '../../client/sign.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { StreamRepository } from '../../src/store/stream-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { SAMPLE_MAKER, sampleOrder, secretPair } from '../support/sample-order.js';

const API_KEY = 'resume-test-resolver-key-01';
let pgdb: TestPostgres;
let relayer: RunningRelayer;
let api: RelayerClient;

interface Msg {
  type: string;
  seq: number;
  eventId?: string;
  data: Record<string, any>;
}

async function connect(): Promise<{ ws: WebSocket; got: Msg[]; send(m: object): void }> {
  const ws = new WebSocket(relayer.wsUrl);
  const got: Msg[] = [];
  ws.on('message', (raw) => got.push(JSON.parse(raw.toString()) as Msg));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return { ws, got, send: (m) => ws.send(JSON.stringify(m)) };
}

async function submit(): Promise<string> {
  const typed = await api.typedData();
  const o = sampleOrder(Math.floor(Date.now() / 1000));
  return (await api.submit(o, await signOrder(SAMPLE_MAKER, typed, o))).orderHash;
}

const streamed = (got: Msg[]) => got.filter((m) => m.eventId !== undefined);

beforeAll(async () => {
  pgdb = await withPostgres();
  relayer = await startRelayer(
    loadConfig({ DATABASE_URL: pgdb.url, HOST: '127.0.0.1', HTTP_PORT: '0', WS_PORT: '0', DEVNET: 'off', API_KEYS: API_KEY, STREAM_POLL_MS: '100' }),
    { logger: pino({ level: 'silent' }) },
  );
  api = new RelayerClient(relayer.httpUrl);
}, 60_000);
afterAll(async () => {
  await relayer?.stop();
  await pgdb?.drop();
});

describe('subscribe with since', () => {
  it('replays the missed events of the requested channels in order, once, then goes live', async () => {
    const first = await connect();
    first.send({ op: 'subscribe', channels: ['orders'] });
    const a = await submit();
    await expect.poll(() => streamed(first.got).length, { timeout: 15_000 }).toBe(1);
    const lastSeen = streamed(first.got)[0]!;
    expect(lastSeen).toMatchObject({ type: 'order_created', data: { orderHash: a } });
    first.ws.close();

    // Missed while away: two orders and a cancellation.
    const b = await submit();
    const c = await submit();
    const typed = await api.typedData();
    await api.cancel(b, await signCancel(SAMPLE_MAKER, typed, b as `0x${string}`));

    const second = await connect();
    second.send({ op: 'subscribe', channels: ['orders'], since: lastSeen.eventId, id: 1 });
    await expect.poll(() => streamed(second.got).length, { timeout: 15_000 }).toBe(3);
    expect(second.got[0]).toMatchObject({ type: 'subscribed', data: { id: 1, since: lastSeen.eventId, subscriptions: ['orders'] } });
    const replayed = streamed(second.got);
    expect(replayed.map((m) => [m.type, m.data.orderHash, m.data.status])).toEqual([
      ['order_created', b, 'active'],
      ['order_created', c, 'active'],
      ['order_updated', b, 'cancelled'],
    ]);
    const ids = replayed.map((m) => BigInt(m.eventId!));
    expect(ids[0]! > BigInt(lastSeen.eventId!)).toBe(true);
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));

    // Then live, continuing the same numbering.
    const d = await submit();
    await expect.poll(() => streamed(second.got).length, { timeout: 15_000 }).toBe(4);
    const live = streamed(second.got)[3]!;
    expect(live).toMatchObject({ type: 'order_created', data: { orderHash: d } });
    expect(BigInt(live.eventId!) > ids[2]!).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(streamed(second.got)).toHaveLength(4); // nothing twice
    second.ws.close();
  });

  it('replays only the channels asked for; secrets only to an authenticated subscriber', async () => {
    const head = await new StreamRepository(pgdb.database.db).head();
    const x = await submit();
    const y = await submit();
    // A secret reaches the store (as the coordinator would record one seen on chain).
    const { secret } = secretPair();
    await new OrderRepositoryImpl(pgdb.database.db).transition(x as `0x${string}`, ['active'], 'src_escrowed', { type: 'src_escrowed' }, { secret });

    const one = await connect();
    one.send({ op: 'subscribe', channels: [`order:${y}`], since: head.toString() });
    await expect.poll(() => streamed(one.got).length, { timeout: 15_000 }).toBe(1);
    expect(streamed(one.got)[0]).toMatchObject({ type: 'order_created', data: { orderHash: y } });

    one.send({ op: 'subscribe', channels: ['secrets'], since: head.toString() });
    await expect.poll(() => one.got.some((m) => m.type === 'error'), { timeout: 10_000 }).toBe(true);
    expect(one.got.find((m) => m.type === 'error')!.data.code).toBe('UNAUTHORIZED');
    one.send({ op: 'auth', apiKey: API_KEY });
    one.send({ op: 'subscribe', channels: ['secrets'], since: head.toString() });
    await expect.poll(() => one.got.some((m) => m.type === 'secret_shared'), { timeout: 15_000 }).toBe(true);
    expect(one.got.find((m) => m.type === 'secret_shared')).toMatchObject({ data: { orderHash: x, secret } });
    // The secret's order events were on channels this connection did not ask for.
    expect(streamed(one.got).filter((m) => m.data.orderHash === x && m.type !== 'secret_shared')).toEqual([]);
    one.ws.close();
  });

  it('refuses a malformed, unknown or pruned since, applying nothing', async () => {
    const s = await connect();
    s.send({ op: 'subscribe', channels: ['orders'], since: 'abc' });
    s.send({ op: 'subscribe', channels: ['orders'], since: '999999999' });
    await expect.poll(() => s.got.filter((m) => m.type === 'error').length, { timeout: 10_000 }).toBe(2);
    expect(s.got.map((m) => m.data.code)).toEqual(['INVALID_SINCE', 'INVALID_SINCE']);

    const repo = new StreamRepository(pgdb.database.db);
    const before = await repo.head();
    await submit();
    await sql`update stream_events set created_at = now() - interval '48 hours' where id <= ${before.toString()}::bigint`.execute(pgdb.database.db);
    await repo.prune(24 * 3_600_000);
    s.send({ op: 'subscribe', channels: ['orders'], since: '1' });
    await expect.poll(() => s.got.filter((m) => m.type === 'error').length, { timeout: 10_000 }).toBe(3);
    expect(s.got[2]!.data.code).toBe('SINCE_EXPIRED');
    // From the horizon on, it resumes.
    s.send({ op: 'subscribe', channels: ['orders'], since: before.toString() });
    await expect.poll(() => s.got.some((m) => m.type === 'subscribed'), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => streamed(s.got).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(streamed(s.got).map((m) => m.eventId)).toEqual([(await repo.head()).toString()]);
    s.ws.close();
  });
});
