/** The ticker's schedule: it ticks on its own, never overlaps, skips what it missed, stops cleanly. */
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { Bus } from '../../src/bus/types.js';
import type { PriceUpdateData } from '../../src/domain/wire.js';
import { PriceTicker } from '../../src/auction/ticker.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

const logger = createLogger({ level: 'silent' });
const oneOrder = { reprice: (now: number) => [{ orderHash: '0x01', amount: String(1000 - now) }] };

describe('PriceTicker schedule', () => {
  it('ticks every interval once started and publishes nothing after stop()', async () => {
    const bus = new InProcessBus();
    const metrics = createMetrics({ defaultMetrics: false });
    let second = 0;
    const ticker = new PriceTicker({ book: oneOrder, bus, logger, metrics, intervalMs: 20, clock: () => ++second });
    const seen: PriceUpdateData[] = [];
    const three = new Promise<void>((resolve) =>
      bus.subscribe('prices', (m) => {
        seen.push(m);
        if (seen.length === 3) resolve();
      }),
    );
    await ticker.start();
    await ticker.start(); // idempotent: still one schedule
    await three;
    await ticker.stop();
    await ticker.stop();
    const count = seen.length;
    expect(seen.slice(0, 3).map((m) => m.at)).toEqual([1, 2, 3]);
    expect(seen[0]!.prices).toEqual([{ orderHash: '0x01', amount: '999' }]);
    expect(ticker.status().running).toBe(false);
    // Let any stray timer fire: a stopped ticker has none.
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.length).toBe(count);
    await bus.stop();
  });

  it('never runs two ticks at once and skips the grid points an overrunning tick missed', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let publishes = 0;
    // A publish that takes three intervals (e.g. a slow subscriber downstream).
    const slowBus: Bus = {
      async publish() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        publishes++;
      },
      subscribe: () => () => undefined,
      start: async () => undefined,
      stop: async () => undefined,
    };
    const ticker = new PriceTicker({ book: oneOrder, bus: slowBus, logger, metrics: createMetrics({ defaultMetrics: false }), intervalMs: 10 });
    await ticker.start();
    // A manual tick while the timer's tick is in flight joins it instead of overlapping.
    while (publishes < 3) {
      await Promise.all([ticker.tick(), ticker.tick()]);
    }
    await ticker.stop();
    expect(maxInFlight).toBe(1);
    expect(ticker.status().skipped).toBeGreaterThan(0);
  });
});
