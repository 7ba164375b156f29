/**
 * Crash safety (issue 5 item 8): the relayer runs as its own process on Postgres and is killed
 * with SIGKILL at random points of a live swap, again and again. After every restart it resumes
 * from the store; the swap still ends executed, and no transition is ever applied twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createOrder, follow } from '../../cli/maker.js';
import { RelayerClient } from '../../client/http.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { createResolver } from '../../resolver/setup.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const API_KEY = 'crash-test-resolver-key-0123';
let evm: EvmDevnet;
let ada: CardanoDevnet;
let pgdb: TestPostgres;
let relayerProc: ChildProcess | null = null;
let httpPort = 0;
let wsPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function spawnRelayer(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: pgdb.url,
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      WS_PORT: String(wsPort),
      DEVNET: 'off',
      EVM_RPC_URL: evm.rpcUrl,
      EVM_CHAIN_ID: String(evm.chainId),
      EVM_ESCROW_FACTORY: evm.factory,
      EVM_CONFIRMATIONS: '2',
      OGMIOS_URL: ada.url,
      CARDANO_NETWORK: 'devnet',
      CARDANO_CONFIRMATIONS: '2',
      API_KEYS: API_KEY,
      SECRET_MARGIN_SECONDS: '30',
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
  return child;
}

async function waitReady(): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${httpPort}/health/ready`)).status;
        } catch {
          return 0;
        }
      },
      { timeout: 120_000, interval: 200 },
    )
    .toBe(200);
}

async function kill9(): Promise<void> {
  const p = relayerProc;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((resolve) => p.once('exit', resolve));
  p.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  [evm, ada, pgdb] = await Promise.all([startEvmDevnet({ blockTime: 1 }), startCardanoDevnet(), withPostgres()]);
  [httpPort, wsPort] = [await freePort(), await freePort()];
  await approveFactory(evm);
}, 240_000);

afterAll(async () => {
  await kill9();
  await Promise.all([evm?.stop(), ada?.stop()]);
  await pgdb?.drop();
});

/** A small deterministic generator, so a failing schedule can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('relayer killed with SIGKILL during a swap', () => {
  it('resumes after every kill and the swap ends executed, each transition applied once', { timeout: 420_000 }, async () => {
    relayerProc = spawnRelayer();
    await waitReady();
    const relayerUrl = `http://127.0.0.1:${httpPort}`;
    const dir = await mkdtemp(join(tmpdir(), 'crash-'));
    const receiver = ada.accounts[2]!;
    const { bot: resolver, close: closeResolver } = await createResolver({
      relayerUrl,
      wsUrl: `ws://127.0.0.1:${wsPort}`,
      apiKey: API_KEY,
      evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
      cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[0]!.privateKey },
      maxPayment: () => 5_800_000n,
      jobsFile: join(dir, 'jobs.json'),
      logger: pino({ level: 'silent' }),
      pollMs: 500,
    });
    await resolver.start();

    const secretsDir = join(dir, 'secrets');
    const record = await createOrder(
      {
        relayer: relayerUrl, key: evm.accounts.maker.privateKey, makerAsset: evm.token, amount: 10n ** 18n,
        receiver: receiver.address, takerAsset: 'lovelace', dstChain: ada.chain, startAmount: 6_000_000n, endAmount: 5_000_000n,
        startIn: 0, duration: 30, expiryIn: 900, timelocks: [6, 600, 900, 1000, 6, 300, 700], srcDeposit: 0n, dstDeposit: 1_000_000n, secretsDir,
      },
      () => undefined,
    );

    let done = false;
    const finished = follow(
      { relayer: relayerUrl, wsUrl: `ws://127.0.0.1:${wsPort}`, orderHash: record.orderHash, reveal: true, secretsDir, pollMs: 300, timeoutMs: 360_000 },
      () => undefined,
    ).finally(() => (done = true));

    // Chaos: kill at random moments until the swap is over (at least three times).
    const random = rng(20261124);
    let kills = 0;
    while (!done || kills < 3) {
      await new Promise((r) => setTimeout(r, 1_000 + random() * 4_000));
      if (done && kills >= 3) break;
      await kill9();
      kills++;
      await new Promise((r) => setTimeout(r, 200 + random() * 1_000));
      relayerProc = spawnRelayer();
      await waitReady();
    }
    const final = await finished.catch(async (err: unknown) => {
      // Say where it stuck: the relayer's view and the resolver's.
      const view = await new RelayerClient(relayerUrl).order(record.orderHash).catch(() => null);
      const job = resolver.job(record.orderHash);
      throw new Error(
        `${(err as Error).message}; after ${kills} kills the order is ${view?.status} ` +
          `(timeline ${view?.timeline?.map((t) => t.toStatus).join(' → ')}), resolver job ${job?.state} ${job?.error ?? ''}`,
      );
    });
    await resolver.waitFor(record.orderHash, ['done'], 60_000);
    await closeResolver();

    expect(kills).toBeGreaterThanOrEqual(3);
    expect(final.status).toBe('executed');
    const view = await new RelayerClient(relayerUrl).order(record.orderHash);
    const statuses = view.timeline!.map((t) => t.toStatus);
    expect(statuses).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
    const escrows = (await new RelayerClient(relayerUrl).escrows({ orderHash: record.orderHash })).items;
    expect(escrows.map((e) => e.status).sort()).toEqual(['withdrawn', 'withdrawn']);
  });
});
