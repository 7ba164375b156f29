/** price_update end to end: store-loaded book → ticker (controlled clock) → bus → gateway → clients. */
import { afterEach, describe, expect, it } from 'vitest';
import { ActiveOrderBookImpl } from '../../src/auction/book.js';
import { PriceTicker } from '../../src/auction/ticker.js';
import { auctionAmount } from '../../src/domain/auction.js';
import type { Hex } from '../../src/domain/order.js';
import { createLogger } from '../../src/observability/logger.js';
import type { StoredOrder } from '../../src/orders/ports.js';
import { NOW, validOrder } from '../domain/support.js';
import { startGateway, TestClient, type TestGateway } from './support/index.js';

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

function stored(n: number): StoredOrder {
  const order = validOrder();
  order.auction = { ...order.auction, startTime: NOW + n * 10 };
  return { orderHash: hash(n), order, signature: null, lockedOutput: null, status: 'active', secret: null, createdAt: new Date(n * 1000), updatedAt: new Date(n * 1000) };
}

describe('price_update over WebSocket', () => {
  let g: TestGateway;
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await g.stop();
  });

  it('sends prices subscribers one message per tick with every order at the auction price; order:<h> gets only its own', async () => {
    g = await startGateway();
    const orders = [stored(1), stored(2), stored(3)];
    let clock = NOW + 5;
    const logger = createLogger({ level: 'silent' });
    // The store port, served from memory: this test is about the wire, the book test uses Postgres.
    const repo = { listActive: async () => orders, get: async (h: Hex) => orders.find((o) => o.orderHash === h) ?? null };
    const book = new ActiveOrderBookImpl({ repo, bus: g.bus, logger, clock: () => clock });
    await book.start();
    const ticker = new PriceTicker({ book, bus: g.bus, logger, metrics: g.metrics, clock: () => clock });

    const connect = async () => {
      const c = await TestClient.connect(g.url);
      clients.push(c);
      return c;
    };
    const [all, onlyA, both, none] = await Promise.all([connect(), connect(), connect(), connect()]);
    await all.subscribe('prices');
    await onlyA.subscribe(`order:${hash(2)}`);
    await both.subscribe('prices', `order:${hash(2)}`);
    await none.subscribe('orders');

    const ats = [NOW + 5, NOW + 35, NOW + 36];
    for (const at of ats) {
      clock = at;
      await ticker.tick();
    }
    const priceUpdates = async (c: TestClient) => (await c.drain()).filter((m) => m.type === 'price_update');

    const full = await priceUpdates(all);
    expect(full.map((m) => m.data.at)).toEqual(ats);
    for (const m of full) {
      expect(m.data.prices).toEqual(orders.map((o) => ({ orderHash: o.orderHash, amount: auctionAmount(o.order.auction, m.data.at).toString() })));
    }
    expect(new Set(full[1]!.data.prices.map((p: { amount: string }) => p.amount)).size).toBe(3);

    const mine = await priceUpdates(onlyA);
    expect(mine.map((m) => m.data)).toEqual(
      ats.map((at) => ({ at, prices: [{ orderHash: hash(2), amount: auctionAmount(orders[1]!.order.auction, at).toString() }] })),
    );
    // On both channels: the full tick only, no filtered duplicate.
    expect((await priceUpdates(both)).map((m) => m.data)).toEqual(full.map((m) => m.data));
    expect(await priceUpdates(none)).toEqual([]);
    await ticker.stop();
    await book.stop();
  });
});

describe('a large price_update (thousands of orders)', () => {
  it('arrives whole and identical (but for seq) at every prices subscriber', async () => {
    const g = await startGateway();
    const logger = createLogger({ level: 'silent' });
    const orders = Array.from({ length: 3_000 }, (_, i) => stored(i + 1));
    const repo = { listActive: async () => orders, get: async () => null };
    const book = new ActiveOrderBookImpl({ repo, bus: g.bus, logger, clock: () => NOW + 100 });
    const ticker = new PriceTicker({ book, bus: g.bus, logger, metrics: g.metrics, clock: () => NOW + 100 });
    const clients: TestClient[] = [];
    try {
      await book.start();
      for (let i = 0; i < 3; i++) {
        const c = await TestClient.connect(g.url);
        clients.push(c);
        await c.subscribe('prices');
        if (i === 1) await c.request({ op: 'ping' }); // different seqs per client
      }
      await ticker.tick();
      const got = await Promise.all(clients.map(async (c) => (await c.drain()).filter((m) => m.type === 'price_update')));
      for (const [i, updates] of got.entries()) {
        expect(updates).toHaveLength(1);
        const m = updates[0]!;
        expect(m.seq).toBe(i === 1 ? 3 : 2);
        expect(m.data.prices).toHaveLength(3_000);
        expect(m.data.prices[2_999]).toEqual({ orderHash: hash(3_000), amount: auctionAmount(orders[2_999]!.order.auction, NOW + 100).toString() });
      }
      expect(got[0]![0]!.data).toEqual(got[2]![0]!.data);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await ticker.stop();
      await book.stop();
      await g.stop();
    }
  });
});
