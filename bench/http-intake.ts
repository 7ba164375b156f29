/**
 * Intake throughput: distinct, pre-signed orders POSTed to /api/orders over real loopback HTTP.
 * The relayer (fastify app + OrderService + Postgres store + in-process bus + active-order book,
 * request logs at info to /dev/null) runs in a forked child process; autocannon runs in this one.
 * Every order is signature-verified, validated and inserted (two rows, one transaction).
 *
 *   npx tsx bench/http-intake.ts          (target: ≥ 2,000 verified orders/s on 2 cores)
 *
 * Also exports `startBenchStack` for bench/http-active.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { ActiveOrderBookImpl } from '../src/auction/book.js';
import { PriceTicker } from '../src/auction/ticker.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { DEVNET_DEFAULT_FACTORY, loadConfig } from '../src/config.js';
import { orderHash } from '../src/domain/eip712.js';
import { hashlockOf } from '../src/domain/hashlock.js';
import { orderToWire, type Hex, type Order } from '../src/domain/order.js';
import { createLogger } from '../src/observability/logger.js';
import { HealthRegistry } from '../src/observability/health.js';
import { createMetrics } from '../src/observability/metrics.js';
import { OrderService } from '../src/orders/service.js';
import { buildHttpApp } from '../src/api/http/app.js';
import { storeOn } from '../src/store/index.js';
import { createDatabase } from '../src/store/db.js';
import { withPostgres } from '../test/support/db.js';

/** The part of autocannon's API these benches use (the package ships no types). */
export interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  throughput: { average: number };
}
const require = createRequire(import.meta.url);
export const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
/** libsecp256k1 itself (the package index would fall back to slow elliptic.js). */
const nativeSecp = require('secp256k1/bindings.js') as {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};

const CHAIN_ID = 31337;
const FACTORY: Hex = DEVNET_DEFAULT_FACTORY;
const RECEIVER = 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae';
const ORDERS = Number(process.env.BENCH_ORDERS ?? 30_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 20);

export interface Maker {
  key: Uint8Array;
  address: Hex;
}

export function benchMaker(): Maker {
  const pk = generatePrivateKey();
  return { key: Buffer.from(pk.slice(2), 'hex'), address: privateKeyToAccount(pk).address };
}

export function benchOrder(maker: Maker, now: number, i: number): Order {
  return {
    srcChain: String(CHAIN_ID),
    dstChain: 'cardano:devnet',
    maker: maker.address,
    receiver: RECEIVER,
    makerAsset: '0x0000000000000000000000000000000000000000',
    makingAmount: 1_000_000_000_000_000_000n + BigInt(i),
    takerAsset: 'lovelace',
    auction: { startTime: now, duration: 3_600, startAmount: 2_000_000_000n, endAmount: 1_900_000_000n, points: [] },
    hashlock: hashlockOf(`0x${randomBytes(32).toString('hex')}`),
    timelocks: {
      srcWithdrawal: 36,
      srcPublicWithdrawal: 336,
      srcCancellation: 492,
      srcPublicCancellation: 612,
      dstWithdrawal: 30,
      dstPublicWithdrawal: 300,
      dstCancellation: 420,
    },
    srcSafetyDeposit: 10_000_000_000_000_000n,
    dstSafetyDeposit: 2_000_000n,
    nonce: BigInt(i),
    salt: BigInt(`0x${randomBytes(16).toString('hex')}`),
    expiry: now + 7_200,
  };
}

/** An EIP-712 signature of the order by `maker` (libsecp256k1 signs the digest; same bytes as viem). */
export function benchSign(maker: Maker, order: Order): { hash: Hex; signature: Hex } {
  const hash = orderHash(order, CHAIN_ID, FACTORY);
  const out = nativeSecp.ecdsaSign(Buffer.from(hash.slice(2), 'hex'), maker.key);
  return { hash, signature: `0x${Buffer.from(out.signature).toString('hex')}${(27 + out.recid).toString(16)}` };
}

/**
 * The relayer's HTTP stack on a fresh Postgres database, listening on loopback. Used in the
 * forked server process of both HTTP benchmarks.
 */
