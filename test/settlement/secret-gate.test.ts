/**
 * The secret gate through the order use-case on Postgres: a maker's secret is accepted only while
 * the release rule holds at that moment, whatever the stored status says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import pg from 'pg';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { dstDeadlines, srcDeadlines } from '../../src/domain/timelocks.js';
import { RelayerError } from '../../src/orders/errors.js';
import { OrderService } from '../../src/orders/service.js';
import { SettlementCoordinator } from '../../src/settlement/coordinator.js';
import { SecretGate } from '../../src/settlement/secret-gate.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { EscrowRepository } from '../../src/store/escrows-repo.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { SettlementRepository } from '../../src/store/settlement-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { DEPLOYED, RECEIVER, testOrder } from './support.js';

const policy = { toleranceSeconds: 20, secretMarginSeconds: 60 };
const logger = pino({ level: 'silent' });

let pgdb: TestPostgres;
let orders: OrderRepositoryImpl;
let chainState: ChainStateRepository;
let store: SettlementRepository;
let now = DEPLOYED;

beforeAll(async () => {
  pgdb = await withPostgres();
  const db = pgdb.database.db;
  orders = new OrderRepositoryImpl(db);
  chainState = new ChainStateRepository(db);
  store = new SettlementRepository(db, chainState, new EscrowRepository(db));
});
afterAll(async () => pgdb?.drop());

let n = 0;
function setup(secret: Hex) {
  n++;
  const hash = `0x${(0xabc000 + n).toString(16).padStart(64, '0')}` as Hex;
  const order = testOrder({ hashlock: hashlockOf(secret), srcSafetyDeposit: 0n, dstSafetyDeposit: 0n, nonce: BigInt(n), salt: 1n });
  const meta = (chain: string, k: number) => ({ id: `${chain}:0xg${n}${k}:0`, chain, txHash: `0xg${n}${k}`, index: 0, blockNumber: BigInt(n * 10 + k), blockHash: `0xh${n}${k}`, blockTime: DEPLOYED });
  const src: EscrowCreatedEvent = {
    ...meta('31337', 1), type: 'escrow_created', side: 'src', escrow: `0x${n.toString(16).padStart(40, '3')}`, orderHash: hash, hashlock: order.hashlock,
    maker: order.maker, taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', token: order.makerAsset, amount: order.makingAmount, safetyDeposit: 0n,
    deployedAt: DEPLOYED, deadlines: srcDeadlines(order.timelocks, DEPLOYED),
    dst: { chain: 'cardano:devnet', receiver: RECEIVER, asset: 'lovelace', amount: 4_900_000n, safetyDeposit: 0n },
  };
  const dst: EscrowCreatedEvent = {
    ...meta('cardano:devnet', 2), type: 'escrow_created', side: 'dst', escrow: `${n.toString(16).padStart(64, 'd')}#0`, orderHash: hash, hashlock: order.hashlock,
    maker: RECEIVER, taker: 'ee'.repeat(28), token: 'lovelace', amount: 4_900_000n, safetyDeposit: 0n, deployedAt: DEPLOYED + 5,
    deadlines: dstDeadlines(order.timelocks, DEPLOYED),
  };
  return { hash, order, src, dst };
}

async function putFinal(e: ChainEvent) {
  await chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, observed: [e], finalized: [e.id] });
}

function service() {
  return new OrderService({
    repo: orders,
    bus: new InProcessBus(),
    clock: () => now,
    supportedChains: { evm: { '31337': { factory: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } }, cardano: ['cardano:devnet'] },
    logger,
    secretGate: new SecretGate(policy),
  });
}

async function toReady(secret: Hex) {
  const s = setup(secret);
  await orders.insert({ orderHash: s.hash, order: s.order, signature: '0x00', lockedOutput: null, event: { type: 'created' } });
  await putFinal(s.src);
  await putFinal(s.dst);
  now = DEPLOYED + 40;
  await new SettlementCoordinator({ store, orders, bus: new InProcessBus(), clock: () => now, policy, logger }).drain();
  expect((await orders.get(s.hash))!.status).toBe('ready_for_secret');
  return s;
}

async function refusedWith(p: Promise<unknown>, code: string) {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RelayerError);
  expect((err as RelayerError).code).toBe(code);
}

describe('secret gate', () => {
  it('accepts the secret while the rule holds', async () => {
    const secret = `0x${'61'.repeat(32)}` as Hex;
    const s = await toReady(secret);
    await expect(service().revealSecret(s.hash, secret)).resolves.toMatchObject({ status: 'secret_revealed' });
  });

  it('refuses a secret revealed too close to destination cancellation, and changes nothing', async () => {
    const secret = `0x${'62'.repeat(32)}` as Hex;
    const s = await toReady(secret);
    now = DEPLOYED + s.order.timelocks.dstCancellation - policy.secretMarginSeconds;
    await refusedWith(service().revealSecret(s.hash, secret), 'SECRET_WINDOW_CLOSED');
    const stored = (await orders.get(s.hash))!;
    expect(stored.status).toBe('ready_for_secret');
    expect(stored.secret).toBeNull();
  });

  it('refuses when the destination escrow was reorged away before the coordinator caught up', async () => {
    const secret = `0x${'63'.repeat(32)}` as Hex;
    const s = await toReady(secret);
    await chainState.rollback('cardano:devnet', { height: s.dst.blockNumber - 1n, hash: 'fork' });
    await refusedWith(service().revealSecret(s.hash, secret), 'ESCROWS_NOT_READY');
    expect((await orders.get(s.hash))!.secret).toBeNull();
  });

  it('a rollback that commits while the reveal is in flight makes the reveal fail: check and change are one transaction', async () => {
    const secret = `0x${'64'.repeat(32)}` as Hex;
    const s = await toReady(secret);
    // A chain writer (a monitor applying a rollback) holds the writers' lock with the destination
    // escrow already reverted but not yet committed when the maker reveals.
    const writer = new pg.Client({ connectionString: pgdb.url });
    await writer.connect();
    try {
      await writer.query('begin');
      await writer.query('select pg_advisory_xact_lock(7406531982115::bigint)');
      await writer.query(`update chain_events set status = 'reverted' where id = $1`, [s.dst.id]);
      const reveal = service().revealSecret(s.hash, secret).then(() => null, (e: unknown) => e);
      // Wait until the reveal is really waiting on the writers' lock, then let the rollback commit.
      for (;;) {
        const waiting = await writer.query(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
        );
        if (waiting.rowCount) break;
        const settled = await Promise.race([reveal.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);
        if (settled) break; // it did not wait at all: the assertion below says so
      }
      await writer.query('commit');
      const err = await reveal;
      expect(err, 'the reveal must see the rollback that committed before its change').toBeInstanceOf(RelayerError);
      expect((err as RelayerError).code).toBe('ESCROWS_NOT_READY');
      const stored = (await orders.get(s.hash))!;
      expect(stored.status).toBe('ready_for_secret');
      expect(stored.secret).toBeNull();
    } finally {
      await writer.end();
    }
  });
});
