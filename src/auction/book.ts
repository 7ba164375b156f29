/**
 * The active-order book: every order in status `active`, with its compiled auction curve and
 * its price at the last tick. Loaded from the store at start and kept current from bus
 * 'orders' events, applied one at a time in arrival order (some need a store read), so a
 * `created` followed quickly by an `updated` can never be applied the wrong way round.
 */
import { orderFromWire, type Hex } from '../domain/order.js';
import type { Bus, TopicMessages, Unsubscribe } from '../bus/types.js';
import type { OrderCreatedData, PriceUpdateData } from '../domain/wire.js';
import type { Logger } from '../observability/logger.js';
import type { OrderRepository, StoredOrder } from '../orders/ports.js';
import { PriceCursor } from './price-cursor.js';
import type { ActiveOrderBook, ActiveOrderSnapshot, PricedOrder } from './types.js';

export type UnixClock = () => number;

export const systemClock: UnixClock = () => Date.now() / 1000;

interface Entry {
  stored: StoredOrder;
  price: PriceCursor;
  amount: bigint;
  /** The snapshot item; rebuilt lazily (in snapshot()) only when the amount moved. */
  priced: PricedOrder;
  /** The tick's wire entry; reused while the amount does not move. */
  wire: { orderHash: string; amount: string };
}

export interface ActiveOrderBookOptions {
  repo: Pick<OrderRepository, 'listActive' | 'get'>;
  bus: Bus;
  logger: Logger;
  /** Unix seconds (fractions are floored); prices new orders until the first tick. */
  clock?: UnixClock;
}

export class ActiveOrderBookImpl implements ActiveOrderBook {
  private entries = new Map<string, Entry>();
  private at = 0;
  private version = 0;
  private cached: ActiveOrderSnapshot | null = null;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: Unsubscribe | null = null;
  private started: Promise<void> | null = null;
  private stopped = false;
  private readonly clock: UnixClock;

  constructor(private readonly opts: ActiveOrderBookOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Subscribes first, then loads: events that arrive during the load are applied after it. */
  start(): Promise<void> {
    return (this.started ??= (async () => {
      this.unsubscribe = this.opts.bus.subscribe('orders', (m) => this.enqueue(m));
      const load = this.load();
      this.queue = load.catch(() => undefined);
      await load;
    })());
  }

  /** Idempotent. Stops following the bus; the last snapshot stays readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.queue;
  }

  /** Resolves once every bus event received so far has been applied (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  get size(): number {
    return this.entries.size;
  }

  snapshot(): ActiveOrderSnapshot {
    if (this.cached === null) {
      const items: PricedOrder[] = new Array(this.entries.size);
      let i = 0;
      for (const e of this.entries.values()) {
        if (e.priced.currentAmount !== e.amount) e.priced = { stored: e.stored, currentAmount: e.amount };
        items[i++] = e.priced;
      }
      this.cached = { at: this.at, version: this.version, items };
    }
    return this.cached;
  }

  priceOf(orderHash: string): bigint | null {
    return this.entries.get(orderHash.toLowerCase())?.amount ?? null;
  }

  /**
   * Prices every active order at unix second `now` (the ticker's hot path: an incremental
   * cursor per order, a decimal string built only when an amount moved) and returns the wire prices.
   */
  reprice(now: number): PriceUpdateData['prices'] {
    const t = Math.floor(now);
    const prices: PriceUpdateData['prices'] = new Array(this.entries.size);
    let i = 0;
    for (const e of this.entries.values()) {
      const amount = e.price.at(t);
      if (amount !== e.amount) {
        e.amount = amount;
        e.wire = { orderHash: e.wire.orderHash, amount: amount.toString() };
      }
      prices[i++] = e.wire;
    }
    this.at = t;
    this.changed();
    return prices;
  }

  private async load(): Promise<void> {
    const active = await this.opts.repo.listActive();
    this.at = Math.floor(this.clock());
    const sorted = [...active].sort(byCreatedAt);
    for (const stored of sorted) this.put(stored);
    this.changed();
    this.opts.logger.info({ orders: this.entries.size }, 'active-order book loaded');
  }

  private enqueue(message: TopicMessages['orders']): void {
    if (this.stopped) return;
    this.queue = this.queue
      .then(() => this.apply(message))
      .catch((err: unknown) => {
        // The store is the source of truth: a failed read leaves this order out until the next
        // event or restart; it never blocks the events behind it.
        this.opts.logger.error({ err, orderHash: message.data.orderHash }, 'active-order book: could not apply an order event');
      });
  }

  private async apply(message: TopicMessages['orders']): Promise<void> {
    const key = message.data.orderHash.toLowerCase();
    if (message.kind === 'created') {
      if (message.data.status !== 'active' || this.entries.has(key)) return;
      const stored = carriesFillData(message.data) ? fromCreated(message.data) : await this.activeFromStore(message.data.orderHash);
      // New orders are the newest: appending keeps "oldest first" without a sort.
      if (stored !== null) this.add(stored, false);
      return;
    }
    if (message.data.status !== 'active') {
      if (this.entries.delete(key)) this.changed();
      return;
    }
    // Back to active (a reorg undid its fill): read the order as the store now has it.
    if (this.entries.has(key)) return;
    const stored = await this.activeFromStore(message.data.orderHash);
    if (stored !== null) this.add(stored, true);
  }

  private async activeFromStore(orderHash: string): Promise<StoredOrder | null> {
    const stored = await this.opts.repo.get(orderHash as Hex);
    return stored !== null && stored.status === 'active' ? stored : null;
  }

  private add(stored: StoredOrder, returning: boolean): void {
    if (this.entries.has(stored.orderHash.toLowerCase())) return;
    this.put(stored);
    // Keep "oldest first": an order that came back after a reorg goes back to its place (rare).
    if (returning) {
      this.entries = new Map([...this.entries.entries()].sort((a, b) => byCreatedAt(a[1].stored, b[1].stored)));
    }
    this.changed();
  }

  private put(stored: StoredOrder): void {
    const price = new PriceCursor(stored.order.auction);
    const amount = price.at(this.at);
    this.entries.set(stored.orderHash.toLowerCase(), {
      stored,
      price,
      amount,
      priced: { stored, currentAmount: amount },
      // Lower-case hashes on the wire: the WS gateway matches `order:<hash>` channels on them.
      wire: { orderHash: stored.orderHash.toLowerCase(), amount: amount.toString() },
    });
  }

  private changed(): void {
    this.version++;
    this.cached = null;
  }
}

function byCreatedAt(a: StoredOrder, b: StoredOrder): number {
  return a.createdAt.getTime() - b.createdAt.getTime();
}

function carriesFillData(m: OrderCreatedData): boolean {
  return m.signature !== undefined || m.lockedOutput !== undefined;
}

function fromCreated(m: OrderCreatedData): StoredOrder {
  const createdAt = new Date(m.createdAt);
  return {
    orderHash: m.orderHash as Hex,
    order: orderFromWire(m.order),
    signature: (m.signature ?? null) as Hex | null,
    lockedOutput: m.lockedOutput ?? null,
    status: 'active',
    secret: null,
    createdAt,
    updatedAt: createdAt,
  };
}
