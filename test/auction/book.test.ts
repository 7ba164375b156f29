/**
 * The active-order book and the price ticker against a real store (Postgres) and a real bus:
 * orders appear and disappear with bus events, and the prices follow the auction curve.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { TopicMessages } from '../../src/bus/types.js';
import type { PriceUpdateData } from '../../src/domain/wire.js';
import { ActiveOrderBookImpl } from '../../src/auction/book.js';
import { PriceTicker } from '../../src/auction/ticker.js';
import { auctionAmount } from '../../src/domain/auction.js';
import { orderToWire, type Hex, type Order } from '../../src/domain/order.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { NOW, validOrder } from '../domain/support.js';

const logger = createLogger({ level: 'silent' });
const SIG = `0x${'ab'.repeat(65)}` as Hex;

function hash(n: number): Hex {
  return `0x${n.toString(16).padStart(64, '0')}`;
}

/** Order n: its auction starts n seconds after NOW, so every order has its own price at a time. */
function orderN(n: number): Order {
  const o = validOrder();
  o.auction = { ...o.auction, startTime: NOW + n };
  o.nonce = BigInt(n);
  return o;
}

describe('ActiveOrderBookImpl + PriceTicker (Postgres store, in-process bus)', () => {
  let pg: TestPostgres;
  let repo: OrderRepositoryImpl;
  let bus: InProcessBus;
  let book: ActiveOrderBookImpl;
  let clock: number;

  beforeAll(async () => {
    pg = await withPostgres();
    repo = new OrderRepositoryImpl(pg.database.db);
  });
  afterAll(async () => {
    await pg.drop();
  });
  beforeEach(async () => {
    await pg.database.db.deleteFrom('order_events').execute();
    await pg.database.db.deleteFrom('orders').execute();
    bus = new InProcessBus();
    clock = NOW + 30;
  });
  afterEach(async () => {
    await book?.stop();
    await bus.stop();
  });

  async function insert(n: number): Promise<Order> {
    const order = orderN(n);
    expect(await repo.insert({ orderHash: hash(n), order, signature: SIG, lockedOutput: null, event: { type: 'created' } })).toBe('inserted');
    return order;
  }

  function newBook(): ActiveOrderBookImpl {
    book = new ActiveOrderBookImpl({ repo, bus, logger, clock: () => clock });
    return book;
  }

  const created = (n: number, order: Order, extra: { signature?: string } = {}): TopicMessages['orders'] => ({
    kind: 'created',
    data: {
      orderHash: hash(n),
      maker: order.maker,
      srcChain: order.srcChain,
      dstChain: order.dstChain,
      status: 'active',
      order: orderToWire(order),
      createdAt: new Date().toISOString(),
      ...extra,
    },
  });

  const updated = (n: number, previousStatus: string, status: string): TopicMessages['orders'] => ({
    kind: 'updated',
    data: { orderHash: hash(n), maker: 'm', status, previousStatus, at: new Date().toISOString() },
  });

  it('loads the active orders from the store at start, oldest first, priced at the clock', async () => {
    const o1 = await insert(1);
    await insert(2);
    const o3 = await insert(3);
    await repo.transition(hash(2), ['active'], 'cancelled', { type: 'cancelled' });
    await newBook().start();
    const snap = book.snapshot();
    expect(snap.items.map((i) => i.stored.orderHash)).toEqual([hash(1), hash(3)]);
    expect(snap.at).toBe(NOW + 30);
    expect(snap.items[0]!.currentAmount).toBe(auctionAmount(o1.auction, NOW + 30));
    expect(book.priceOf(hash(3))).toBe(auctionAmount(o3.auction, NOW + 30));
    expect(book.priceOf(hash(2))).toBeNull();
    expect(book.priceOf(hash(3).toUpperCase().replace('0X', '0x'))).toBe(auctionAmount(o3.auction, NOW + 30));
  });

  it('adds orders from created events (from the message when it carries the signature, else from the store)', async () => {
    await newBook().start();
    const v0 = book.snapshot().version;
    // Not in the store at all: the message alone is enough when it carries the fill data.
    const o7 = orderN(7);
    await bus.publish('orders', created(7, o7, { signature: SIG }));
    // In the store, message without fill data: read from the store (signature comes back).
    const o8 = await insert(8);
    await bus.publish('orders', created(8, o8));
    // A created event for an order that is not active any more by the time it is read.
    const o9 = await insert(9);
    await repo.transition(hash(9), ['active'], 'cancelled', { type: 'cancelled' });
    await bus.publish('orders', created(9, o9));
    await book.idle();
    const snap = book.snapshot();
    expect(snap.items.map((i) => i.stored.orderHash)).toEqual([hash(7), hash(8)]);
    expect(snap.items.map((i) => i.stored.signature)).toEqual([SIG, SIG]);
    expect(snap.version).toBeGreaterThan(v0);
    expect(book.priceOf(hash(8))).toBe(auctionAmount(o8.auction, NOW + 30));
  });

  it('removes an order when it leaves active and puts it back in its place after a reorg undo', async () => {
    await insert(1);
    await insert(2);
    await insert(3);
    await newBook().start();
    await repo.transition(hash(1), ['active'], 'src_escrowed', { type: 'src_escrow_seen' });
    await bus.publish('orders', updated(1, 'active', 'src_escrowed'));
    await bus.publish('orders', updated(2, 'active', 'cancelled'));
    await book.idle();
    expect(book.snapshot().items.map((i) => i.stored.orderHash)).toEqual([hash(3)]);

    // The fill's block was orphaned: the coordinator moved it back to active.
    await repo.transition(hash(1), ['src_escrowed'], 'active', { type: 'reorg_undo' });
    await bus.publish('orders', updated(1, 'src_escrowed', 'active'));
    await book.idle();
    expect(book.snapshot().items.map((i) => i.stored.orderHash)).toEqual([hash(1), hash(3)]);
    expect(book.priceOf(hash(1))).not.toBeNull();
  });

  it('applies events that arrive while it loads after the load, in order', async () => {
    await insert(1);
    await insert(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The store answers listActive only when released, so events land mid-load.
    const slowRepo = { listActive: async () => (await gate, repo.listActive()), get: (h: Hex) => repo.get(h) };
    book = new ActiveOrderBookImpl({ repo: slowRepo, bus, logger, clock: () => clock });
    const starting = book.start();
    const o3 = await insert(3);
    await bus.publish('orders', created(3, o3, { signature: SIG }));
    await repo.transition(hash(1), ['active'], 'cancelled', { type: 'cancelled' });
    await bus.publish('orders', updated(1, 'active', 'cancelled'));
    release();
    await starting;
    await book.idle();
    expect(book.snapshot().items.map((i) => i.stored.orderHash)).toEqual([hash(2), hash(3)]);
  });

  it('ticks: one prices message per tick with every order at the auction price; prices follow the clock', async () => {
    const orders = [await insert(1), await insert(2), await insert(3)];
    await newBook().start();
    const metrics = createMetrics({ defaultMetrics: false });
    const ticker = new PriceTicker({ book, bus, logger, metrics, clock: () => clock });
    const ticks: PriceUpdateData[] = [];
    bus.subscribe('prices', (m) => ticks.push(m));

    for (const t of [NOW, NOW + 61, NOW + 100.7, NOW + 500]) {
      clock = t;
      const v = book.snapshot().version;
      const result = await ticker.tick();
      expect(result).toMatchObject({ at: Math.floor(t), orders: 3, published: true });
      expect(book.snapshot().version).toBeGreaterThan(v);
      expect(book.snapshot().at).toBe(Math.floor(t));
    }
    expect(ticks).toHaveLength(4);
    for (const [k, tick] of ticks.entries()) {
      expect(tick.prices).toEqual(
        orders.map((o, i) => ({ orderHash: hash(i + 1), amount: auctionAmount(o.auction, tick.at).toString() })),
      );
      expect(book.snapshot().items.map((i) => i.currentAmount)).toEqual(orders.map((o) => auctionAmount(o.auction, ticks[3]!.at)));
      if (k === 3) expect(tick.prices.every((p) => p.amount === '1900000000')).toBe(true); // all at the floor
    }
    // Prices fall over time and differ between orders mid-auction.
    expect(BigInt(ticks[1]!.prices[0]!.amount)).toBeLessThan(BigInt(ticks[0]!.prices[0]!.amount));
    expect(new Set(ticks[2]!.prices.map((p) => p.amount)).size).toBe(3);
    expect((await metrics.priceTickOrders.get()).values[0]!.value).toBe(3);
    const duration = await metrics.priceTickDuration.get();
    expect(duration.values.find((v) => v.metricName === 'relayer_price_tick_duration_seconds_count')!.value).toBe(4);
    await ticker.stop();
  });

  it('publishes nothing when no order is active (but still records the tick)', async () => {
    await newBook().start();
    const metrics = createMetrics({ defaultMetrics: false });
    const ticker = new PriceTicker({ book, bus, logger, metrics, clock: () => clock });
    let published = 0;
    bus.subscribe('prices', () => published++);
    expect(await ticker.tick()).toMatchObject({ orders: 0, published: false });
    expect(published).toBe(0);
    expect((await metrics.priceTickOrders.get()).values[0]!.value).toBe(0);
  });
});
