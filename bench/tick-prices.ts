/**
 * Price tick for 100,000 active orders: time to price every order (the ticker's metric) and
 * the whole tick including the publish on an in-process bus, over 50 ticks. Two books:
 * worst case, every order mid-auction (every amount moves and is re-rendered as a decimal
 * string every tick); typical, one order in ten mid-auction and the rest at their floor.
 *
 *   npx tsx bench/tick-prices.ts
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ActiveOrderBookImpl } from '../src/auction/book.js';
import { PriceTicker } from '../src/auction/ticker.js';
import { InProcessBus } from '../src/bus/in-process.js';
import type { Hex, Order } from '../src/domain/order.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { StoredOrder } from '../src/orders/ports.js';

const ORDERS = 100_000;
const TICKS = 50;
const START = 1_767_225_600;

function order(i: number, moving: boolean): Order {
  // Three-segment curves (two points), amounts beyond 2^64, start times spread over 5 minutes;
  // an order that is not moving finished its auction two hours ago and sits at its floor.
  const startAmount = 2n ** 70n + BigInt(i) * 1_000_003n;
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    receiver: 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae',
    makerAsset: '0x0000000000000000000000000000000000000000',
    makingAmount: 10n ** 18n,
    takerAsset: 'lovelace',
    auction: {
      startTime: moving ? START - (i % 300) : START - 7_200,
      duration: 3_600,
      startAmount,
      endAmount: startAmount / 2n,
      points: [
        { offset: 600, amount: (startAmount * 9n) / 10n },
        { offset: 1_800, amount: (startAmount * 7n) / 10n },
      ],
    },
    hashlock: `0x${'29'.repeat(32)}`,
    timelocks: { srcWithdrawal: 36, srcPublicWithdrawal: 336, srcCancellation: 492, srcPublicCancellation: 612, dstWithdrawal: 30, dstPublicWithdrawal: 300, dstCancellation: 420 },
    srcSafetyDeposit: 1n,
    dstSafetyDeposit: 1n,
    nonce: BigInt(i),
    salt: 0n,
    expiry: START + 7_200,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Ticks over `orders` active orders of which every `movingEvery`-th is mid-auction. */
async function measure(movingEvery: number): Promise<object> {
  const created = new Date(START * 1000);
  const stored: StoredOrder[] = Array.from({ length: ORDERS }, (_, i) => ({
    orderHash: `0x${i.toString(16).padStart(64, '0')}` as Hex,
    order: order(i, i % movingEvery === 0),
    signature: null,
    lockedOutput: null,
    status: 'active',
    secret: null,
    createdAt: created,
    updatedAt: created,
  }));
  const logger = createLogger({ level: 'silent' });
  const bus = new InProcessBus();
  let now = START + 300;
  const book = new ActiveOrderBookImpl({ repo: { listActive: async () => stored, get: async () => null }, bus, logger, clock: () => now });
  await book.start();
  const ticker = new PriceTicker({ book, bus, logger, metrics: createMetrics({ defaultMetrics: false }), clock: () => now });
  let received = 0;
  bus.subscribe('prices', (m) => (received += m.prices.length));

  const pricing: number[] = [];
  const whole: number[] = [];
  const cpu: number[] = [];
  for (let t = 0; t < TICKS + 5; t++) {
    now += 1;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const r = await ticker.tick();
    const total = performance.now() - started;
    const used = process.cpuUsage(cpuStarted);
    if (t >= 5) {
      // the first ticks warm the JIT up
      pricing.push(r.pricingMs);
      whole.push(total);
      cpu.push((used.user + used.system) / 1000);
    }
    // Ticks are a second apart in production: let the event loop (and GC) breathe in between.
    await new Promise((r) => setTimeout(r, 20));
  }
  await ticker.stop();
  await book.stop();
  await bus.stop();
  for (const xs of [pricing, whole, cpu]) xs.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  const stats = (xs: number[]) => ({ p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)) });
  return {
    orders: ORDERS,
    midAuction: Math.ceil(ORDERS / movingEvery),
    ticks: TICKS,
    // Time to price every order (the relayer_price_tick_duration_seconds metric).
    pricingMs: stats(pricing),
    // The whole tick, including the publish to an in-process bus with one subscriber.
    tickMs: stats(whole),
    // CPU time of the process during a tick (user + system, all threads incl. GC): less
    // sensitive than wall time to other processes competing for the two cores.
    tickCpuMs: stats(cpu),
    pricesDelivered: received,
  };
}

export async function run(): Promise<object> {
  const worstCase = await measure(1);
  const typical = await measure(10);
  return { worstCase, typical, loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