export async function startBenchStack(opts: { ticker?: boolean } = {}) {
  const pg = await withPostgres();
  // Its own pool, sized for concurrent intake (more transactions in flight share each WAL flush).
  const database = await createDatabase({ databaseUrl: pg.url, poolSize: POOL_SIZE });
  const repo = storeOn(database).orders;
  const bus = new InProcessBus();
  // Request logs stay on (info), written to /dev/null: the cost of logging is part of the number.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const metrics = createMetrics();
  const health = new HealthRegistry();
  const book = new ActiveOrderBookImpl({ repo, bus, logger });
  const ticker = new PriceTicker({ book, bus, logger, metrics, intervalMs: 1_000 });
  const orders = new OrderService({
    repo,
    bus,
    clock: () => Math.floor(Date.now() / 1000),
    supportedChains: { evm: { [String(CHAIN_ID)]: { factory: FACTORY } }, cardano: ['cardano:devnet'] },
    book,
    logger,
    metrics,
  });
  const config = loadConfig({ EVM_CHAIN_ID: String(CHAIN_ID), RATE_LIMIT_MAX: '1000000', RATE_LIMIT_WINDOW_MS: '1000' });
  const app = await buildHttpApp({ config, evm: config.evm, orders, health, metrics, logger });
  return {
    repo,
    pg,
    book,
    async listen(): Promise<string> {
      await book.start();
      if (opts.ticker) ticker.start();
      return app.listen({ host: '127.0.0.1', port: 0 });
    },
    /** CPU time (user + system, ms) this server process has used so far. */
    cpuMs(): number {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
    /** `{ "POST /api/orders 201": n, … }` from the relayer's own HTTP metric. */
    async responsesByStatus(): Promise<Record<string, number>> {
      const metric = await metrics.httpRequests.get();
      return Object.fromEntries(metric.values.map((v) => [`${v.labels.method} ${v.labels.route} ${v.labels.status}`, v.value]));
    },
    async close(): Promise<void> {
      await app.close();
      await ticker.stop();
      await book.stop();
      await database.close();
      await pg.drop();
    },
  };
}

/** Forks this file as the server; resolves with its URL once it listens. */
export function forkServer(file: string, role: string, extraEnv: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; info: Record<string, unknown> }> {
  const child = fork(file, [], {
    // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
    execArgv: [...process.execArgv, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, HTTP_BENCH_ROLE: role, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited early (${code})`)));
    child.on('message', (m: { url?: string; info?: Record<string, unknown> }) => {
      if (m.url) resolve({ url: m.url, child, info: m.info ?? {} });
    });
  });
}

export async function stopServer(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('message', (m: { stopped?: Record<string, unknown> }) => {
      if (m.stopped) resolve(m.stopped);
    });
    child.send({ stop: true });
  });
}

async function serveIntake(): Promise<void> {
  const stack = await startBenchStack();
  const url = await stack.listen();
  const cpuAtStart = stack.cpuMs();
  process.send!({ url });
  process.on('message', async (m: { stop?: boolean }) => {
    if (!m.stop) return;
    const serverCpuMs = stack.cpuMs() - cpuAtStart;
    const page = await stack.repo.listActive();
    const responses = await stack.responsesByStatus();
    await stack.close();
    process.send!({ stopped: { storedOrders: page.length, responses, serverCpuMs } });
    process.exit(0);
  });
}

export async function run(): Promise<object> {
  const makers = Array.from({ length: 16 }, benchMaker);
  const now = Math.floor(Date.now() / 1000);
  const signStarted = performance.now();
  const bodies: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const maker = makers[i % makers.length]!;
    const order = benchOrder(maker, now, i);
    const { signature } = benchSign(maker, order);
    bodies.push(JSON.stringify({ order: orderToWire(order), signature }));
  }
  const presignSeconds = (performance.now() - signStarted) / 1000;

  const { url, child } = await forkServer(fileURLToPath(import.meta.url), 'intake');
  let next = 0;
  const result = await autocannon({
    url: `${url}/api/orders`,
    connections: CONNECTIONS,
    amount: ORDERS,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const stopped = await stopServer(child);
  const status2xx = result['2xx'];
  return {
    mode: 'autocannon over loopback HTTP, server in a forked process',
    orders: ORDERS,
    connections: CONNECTIONS,
    postgresPool: POOL_SIZE,
    presignSeconds: Math.round(presignSeconds * 10) / 10,
    acceptedOrders: status2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    storedOrders: stopped.storedOrders,
    serverResponses: stopped.responses,
    // Load-independent: relayer process CPU per accepted order (Postgres' own CPU not included).
    serverCpuMsPerOrder: Math.round(((stopped.serverCpuMs as number) / Math.max(1, status2xx)) * 1000) / 1000,
    seconds: Math.round(result.duration * 100) / 100,
    ordersPerSecond: Math.round(status2xx / result.duration),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    target: '≥ 2,000 verified orders/s',
  };
}

if (process.env.HTTP_BENCH_ROLE === 'intake') {
  await serveIntake();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
