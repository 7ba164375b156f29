/**
 * Leader failover in the middle of a swap (issue 13 item 3): Postgres, Redis, nginx
 * (deploy/nginx/nginx.conf) and three relayer processes on the devnets, the reference resolver
 * and the maker going through nginx.
 *
 * - The leader is SIGKILLed while a swap is between fill and execution, and (another swap) just
 *   as the maker reveals the secret. A standby takes over; each swap ends `executed` with each
 *   transition recorded once; a WebSocket client on nginx sees every transition once, in order.
 * - Printed (not asserted: the machine is shared): the takeover time, from the kill to the new
 *   leader's first processed block, and the share of HTTP requests through nginx that failed.
 * - Partition: the leader's lock connection is cut at the server while the process runs on. It
 *   notices and stops its duties; another instance claims a newer epoch (writes of the old epoch
 *   are refused: test/store/fence.test.ts proves the refusal itself).
 */
import { mkdtemp } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import pg from 'pg';
import { createOrder, follow, type SecretRecord } from '../../cli/maker.js';
import { RelayerApiError, RelayerClient, type OrderView } from '../../client/http.js';
import { RelayerSocket, type ServerMessage } from '../../client/ws.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { createResolver } from '../../resolver/setup.js';
import { LEADER_APPLICATION_NAME } from '../../src/store/leader.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { startNginx, type RunningNginx } from '../support/nginx.js';
import { relayerProcess, type RelayerProcess } from '../support/relayer-process.js';

const API_KEY = 'failover-test-resolver-key-01';
const EXECUTED_TIMELINE = ['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed'];
const TIMELOCKS = [6, 600, 900, 1000, 6, 300, 700];

let evm: EvmDevnet;
let ada: CardanoDevnet;
let pgdb: TestPostgres;
let nginx: RunningNginx;
let instances: RelayerProcess[] = [];
let api: RelayerClient;
let closeResolver: (() => Promise<void>) | undefined;
let dir: string;
const wsEvents: ServerMessage[] = [];
let socket: RelayerSocket | undefined;

interface Health {
  checks: Record<string, { status: string; details?: Record<string, unknown> }>;
}

