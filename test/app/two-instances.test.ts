/**
 * Two relayer instances on one Postgres and one Redis (architecture §10, issue 2 item 6): an order
 * posted to instance A reaches a WebSocket client of instance B; only one instance leads.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import WebSocket from 'ws';
import { keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { RelayerClient, type WireOrder } from '../../client/http.js';
import { signOrder } from '../../client/sign.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const MAKER = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');

let pgdb: TestPostgres;
let a: RunningRelayer;
let b: RunningRelayer;

beforeAll(async () => {
  pgdb = await withPostgres();
  const env = {
    DATABASE_URL: pgdb.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    WS_PORT: '0',
    DEVNET: 'off',
  };
  const logger = pino({ level: 'silent' });
  // The Redis channel prefix keeps parallel test files apart.
  a = await startRelayer(loadConfig({ ...env, REDIS_CHANNEL_PREFIX: `t${randomBytes(4).toString('hex')}:` }), { logger });
  b = await startRelayer(loadConfig({ ...env, REDIS_CHANNEL_PREFIX: a.config.redisChannelPrefix }), { logger });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await pgdb?.drop();
});

function order(now: number): WireOrder {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: MAKER.address,
    receiver: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
    makerAsset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    makingAmount: '1000000000000000000',
    takerAsset: 'lovelace',
    auction: { startTime: now, duration: 120, startAmount: '5000000', endAmount: '4000000', points: [] },
    hashlock: keccak256(`0x${randomBytes(32).toString('hex')}` as Hex),
    timelocks: {
      srcWithdrawal: 10,
      srcPublicWithdrawal: 600,
      srcCancellation: 900,
      srcPublicCancellation: 1200,
      dstWithdrawal: 10,
      dstPublicWithdrawal: 300,
      dstCancellation: 700,
    },
    srcSafetyDeposit: '0',
    dstSafetyDeposit: '0',
    nonce: '1',
    salt: BigInt(`0x${randomBytes(8).toString('hex')}`).toString(),
    expiry: now + 3600,
  };
}

describe('two instances on one Postgres and one Redis', () => {
  it('an order posted to A reaches a WebSocket client of B, and B serves it from the shared store', async () => {
    const ws = new WebSocket(b.wsUrl);
    const received: { type: string; data: Record<string, unknown> }[] = [];
    ws.on('message', (raw) => received.push(JSON.parse(raw.toString())));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ op: 'subscribe', channels: ['orders'] }));
    await expect.poll(() => received.some((m) => m.type === 'subscribed'), { timeout: 10_000 }).toBe(true);

    const clientA = new RelayerClient(a.httpUrl);
    const typed = await clientA.typedData();
    const o = order(Math.floor(Date.now() / 1000));
    const { orderHash } = await clientA.submit(o, await signOrder(MAKER, typed, o));

    await expect
      .poll(() => received.find((m) => m.type === 'order_created' && m.data.orderHash === orderHash), { timeout: 15_000, interval: 50 })
      .toBeTruthy();
    ws.close();

    const viaB = await new RelayerClient(b.httpUrl).order(orderHash);
    expect(viaB.status).toBe('active');
    // B's active book learned the order from the bus too.
    await expect
      .poll(async () => (await new RelayerClient(b.httpUrl).active()).items.some((i) => i.orderHash === orderHash), { timeout: 10_000 })
      .toBe(true);
  });

  it('exactly one instance holds leadership', async () => {
    const roles = await Promise.all(
      [a, b].map(async (r) => ((await r.health.report()).checks.leadership?.details as { leader: boolean }).leader),
    );
    expect(roles.filter(Boolean)).toHaveLength(1);
  });
});
