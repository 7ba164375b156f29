/**
 * The maker CLI against a real relayer (Postgres store, HTTP, coordinator). No chain runs here:
 * escrow events are written to the store the way the monitors write them, so the relayer's
 * coordinator drives the order and the CLI follows, reveals and ends on `executed`.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { privateKeyToAccount } from 'viem/accounts';
import { loadConfig } from '../../src/config.js';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import type { Hex } from '../../src/domain/order.js';
import { dstDeadlines, srcDeadlines } from '../../src/domain/timelocks.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { createOrder, follow, runCli, status, type SecretRecord } from '../../cli/maker.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

// anvil's account #1 (well known, test only).
const MAKER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as Hex;
const RECEIVER = 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

let pgdb: TestPostgres;
let relayer: RunningRelayer;
let chainState: ChainStateRepository;
let secretsDir: string;

beforeAll(async () => {
  pgdb = await withPostgres();
  chainState = new ChainStateRepository(pgdb.database.db);
  const config = loadConfig({
    DATABASE_URL: pgdb.url,
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    WS_PORT: '0',
    DEVNET: 'off',
    SECRET_MARGIN_SECONDS: '10',
  });
  relayer = await startRelayer(config, { logger: pino({ level: 'silent' }) });
  secretsDir = await mkdtemp(join(tmpdir(), 'maker-secrets-'));
});
afterAll(async () => {
  await relayer?.stop();
  await pgdb?.drop();
});

const lines: string[] = [];
const out = (l: string) => lines.push(l);

async function create(): Promise<SecretRecord> {
  return createOrder(
    {
      relayer: relayer.httpUrl,
      key: MAKER_KEY,
      makerAsset: TOKEN,
      amount: 10n ** 18n,
      receiver: RECEIVER,
      takerAsset: 'lovelace',
      dstChain: 'cardano:devnet',
      startAmount: 5_000_000n,
      endAmount: 4_000_000n,
      startIn: -60,
      duration: 600,
      expiryIn: 3600,
      timelocks: [0, 600, 900, 1200, 0, 300, 700],
      srcDeposit: 0n,
      dstDeposit: 0n,
      secretsDir,
    },
    out,
  );
}

let block = 1000;
function meta(chain: string, blockTime: number) {
  block++;
  return { id: `${chain}:0xcli${block}:0`, chain, txHash: `0xcli${block}`, index: 0, blockNumber: BigInt(block), blockHash: `0xb${block}`, blockTime };
}

async function putFinal(e: ChainEvent) {
  await chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, observed: [e] });
  await chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, finalized: [e.id] });
}

function escrows(record: SecretRecord, deployedAt: number): [EscrowCreatedEvent, EscrowCreatedEvent] {
  const o = record.order;
  const maker = privateKeyToAccount(MAKER_KEY).address;
  const src: EscrowCreatedEvent = {
    ...meta('31337', deployedAt),
    type: 'escrow_created',
    side: 'src',
    escrow: `0x${block.toString(16).padStart(40, '2')}`,
    orderHash: record.orderHash,
    hashlock: o.hashlock as Hex,
    maker,
    taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    token: TOKEN,
    amount: BigInt(o.makingAmount),
    safetyDeposit: 0n,
    deployedAt,
    deadlines: srcDeadlines(o.timelocks, deployedAt),
    dst: { chain: 'cardano:devnet', receiver: RECEIVER, asset: 'lovelace', amount: 5_000_000n, safetyDeposit: 0n },
  };
  const dst: EscrowCreatedEvent = {
    ...meta('cardano:devnet', deployedAt + 5),
    type: 'escrow_created',
    side: 'dst',
    escrow: `${block.toString(16).padStart(64, 'c')}#0`,
    orderHash: record.orderHash,
    hashlock: o.hashlock as Hex,
    maker: RECEIVER,
    taker: 'ee'.repeat(28),
    token: 'lovelace',
    amount: 5_000_000n,
    safetyDeposit: 0n,
    deployedAt: deployedAt + 5,
    deadlines: dstDeadlines(o.timelocks, deployedAt),
  };
  return [src, dst];
}

describe('maker CLI', () => {
  it('creates and signs an order the relayer accepts, keeping the secret in a 0600 file', async () => {
    const record = await create();
    const file = join(secretsDir, `${record.orderHash}.json`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(secretsDir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8')).secret).toBe(record.secret);
    const view = await relayer.orders.get(record.orderHash);
    expect(view.stored.status).toBe('active');
    expect(lines.join('\n')).not.toContain(record.secret);
  });

  it('follows a swap through every stage, reveals only when ready, and ends executed', async () => {
    const record = await create();
    const now = Math.floor(Date.now() / 1000);
    const [src, dst] = escrows(record, now - 30);
    const followed: string[] = [];
    const done = follow({ relayer: relayer.httpUrl, orderHash: record.orderHash, reveal: true, secretsDir, pollMs: 200 }, (l) => followed.push(l));

    await putFinal(src);
    await putFinal(dst);
    // Wait until the maker's secret reached the relayer, then the resolver withdraws on both chains.
    await expect.poll(async () => (await relayer.orders.get(record.orderHash)).stored.status, { timeout: 20_000, interval: 200 }).toBe('secret_revealed');
    for (const e of [dst, src]) {
      await putFinal({ ...meta(e.chain, now), type: 'escrow_withdrawn', side: e.side, escrow: e.escrow, orderHash: record.orderHash, secret: record.secret, public: false, to: e.maker });
    }
    const final = await done;
    expect(final.status).toBe('executed');
    const stages = followed.filter((l) => l.startsWith('[')).map((l) => l.split(/\s+/)[1]);
    expect(stages).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed'].filter((s) => stages.includes(s)));
    expect(stages.at(-1)).toBe('executed');
    expect(followed).toContain('secret sent to the relayer');

    const history: string[] = [];
    await status(relayer.httpUrl, record.orderHash, (l) => history.push(l));
    expect(history.join('\n')).toMatch(/ready_for_secret[\s\S]*secret_revealed[\s\S]*executed/);
  });

  it('answers a bad command line with usage and exit code 2, and a refused order with exit code 1', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await runCli(['create', '--relayer', relayer.httpUrl, '--key', MAKER_KEY, '--amount', '-5'], out)).toBe(2);
      expect(await runCli(['frobnicate'], out)).toBe(2);
      expect(
        await runCli(
          ['create', '--relayer', relayer.httpUrl, '--key', MAKER_KEY, '--maker-asset', TOKEN, '--amount', '1', '--receiver', 'addr_test1bad',
           '--start-amount', '2', '--end-amount', '1', '--secrets-dir', secretsDir],
          out,
        ),
      ).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toContain('relayer refused: 400');
  });
});