async function health(i: RelayerProcess): Promise<Health | null> {
  try {
    const r = await fetch(`${i.httpUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return (await r.json()) as Health;
  } catch {
    return null;
  }
}

async function leaderOf(candidates: RelayerProcess[]): Promise<RelayerProcess | undefined> {
  for (const i of candidates) {
    if ((await health(i))?.checks.leadership?.details?.leader === true) return i;
  }
  return undefined;
}

/** Requests through nginx every 100 ms until stopped; counts failures (network error or 5xx). */
function probe(): { stop(): { total: number; failed: number } } {
  let total = 0;
  let failed = 0;
  let on = true;
  void (async () => {
    while (on) {
      total++;
      try {
        const r = await fetch(`${nginx.httpUrl}/api/orders?limit=1`, { headers: { 'x-api-key': API_KEY }, signal: AbortSignal.timeout(5_000) });
        if (r.status >= 500) failed++;
        await r.arrayBuffer();
      } catch {
        failed++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: () => {
      on = false;
      return { total, failed };
    },
  };
}

/**
 * SIGKILLs the leader and waits for a survivor to lead and process a block. Returns the takeover
 * time: from the kill to the first health report in which the new leader's EVM monitor has
 * completed a round (its `updatedAt`), i.e. processed a block.
 */
async function killLeaderAndMeasure(label: string): Promise<{ victim: RelayerProcess; takeoverMs: number }> {
  const victim = await leaderOf(instances);
  expect(victim, 'a leader before the kill').toBeDefined();
  const survivors = instances.filter((i) => i !== victim);
  const killedAt = Date.now();
  await victim!.kill('SIGKILL');
  let firstBlockAt = 0;
  await expect
    .poll(
      async () => {
        for (const i of survivors) {
          const h = await health(i);
          const evmCheck = h?.checks[`evm:${evm.chainId}`]?.details;
          if (h?.checks.leadership?.details?.leader === true && typeof evmCheck?.updatedAt === 'string') {
            firstBlockAt = Date.parse(evmCheck.updatedAt);
            return true;
          }
        }
        return false;
      },
      { timeout: 120_000, interval: 100 },
    )
    .toBe(true);
  const takeoverMs = firstBlockAt - killedAt;
  process.stdout.write(`[failover] ${label}: takeover ${takeoverMs} ms (kill → new leader's first processed block)\n`);
  return { victim: victim!, takeoverMs };
}

beforeAll(async () => {
  [evm, ada, pgdb] = await Promise.all([startEvmDevnet({ blockTime: 1 }), startCardanoDevnet(), withPostgres()]);
  await approveFactory(evm);
  const env = {
    DATABASE_URL: pgdb.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_CHANNEL_PREFIX: `failover${randomBytes(4).toString('hex')}:`,
    EVM_RPC_URL: evm.rpcUrl,
    EVM_CHAIN_ID: String(evm.chainId),
    EVM_ESCROW_FACTORY: evm.factory,
    EVM_CONFIRMATIONS: '2',
    OGMIOS_URL: ada.url,
    CARDANO_NETWORK: 'devnet',
    CARDANO_CONFIRMATIONS: '2',
    API_KEYS: API_KEY,
    SECRET_MARGIN_SECONDS: '30',
    TRUST_PROXY: '127.0.0.1',
    // Maker, resolver and the prober all come through nginx from 127.0.0.1: not what this test limits.
    RATE_LIMIT_MAX: '100000',
    LEADER_RETRY_MS: '1000',
    STREAM_POLL_MS: '250',
  };
  instances = await Promise.all(['a', 'b', 'c'].map((n) => relayerProcess(n, env)));
  // The first one leads: start it alone, then the standbys.
  instances[0]!.start();
  await instances[0]!.ready();
  for (const i of instances.slice(1)) i.start();
  await Promise.all(instances.map((i) => i.ready()));
  nginx = await startNginx(instances);
  api = new RelayerClient(nginx.httpUrl, { apiKey: API_KEY });
  dir = await mkdtemp(join(tmpdir(), 'failover-'));
  const { bot, close } = await createResolver({
    relayerUrl: nginx.httpUrl,
    wsUrl: nginx.wsUrl,
    apiKey: API_KEY,
    evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
    cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[0]!.privateKey },
    maxPayment: () => 5_800_000n,
    jobsFile: join(dir, 'jobs.json'),
    logger: pino({ level: 'silent' }),
    pollMs: 500,
  });
  await bot.start();
  closeResolver = close;
  socket = new RelayerSocket(nginx.wsUrl, { onMessage: (m) => wsEvents.push(m), maxBackoffMs: 1_000 });
  await socket.ready();
  socket.subscribe('orders');
}, 400_000);

afterAll(async () => {
  socket?.close();
  await closeResolver?.();
  await nginx?.stop();
  await Promise.all(instances.map((i) => i.kill('SIGKILL')));
  await Promise.all([evm?.stop(), ada?.stop()]);
  await pgdb?.drop();
});

async function newSwap(): Promise<SecretRecord> {
  return createOrder(
    {
      relayer: nginx.httpUrl, key: evm.accounts.maker.privateKey, makerAsset: evm.token, amount: 10n ** 18n,
      receiver: ada.accounts[2]!.address, takerAsset: 'lovelace', dstChain: ada.chain, startAmount: 6_000_000n, endAmount: 5_000_000n,
      startIn: 0, duration: 30, expiryIn: 900, timelocks: TIMELOCKS, srcDeposit: 0n, dstDeposit: 1_000_000n, secretsDir: join(dir, 'secrets'),
    },
    () => undefined,
  );
}

async function statusOf(hash: string): Promise<string | undefined> {
  return (await api.order(hash).catch(() => null))?.status;
}

/** Executed, each transition recorded once, and the WS client saw each transition once, in order. */
async function expectExecutedOnce(hash: string): Promise<void> {
  const view: OrderView = await api.order(hash);
  expect(view.status).toBe('executed');
  expect(view.timeline!.map((t) => t.toStatus)).toEqual(EXECUTED_TIMELINE);
  await expect
    .poll(() => wsEvents.filter((m) => m.data.orderHash === hash && m.eventId !== undefined).map((m) => String(m.data.status)), { timeout: 30_000 })
    .toEqual(EXECUTED_TIMELINE);
  const ids = wsEvents.filter((m) => m.eventId !== undefined).map((m) => BigInt(m.eventId!));
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
}

describe('leader failover during swaps, three instances behind nginx', () => {
  it('the leader dies between fill and execution: a standby takes over and the swap executes', { timeout: 420_000 }, async () => {
    const record = await newSwap();
    const done = follow({ relayer: nginx.httpUrl, wsUrl: nginx.wsUrl, orderHash: record.orderHash, reveal: true, secretsDir: join(dir, 'secrets'), pollMs: 300, timeoutMs: 360_000 }, () => undefined);
    done.catch(() => undefined);
    await expect.poll(() => statusOf(record.orderHash), { timeout: 180_000, interval: 200 }).toBe('src_escrowed');
    const http = probe();
    const { victim } = await killLeaderAndMeasure('killed between fill and execution');
    await done;
    const { total, failed } = http.stop();
    process.stdout.write(`[failover] HTTP through nginx during the failover: ${failed}/${total} requests failed (${((100 * failed) / Math.max(1, total)).toFixed(1)} %)\n`);
    await expectExecutedOnce(record.orderHash);
    victim.start();
    await victim.ready();
  });

  it('the leader dies as the maker reveals the secret: the swap still executes, the secret shared', { timeout: 420_000 }, async () => {
    const record = await newSwap();
    await expect.poll(() => statusOf(record.orderHash), { timeout: 240_000, interval: 200 }).toBe('ready_for_secret');
    const http = probe();
    // The maker reveals as the leader dies; a reveal that hit the dying instance is retried, as a
    // maker would (409: an earlier attempt did land).
    const reveal = async () => {
      for (;;) {
        try {
          return await api.revealSecret(record.orderHash, record.secret);
        } catch (err) {
          if (err instanceof RelayerApiError && err.status === 409) return null;
          if (!(err instanceof RelayerApiError) || err.status < 500) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const [, { victim }] = await Promise.all([reveal(), killLeaderAndMeasure('killed while the secret is revealed')]);
    await expect.poll(() => statusOf(record.orderHash), { timeout: 300_000, interval: 500 }).toBe('executed');
    const { total, failed } = http.stop();
    process.stdout.write(`[failover] HTTP through nginx during the failover: ${failed}/${total} requests failed (${((100 * failed) / Math.max(1, total)).toFixed(1)} %)\n`);
    await expectExecutedOnce(record.orderHash);
    victim.start();
    await victim.ready();
  });

  it('a leader cut off from its lock stops its duties, and another claims a newer epoch', { timeout: 180_000 }, async () => {
    await expect.poll(() => leaderOf(instances).then(Boolean), { timeout: 60_000, interval: 200 }).toBe(true);
    const old = await leaderOf(instances);
    const epochOf = async (i: RelayerProcess) => (await health(i))?.checks.leadership?.details?.epoch as string | null | undefined;
    const before = BigInt((await epochOf(old!))!);
    const admin = new pg.Client({ connectionString: pgdb.url });
    await admin.connect();
    try {
      const cut = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()`,
        [LEADER_APPLICATION_NAME],
      );
      expect(cut.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // The old one keeps running but gives its duties up...
    await expect.poll(async () => (await health(old!))?.checks.leadership?.details?.leader, { timeout: 60_000, interval: 100 }).toBe(false);
    expect(old!.running()).toBe(true);
    // ...and exactly one instance leads again, under a newer epoch.
    await expect
      .poll(
        async () => {
          const hs = await Promise.all(instances.map(health));
          const leaders = hs.filter((h) => h?.checks.leadership?.details?.leader === true);
          return leaders.length === 1 ? BigInt(leaders[0]!.checks.leadership!.details!.epoch as string) > before : false;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
  });
});
