/**
 * GET /api/orders/active with 10,000 active orders: req/s and latency with autocannon over
 * loopback. The server (forked child) is the real stack: Postgres store seeded with 10,000
 * signed orders, the ActiveOrderBook loaded from it, the PriceTicker repricing every second
 * (so the cached page bodies are rebuilt once per tick, as in production), request logs on.
 *
 *   npx tsx bench/http-active.ts          (target: ≥ 5,000 req/s at p99 ≤ 20 ms on 2 cores)
 */
import { fileURLToPath } from 'node:url';
import type { Hex } from '../src/domain/order.js';
import { autocannon, benchMaker, benchOrder, benchSign, forkServer, startBenchStack, stopServer } from './http-intake.js';

const ACTIVE_ORDERS = Number(process.env.BENCH_ACTIVE_ORDERS ?? 10_000);
// 20 keep-alive clients saturate the server here; more only queue (p99 grows, req/s does not).
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const QUERY = process.env.BENCH_ACTIVE_QUERY ?? '';

async function serveActive(): Promise<void> {
  const stack = await startBenchStack({ ticker: true });
  const makers = Array.from({ length: 32 }, benchMaker);
  const now = Math.floor(Date.now() / 1000);
  const seeded = performance.now();
  for (let start = 0; start < ACTIVE_ORDERS; start += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, ACTIVE_ORDERS - start) }, (_, k) => {
        const i = start + k;
        const maker = makers[i % makers.length]!;
        const order = benchOrder(maker, now, i);
        const { hash, signature } = benchSign(maker, order);
        return stack.repo.insert({ orderHash: hash, order, signature: signature as Hex, lockedOutput: null, event: { type: 'created' } });
      }),
    );
  }
  const seedSeconds = (performance.now() - seeded) / 1000;
  const url = await stack.listen();
  process.send!({ url, info: { activeInBook: stack.book.size, seedSeconds: Math.round(seedSeconds * 10) / 10 } });
  let mark = stack.cpuMs();
  process.on('message', async (m: { stop?: boolean; mark?: boolean }) => {
    if (m.mark) {
      // CPU used since the previous mark, for the run that just ended.
      const now = stack.cpuMs();
      process.send!({ cpuMs: now - mark });
      mark = now;
      return;
    }
    if (!m.stop) return;
    const responses = await stack.responsesByStatus();
    await stack.close();
    process.send!({ stopped: { responses } });
    process.exit(0);
  });
}

export async function run(): Promise<object> {
  const { url, child, info } = await forkServer(fileURLToPath(import.meta.url), 'active');
  const target = `${url}/api/orders/active${QUERY}`;
  const sample = (await (await fetch(target)).json()) as { items: unknown[]; nextCursor: string | null };
  const serverCpuSinceMark = () =>
    new Promise<number>((resolve) => {
      const onMessage = (m: { cpuMs?: number }) => {
        if (m.cpuMs === undefined) return;
        child.off('message', onMessage);
        resolve(m.cpuMs);
      };
      child.on('message', onMessage);
      child.send({ mark: true });
    });
  const measure = async (headers: Record<string, string>) => {
    await autocannon({ url: target, connections: CONNECTIONS, duration: 2, headers }); // warm-up, not reported
    await serverCpuSinceMark();
    const r = await autocannon({ url: target, connections: CONNECTIONS, duration: SECONDS, headers });
    const cpuMs = await serverCpuSinceMark();
    return {
      // Load-independent: relayer process CPU per request.
      serverCpuMsPerRequest: Math.round((cpuMs / Math.max(1, r.requests.total)) * 1000) / 1000,
      requestsPerSecond: Math.round(r.requests.average),
      totalRequests: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors,
      megabytesPerSecond: Math.round(r.throughput.average / 1e5) / 10,
      latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    };
  };
  const identity = await measure({});
  const gzip = await measure({ 'accept-encoding': 'gzip' });
  const stopped = await stopServer(child);
  return {
    mode: 'autocannon over loopback HTTP, server in a forked process, PriceTicker at 1 s',
    activeOrders: info.activeInBook,
    seedSeconds: info.seedSeconds,
    pageItems: sample.items.length,
    connections: CONNECTIONS,
    secondsPerRun: SECONDS,
    identity,
    gzip,
    serverResponses: stopped.responses,
    target: '≥ 5,000 req/s at p99 ≤ 20 ms',
  };
}

if (process.env.HTTP_BENCH_ROLE === 'active') {
  await serveActive();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
