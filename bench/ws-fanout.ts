/**
 * WebSocket fan-out: 2,000 loopback clients subscribed to `orders`.
 *  1. latency: time from bus.publish of one order_created (~1.3 kB) to the moment the LAST of
 *     the 2,000 clients received it; median and p90 over 20 events, one at a time;
 *  2. throughput: 100 order_updated events (~250 B) published back to back, until all
 *     200,000 messages arrived.
 * The gateway runs in this process; the clients run in a forked child process (so the server's
 * send loop and the clients' parsing don't share one event loop); the child reports over IPC
 * when the last client got an event, so the figure includes one IPC hop (~0.1 ms).
 *
 *   npx tsx bench/ws-fanout.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { WsGateway } from '../src/api/ws/gateway.js';
import { InProcessBus } from '../src/bus/in-process.js';
import type { TopicMessages } from '../src/bus/types.js';
import { orderToWire, type Order } from '../src/domain/order.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';

const CLIENTS = 2_000;
const LATENCY_EVENTS = 20;
const THROUGHPUT_EVENTS = 100;
const CHILD_ENV = 'WS_FANOUT_BENCH_URL';
const self = fileURLToPath(import.meta.url);

type FromChild = { ready: true } | { done: string } | { total: number } | { error: string };

const hashOf = (i: number, kind: string) => `0x${kind}${i.toString(16).padStart(62, '0')}`;

function order(): Order {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    receiver: 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae',
    makerAsset: '0x0000000000000000000000000000000000000000',
    makingAmount: 10n ** 18n,
    takerAsset: 'lovelace',
    auction: { startTime: 1_767_225_600, duration: 180, startAmount: 2_000_000_000n, endAmount: 1_900_000_000n, points: [{ offset: 60, amount: 1_950_000_000n }] },
    hashlock: `0x${'29'.repeat(32)}`,
    timelocks: { srcWithdrawal: 36, srcPublicWithdrawal: 336, srcCancellation: 492, srcPublicCancellation: 612, dstWithdrawal: 30, dstPublicWithdrawal: 300, dstCancellation: 420 },
    srcSafetyDeposit: 10n ** 16n,
    dstSafetyDeposit: 2_000_000n,
    nonce: 1n,
    salt: 42n,
    expiry: 1_767_229_200,
  };
}

function createdEvent(i: number): TopicMessages['orders'] {
  const o = order();
  return {
    kind: 'created',
    data: {
      orderHash: hashOf(i, 'c1'),
      maker: o.maker,
      srcChain: o.srcChain,
      dstChain: o.dstChain,
      status: 'active',
      order: orderToWire(o),
      createdAt: new Date().toISOString(),
      signature: `0x${'cd'.repeat(65)}`,
    },
  };
}

function updatedEvent(i: number): TopicMessages['orders'] {
  return {
    kind: 'updated',
    data: { orderHash: hashOf(i, 'u2'), maker: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', status: 'cancelled', previousStatus: 'active', reason: 'maker_cancelled', at: new Date().toISOString() },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<object> {
  const bus = new InProcessBus();
  const gateway = new WsGateway({
    config: {
      host: '127.0.0.1',
      wsPort: 0,
      apiKeys: [],
      ws: { maxMessageBytes: 16 * 1024, maxSubscriptions: 100, sendBufferLimitBytes: 64 * 1024 * 1024, heartbeatMs: 600_000, maxConnections: 10_000, maxConnectionsPerIp: 10_000 },
    },
    bus,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  await gateway.start();
  const child = fork(self, [], { env: { ...process.env, [CHILD_ENV]: `ws://127.0.0.1:${gateway.port()}` }, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    const connectStarted = performance.now();
    await nextMessage(child, (m) => 'ready' in m);
    const connectMs = performance.now() - connectStarted;
    if (gateway.status().connections !== CLIENTS) throw new Error(`only ${gateway.status().connections} clients connected`);

    const latencies: number[] = [];
    const sendLoop: number[] = [];
    for (let i = 0; i < LATENCY_EVENTS + 2; i++) {
      const done = nextMessage(child, (m) => 'done' in m && m.done === hashOf(i, 'c1'));
      const t0 = performance.now();
      await bus.publish('orders', createdEvent(i));
      const t1 = performance.now();
      await done;
      const t2 = performance.now();
      if (i >= 2) {
        // the first two warm up the JIT
        sendLoop.push(t1 - t0);
        latencies.push(t2 - t0);
      }
    }
    latencies.sort((a, b) => a - b);
    sendLoop.sort((a, b) => a - b);

    const allArrived = nextMessage(child, (m) => 'total' in m && m.total >= CLIENTS * THROUGHPUT_EVENTS);
    const t0 = performance.now();
    for (let i = 0; i < THROUGHPUT_EVENTS; i++) await bus.publish('orders', updatedEvent(i));
    const published = performance.now();
    await allArrived;
    const t1 = performance.now();

    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      clients: CLIENTS,
      clientsIn: 'a forked child process',
      connectAllMs: Math.round(connectMs),
      oneEventToAllClientsMs: { median: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), max: round(latencies.at(-1)!), events: LATENCY_EVENTS },
      serverSendLoopMs: { median: round(percentile(sendLoop, 50)) },
      messageBytes: { orderCreated: Buffer.byteLength(JSON.stringify({ type: 'order_created', seq: 1, ts: Date.now(), data: createdEvent(0).data })), orderUpdated: Buffer.byteLength(JSON.stringify({ type: 'order_updated', seq: 1, ts: Date.now(), data: updatedEvent(0).data })) },
      throughput: {
        messages: CLIENTS * THROUGHPUT_EVENTS,
        publishLoopMs: round(published - t0),
        allDeliveredMs: round(t1 - t0),
        messagesPerSecond: Math.round((CLIENTS * THROUGHPUT_EVENTS) / ((t1 - t0) / 1000)),
      },
    };
  } finally {
    child.kill();
    await gateway.stop(500);
    await bus.stop();
  }
}

function nextMessage(child: ChildProcess, pred: (m: FromChild) => boolean): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if ('error' in m) {
        cleanup();
        reject(new Error(m.error));
      } else if (pred(m)) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`client process exited (${code})`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Child: open the clients, subscribe them, and report when the last one got each event. */
async function clients(url: string): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const counts = new Map<string, number>();
  let updates = 0;
  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ op: 'subscribe', channels: ['orders'] })));
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('{"type":"subscribed"')) return resolve();
        const at = text.indexOf('"orderHash":"');
        if (at < 0) return;
        const hash = text.slice(at + 13, at + 13 + 66);
        if (text.startsWith('{"type":"order_updated"')) {
          if (++updates % CLIENTS === 0) send({ total: updates });
          return;
        }
        const n = (counts.get(hash) ?? 0) + 1;
        counts.set(hash, n);
        if (n === CLIENTS) send({ done: hash });
      });
    });
  for (let i = 0; i < CLIENTS; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, CLIENTS - i) }, open));
  }
  send({ ready: true });
}

const childUrl = process.env[CHILD_ENV];
if (process.argv[1] === self) {
  if (childUrl !== undefined) {
    clients(childUrl).catch((err: unknown) => process.send!({ error: String(err) }));
    process.on('disconnect', () => process.exit(0));
  } else {
    console.log(JSON.stringify(await run(), null, 2));
  }
}
