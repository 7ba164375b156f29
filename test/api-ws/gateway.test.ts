/** The WebSocket protocol end to end: real `ws` clients on loopback against the gateway. */
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, startGateway, TestClient, type TestGateway } from './support/index.js';
import { created, escrowCreated, HASH_A, HASH_B, MAKER_X, MAKER_Y, updated } from './support/events.js';

describe('WsGateway protocol', () => {
  let g: TestGateway;
  const clients: TestClient[] = [];
  const connect = async (opts = {}) => {
    const c = await TestClient.connect(g.url, opts);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await g?.stop();
  });

  it('acknowledges subscribe and unsubscribe with the canonical channel names, answers ping, seq strictly increasing', async () => {
    g = await startGateway();
    const c = await connect();
    const sub = await c.subscribe('orders', `order:${HASH_A.toUpperCase().replace('0X', '0x')}`, `maker:${MAKER_X}`);
    expect(sub.type).toBe('subscribed');
    expect(sub.data.channels).toEqual(['orders', `order:${HASH_A}`, `maker:${MAKER_X.toLowerCase()}`]);
    expect(sub.data.subscriptions).toEqual(sub.data.channels);
    const unsub = await c.request({ op: 'unsubscribe', channels: ['orders'] });
    expect(unsub.type).toBe('unsubscribed');
    expect(unsub.data).toMatchObject({ channels: ['orders'], subscriptions: [`order:${HASH_A}`, `maker:${MAKER_X.toLowerCase()}`] });
    const pong = await c.request({ op: 'ping' });
    expect(pong.type).toBe('pong');
    expect(typeof pong.ts).toBe('number');
    await g.bus.publish('orders', created(HASH_A, MAKER_X));
    const all = await c.drain();
    const seqs = c.received.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(all.map((m) => m.type)).toEqual(['subscribed', 'unsubscribed', 'order_created']);
    // Unsubscribed from `orders`, but still on order:A and maker:X: the event came once.
  });

  it('filters live events per channel: order:A never sees B, maker:X only X, orders sees all', async () => {
    g = await startGateway();
    const [onA, onB, onX, onAll, onNothing] = await Promise.all([connect(), connect(), connect(), connect(), connect()]);
    await onA.subscribe(`order:${HASH_A}`);
    await onB.subscribe(`order:${HASH_B}`);
    await onX.subscribe(`maker:${MAKER_X.toLowerCase()}`);
    await onAll.subscribe('orders');

    await g.bus.publish('orders', created(HASH_A, MAKER_X));
    await g.bus.publish('orders', created(HASH_B, MAKER_Y));
    await g.bus.publish('orders', updated(HASH_A, MAKER_X, 'active', 'src_escrowed'));
    await g.bus.publish('orders', updated(HASH_B, MAKER_Y, 'active', 'cancelled'));

    const events = async (c: TestClient) =>
      (await c.drain()).filter((m) => m.type.startsWith('order_')).map((m) => `${m.type}:${m.data.orderHash.slice(2, 4)}`);
    expect(await events(onA)).toEqual(['order_created:aa', 'order_updated:aa']);
    expect(await events(onB)).toEqual(['order_created:bb', 'order_updated:bb']);
    expect(await events(onX)).toEqual(['order_created:aa', 'order_updated:aa']);
    expect(await events(onAll)).toEqual(['order_created:aa', 'order_created:bb', 'order_updated:aa', 'order_updated:bb']);
    expect(await events(onNothing)).toEqual([]);

    const upd = onA.received.find((m) => m.type === 'order_updated')!;
    expect(upd.data).toMatchObject({ orderHash: HASH_A, maker: MAKER_X, status: 'src_escrowed', previousStatus: 'active' });
    const crt = onAll.received.find((m) => m.type === 'order_created')!;
    expect(crt.data.order.makingAmount).toBe('1000000000000000000');
    expect(crt.data.signature).toBe(`0x${'cd'.repeat(65)}`);
    const sent = await g.metrics.wsMessagesSent.get();
    // order_created: A, X and all got A's; B and all got B's.
    expect(sent.values.find((v) => v.labels.type === 'order_created')!.value).toBe(5);
  });

  it('routes Cardano-source orders by their bech32 maker', async () => {
    g = await startGateway();
    const cardanoMaker = 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae';
    const [mine, other] = await Promise.all([connect(), connect()]);
    expect((await mine.subscribe(`maker:${cardanoMaker}`)).data.channels).toEqual([`maker:${cardanoMaker}`]);
    await other.subscribe(`maker:${MAKER_X}`);
    await g.bus.publish('orders', updated(HASH_A, cardanoMaker, 'active', 'cancelled'));
    expect((await mine.drain()).filter((m) => m.type === 'order_updated').length).toBe(1);
    expect((await other.drain()).filter((m) => m.type === 'order_updated').length).toBe(0);
  });

  it('routes escrow events to escrows and order:<hash> with bigints as decimal strings', async () => {
    g = await startGateway();
    const [escrows, onA, onB] = await Promise.all([connect(), connect(), connect()]);
    await escrows.subscribe('escrows');
    await onA.subscribe(`order:${HASH_A}`);
    await onB.subscribe(`order:${HASH_B}`);
    const amount = 2n ** 80n + 7n;
    await g.bus.publish('chain', escrowCreated(HASH_A, amount));
    const [e1] = (await escrows.drain()).filter((m) => m.type === 'escrow_event');
    const [e2] = (await onA.drain()).filter((m) => m.type === 'escrow_event');
    expect((await onB.drain()).filter((m) => m.type === 'escrow_event')).toEqual([]);
    expect(e1!.data).toEqual(e2!.data);
    expect(e1!.data.status).toBe('observed');
    expect(e1!.data.event).toMatchObject({ type: 'escrow_created', orderHash: HASH_A, amount: amount.toString(), blockNumber: '17' });
  });

  it('refuses the secrets channel without a valid API key and delivers secrets only to authenticated subscribers', async () => {
    g = await startGateway();
    const [resolver, anonymous, orderWatcher] = await Promise.all([connect(), connect(), connect()]);
    const refused = await anonymous.subscribe('secrets');
    expect(refused.type).toBe('error');
    expect(refused.data).toMatchObject({ code: 'UNAUTHORIZED', channels: ['secrets'] });
    const wrongKey = await anonymous.request({ op: 'auth', apiKey: 'not-a-key-but-long-enough' });
    expect(wrongKey.data.code).toBe('UNAUTHORIZED');
    expect(JSON.stringify(wrongKey)).not.toContain('not-a-key-but-long-enough');
    expect((await anonymous.subscribe('secrets')).data.code).toBe('UNAUTHORIZED');

    expect((await resolver.request({ op: 'auth', apiKey: API_KEY })).type).toBe('authenticated');
    expect((await resolver.subscribe('secrets')).type).toBe('subscribed');
    await orderWatcher.subscribe(`order:${HASH_A}`, 'orders');

    const secret = `0x${'77'.repeat(32)}`;
    await g.bus.publish('secrets', { orderHash: HASH_A, maker: MAKER_X, secret });
    await g.bus.publish('orders', updated(HASH_A, MAKER_X, 'ready_for_secret', 'secret_revealed'));
    const shared = (await resolver.drain()).filter((m) => m.type === 'secret_shared');
    expect(shared.map((m) => m.data)).toEqual([{ orderHash: HASH_A, maker: MAKER_X, secret }]);
    for (const c of [anonymous, orderWatcher]) {
      const got = await c.drain();
      expect(got.some((m) => m.type === 'secret_shared' || JSON.stringify(m).includes(secret.slice(2)))).toBe(false);
    }
    expect((await orderWatcher.drain()).filter((m) => m.type === 'order_updated').map((m) => m.data.status)).toEqual(['secret_revealed']);

    // A public withdrawal carries the secret too: resolvers only.
    const action = {
      orderHash: HASH_A, chain: 'cardano:devnet', side: 'dst' as const, action: 'withdraw' as const, escrow: `${'ab'.repeat(32)}#0`,
      opensAt: 1_800_000_300, closesAt: 1_800_000_700, secret, immutables: null,
    };
    await g.bus.publish('actions', action);
    await g.bus.publish('orders', updated(HASH_A, MAKER_X, 'secret_revealed', 'executed'));
    expect((await resolver.drain()).filter((m) => m.type === 'public_action').map((m) => m.data)).toEqual([action]);
    for (const c of [anonymous, orderWatcher]) {
      expect((await c.drain()).some((m) => m.type === 'public_action' || JSON.stringify(m).includes(secret.slice(2)))).toBe(false);
    }
    expect(g.gateway.status()).toMatchObject({ connections: 3, authenticated: 1 });
  });

  it('answers invalid JSON, unknown ops, bad shapes and bad channels with error codes, and applies nothing', async () => {
    g = await startGateway();
    const c = await connect();
    c.send('{not json');
    expect((await c.next()).data.code).toBe('INVALID_JSON');
    c.ws.send(Buffer.from('{"op":"ping"}'), { binary: true });
    expect((await c.next()).data.code).toBe('INVALID_JSON');
    expect((await c.request({ op: 'frobnicate' })).data.code).toBe('UNKNOWN_OP');
    c.send('[1,2]');
    expect((await c.next()).data.code).toBe('INVALID_MESSAGE');
    expect((await c.request({ op: 'subscribe' })).data.code).toBe('INVALID_MESSAGE');
    expect((await c.request({ op: 'subscribe', channels: [] })).data.code).toBe('INVALID_MESSAGE');
    for (const bad of ['order:0x1234', `order:${'aa'.repeat(32)}`, 'maker:0xnothex', 'maker:0x12', 'everything', 'ORDERS']) {
      const err = await c.subscribe('orders', bad);
      expect(err.type, bad).toBe('error');
      expect(err.data).toMatchObject({ code: 'INVALID_CHANNEL', channels: [bad] });
    }
    const ok = await c.subscribe('prices');
    expect(ok.data.subscriptions).toEqual(['prices']); // the failed requests subscribed nothing
    const received = await g.metrics.wsMessagesReceived.get();
    expect(received.values.find((v) => v.labels.op === 'invalid')!.value).toBeGreaterThanOrEqual(3);
  });

  it('limits subscriptions per connection', async () => {
    g = await startGateway({ maxSubscriptions: 3 });
    const c = await connect();
    expect((await c.subscribe('orders', 'prices')).type).toBe('subscribed');
    const tooMany = await c.subscribe('escrows', `order:${HASH_A}`);
    expect(tooMany.data.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect((await c.subscribe('orders', 'escrows')).data.subscriptions).toEqual(['orders', 'prices', 'escrows']);
    expect((await c.subscribe('orders', 'prices', 'escrows', `order:${HASH_A}`)).data.code).toBe('TOO_MANY_SUBSCRIPTIONS');
  });

  it('closes with 1009 on a message larger than the limit', async () => {
    g = await startGateway({ maxMessageBytes: 1024 });
    const c = await connect();
    c.send({ op: 'subscribe', channels: ['orders'], padding: 'x'.repeat(2048) });
    expect((await c.closed).code).toBe(1009);
  });

  it('closes with 1008 after repeated invalid messages', async () => {
    g = await startGateway({}, { maxInvalidMessages: 3 });
    const c = await connect();
    for (let i = 0; i < 5; i++) c.send('nope');
    expect((await c.closed).code).toBe(1008);
    expect(c.received.filter((m) => m.data.code === 'INVALID_JSON').length).toBe(4);
  });

  it('refuses connections beyond maxConnections with HTTP 503', async () => {
    g = await startGateway({ maxConnections: 2 });
    await connect();
    await connect();
    await expect(connect()).rejects.toThrow('HTTP 503');
    expect(g.gateway.status().connections).toBe(2);
  });

  it('stop() closes every client with 1001, is idempotent, and refuses new connections', async () => {
    g = await startGateway();
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.subscribe('orders');
    const url = g.url;
    await Promise.all([g.gateway.stop(), g.gateway.stop()]);
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(g.gateway.status()).toMatchObject({ connections: 0, listening: false });
    await expect(TestClient.connect(url)).rejects.toThrow();
    const disconnects = await g.metrics.wsDisconnects.get();
    expect(disconnects.values.find((v) => v.labels.reason === 'shutdown')!.value).toBe(2);
    expect((await g.metrics.wsConnections.get()).values[0]!.value).toBe(0);
  });
});
