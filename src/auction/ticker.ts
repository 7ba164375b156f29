/**
 * The auction price ticker: every `intervalMs` it prices every active order (through the
 * book) and publishes ONE bus 'prices' message with all of them. Ticks sit on a fixed grid
 * (start + k·interval), so they do not drift; a tick that overruns makes the ticker skip the
 * grid points it missed instead of piling ticks up.
 */
import type { Bus } from '../bus/types.js';
import type { PriceUpdateData } from '../domain/wire.js';
import type { Logger } from '../observability/logger.js';
import type { RelayerMetrics } from '../observability/metrics.js';
import { systemClock, type ActiveOrderBookImpl, type UnixClock } from './book.js';

export interface PriceTickerOptions {
  book: Pick<ActiveOrderBookImpl, 'reprice'>;
  bus: Bus;
  logger: Logger;
  metrics: Pick<RelayerMetrics, 'priceTickDuration' | 'priceTickOrders'>;
  /** config.priceTickMs */
  intervalMs?: number;
  /** Unix seconds the prices are computed for (injectable for tests). */
  clock?: UnixClock;
}

export interface TickResult {
  at: number;
  orders: number;
  /** Time to price every order (the published metric); excludes the publish. */
  pricingMs: number;
  published: boolean;
}

export class PriceTicker {
  private readonly intervalMs: number;
  private readonly clock: UnixClock;
  private timer: NodeJS.Timeout | null = null;
  private anchor = 0;
  private running: Promise<TickResult> | null = null;
  private active = false;
  /** Grid points skipped because a tick overran (see status()). */
  private skipped = 0;
  private ticks = 0;

  constructor(private readonly opts: PriceTickerOptions) {
    this.intervalMs = opts.intervalMs ?? 1_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** Starts ticking on the next grid point. Idempotent. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.anchor = performance.now();
    this.schedule();
  }

  /** Idempotent; waits for a tick in flight. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  status(): { running: boolean; intervalMs: number; ticks: number; skipped: number } {
    return { running: this.active, intervalMs: this.intervalMs, ticks: this.ticks, skipped: this.skipped };
  }

  /**
   * One tick now. Called by the timer, and directly by tests with a controlled clock. A call
   * while another tick is in flight joins that tick instead of starting a second one.
   */
  tick(): Promise<TickResult> {
    return (this.running ??= this.runTick().finally(() => {
      this.running = null;
    }));
  }

  private async runTick(): Promise<TickResult> {
    const started = performance.now();
    const at = Math.floor(this.clock());
    const prices = this.opts.book.reprice(at);
    const pricingMs = performance.now() - started;
    this.opts.metrics.priceTickDuration.observe(pricingMs / 1000);
    this.opts.metrics.priceTickOrders.set(prices.length);
    this.ticks++;
    // No active orders, no message: subscribers learn nothing from an empty list every second.
    if (prices.length === 0) return { at, orders: 0, pricingMs, published: false };
    const message: PriceUpdateData = { at, prices };
    await this.opts.bus.publish('prices', message);
    return { at, orders: prices.length, pricingMs, published: true };
  }

  private schedule(): void {
    if (!this.active) return;
    const elapsed = performance.now() - this.anchor;
    const nextIndex = Math.floor(elapsed / this.intervalMs) + 1;
    this.timer = setTimeout(() => void this.onTimer(nextIndex), this.anchor + nextIndex * this.intervalMs - performance.now());
  }

  private async onTimer(index: number): Promise<void> {
    this.timer = null;
    try {
      await this.tick();
    } catch (err) {
      this.opts.logger.error({ err }, 'price tick failed; the next one runs on schedule');
    }
    const behind = Math.floor((performance.now() - this.anchor) / this.intervalMs) - index;
    if (behind > 0) {
      this.skipped += behind;
      this.opts.logger.warn({ skipped: behind, intervalMs: this.intervalMs }, 'price tick overran its interval; skipping missed ticks');
    }
    this.schedule();
  }
}
