/**
 * The coordinator on a real Postgres store, fed exactly as the monitors feed it: chain events
 * written through ChainStateRepository.apply, then read back by change sequence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { TopicMessages } from '../../src/bus/types.js';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { SettlementCoordinator } from '../../src/settlement/coordinator.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { EscrowRepository } from '../../src/store/escrows-repo.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { SettlementRepository } from '../../src/store/settlement-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { DEPLOYED, dstEscrowEvent, srcEscrowEvent, testOrder } from './support.js';

const EVM = '31337';
const ADA = 'cardano:devnet';

let pgdb: TestPostgres;
let orders: OrderRepositoryImpl;
let chainState: ChainStateRepository;
let settlementStore: SettlementRepository;
let escrows: EscrowRepository;
let now = DEPLOYED;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  pgdb = await withPostgres();
  const db = pgdb.database.db;
  orders = new OrderRepositoryImpl(db);
  chainState = new ChainStateRepository(db);
  escrows = new EscrowRepository(db);
  settlementStore = new SettlementRepository(db, chainState, escrows);
});
afterAll(async () => pgdb?.drop());

let seq = 0;
function newOrder(secret: Hex): { hash: Hex; order: Order } {
  seq++;
  const hash = `0x${seq.toString(16).padStart(64, '0')}` as Hex;
  const order = testOrder({ hashlock: hashlockOf(secret), nonce: BigInt(seq), salt: 1n });
  return { hash, order };
}

let block = 0;
function meta(chain: string) {
  block++;
  return { id: `${chain}:0xtx${block}:0`, chain, txHash: `0xtx${block}`, index: 0, blockNumber: BigInt(block), blockHash: `0xb${block}`, blockTime: DEPLOYED };
}

function srcEscrow(hash: Hex, o: Order): EscrowCreatedEvent {
  const m = meta(EVM);
  return srcEscrowEvent(hash, o, { ...m, escrow: `0x${block.toString(16).padStart(40, '1')}` });
}

function dstEscrow(hash: Hex, o: Order, amount = 4_900_000n): EscrowCreatedEvent {
  const m = meta(ADA);
  return dstEscrowEvent(hash, o, { ...m, escrow: `${block.toString(16).padStart(64, 'a')}#0`, amount });
}

function withdrawal(of: EscrowCreatedEvent, secret: Hex): ChainEvent {
  return { ...meta(of.chain), type: 'escrow_withdrawn', side: of.side, escrow: of.escrow, orderHash: of.orderHash, secret, public: false, to: of.maker };
}

async function observe(e: ChainEvent) {
  await chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, observed: [e] });
}
async function finalize(e: ChainEvent) {
  await chainState.apply({ chain: e.chain, cursor: { height: e.blockNumber, hash: e.blockHash }, finalized: [e.id] });
}

function coordinator(bus = new InProcessBus(), over: { announceEveryMs?: number } = {}) {
  return new SettlementCoordinator({
    store: settlementStore,
    orders,
    bus,
    clock: () => now,
    policy: { toleranceSeconds: 20, secretMarginSeconds: 60 },
    logger,
    ...over,
  });
}

/** A matching source and destination escrow, both seen and final. */
async function bothEscrowsFinal(hash: Hex, order: Order) {
  const src = srcEscrow(hash, order);
  const dst = dstEscrow(hash, order);
  for (const e of [src, dst]) {
    await observe(e);
    await finalize(e);
  }
  return { src, dst };
}

async function insert(hash: Hex, order: Order) {
  expect(await orders.insert({ orderHash: hash, order, signature: '0x00', lockedOutput: null, event: { type: 'created' } })).toBe('inserted');
}

describe('settlement coordinator on Postgres', () => {
  it('moves an order to ready_for_secret, then executed, writing one timeline event per transition', async () => {
    const secret = `0x${'42'.repeat(32)}` as Hex;
    const { hash, order } = newOrder(secret);
    await insert(hash, order);
    const bus = new InProcessBus();
    const updates: TopicMessages['orders'][] = [];
    bus.subscribe('orders', (m) => updates.push(m));
    const c = coordinator(bus);

    const src = srcEscrow(hash, order);
    const dst = dstEscrow(hash, order);
    now = DEPLOYED + 1;
    await observe(src);
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('src_escrowed');

    await observe(dst);
    await finalize(src);
    await finalize(dst);
    now = DEPLOYED + 31;
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('ready_for_secret');

    // The maker reveals through the API; simulate that transition, then both withdrawals.
    expect(await orders.transition(hash, ['ready_for_secret'], 'secret_revealed', { type: 'secret_revealed' }, { secret })).not.toBeNull();
    const wd = withdrawal(dst, secret);
    const ws = withdrawal(src, secret);
    await observe(wd);
    await observe(ws);
    await finalize(wd);
    await finalize(ws);
    now = DEPLOYED + 200;
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('executed');

    const timeline = (await orders.timeline(hash)).map((t) => t.toStatus);
    expect(timeline).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
    expect(updates.map((u) => u.kind === 'updated' && u.data.status)).toEqual(['src_escrowed', 'escrowed', 'ready_for_secret', 'executed']);

    // The escrows read model followed the same changes.
    const rows = await escrows.listByOrder(hash);
    expect(rows.map((r) => r.status).sort()).toEqual(['withdrawn', 'withdrawn']);
  });

  it('a restarted coordinator resumes from its cursor and applies nothing twice', async () => {
    const { hash, order } = newOrder(`0x${'43'.repeat(32)}` as Hex);
    await insert(hash, order);
    now = DEPLOYED + 1;
    await observe(srcEscrow(hash, order));
    await coordinator().drain();
    const before = await orders.timeline(hash);

    // A crash after the transition but before the cursor was saved: replay from an older cursor.
    await settlementStore.saveCursor(0n);
    const replayed = await coordinator().drain();
    expect(replayed).toBeGreaterThan(0);
    expect(await orders.timeline(hash)).toEqual(before);
    expect((await orders.get(hash))!.status).toBe('src_escrowed');
  });

  it('never offers the secret for an underfunded destination escrow; the sweep marks the fill invalid', async () => {
    const { hash, order } = newOrder(`0x${'44'.repeat(32)}` as Hex);
    await insert(hash, order);
    const src = srcEscrow(hash, order);
    const dst = dstEscrow(hash, order, 4_899_999n);
    for (const e of [src, dst]) {
      await observe(e);
      await finalize(e);
    }
    const c = coordinator();
    now = DEPLOYED + 100;
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('src_escrowed');

    now = DEPLOYED + order.timelocks.dstPublicWithdrawal;
    await c.sweep();
    const stored = (await orders.get(hash))!;
    expect(stored.status).toBe('invalid_fill');
    const last = (await orders.timeline(hash)).at(-1)!;
    expect(JSON.stringify(last.data)).toContain('AMOUNT_TOO_LOW');
  });

  it('a reorg that removes the destination escrow takes the order back out of ready_for_secret', async () => {
    const { hash, order } = newOrder(`0x${'45'.repeat(32)}` as Hex);
    await insert(hash, order);
    const src = srcEscrow(hash, order);
    await observe(src);
    await finalize(src);
    const dst = dstEscrow(hash, order);
    await observe(dst);
    await finalize(dst);
    const c = coordinator();
    now = DEPLOYED + 40;
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('ready_for_secret');

    await chainState.rollback(ADA, { height: dst.blockNumber - 1n, hash: 'fork' });
    await c.drain();
    expect((await orders.get(hash))!.status).toBe('src_escrowed');
  });

  it('expires an unfilled order through the sweep', async () => {
    const { hash, order } = newOrder(`0x${'46'.repeat(32)}` as Hex);
    await insert(hash, order);
    now = order.expiry + 1;
    await coordinator().sweep();
    expect((await orders.get(hash))!.status).toBe('expired');
  });
});

describe('secret re-announcement', () => {
  it('the sweep re-publishes the secret of an order still waiting for its withdrawals', async () => {
    const secret = `0x${'47'.repeat(32)}` as Hex;
    const { hash, order } = newOrder(secret);
    await insert(hash, order);
    await bothEscrowsFinal(hash, order);
    const bus = new InProcessBus();
    const shared: TopicMessages['secrets'][] = [];
    bus.subscribe('secrets', (m) => shared.push(m));
    const c = coordinator(bus);
    now = DEPLOYED + 40;
    await c.drain();
    await c.sweep();
    expect(shared.filter((m) => m.orderHash === hash)).toEqual([]);

    expect(await orders.transition(hash, ['ready_for_secret'], 'secret_revealed', { type: 'secret_revealed' }, { secret })).not.toBeNull();
    await c.sweep();
    await c.sweep();
    expect(shared.filter((m) => m.orderHash === hash).map((m) => m.secret)).toEqual([secret, secret]);
  });
});

describe('public action announcements', () => {
  it('announces a due public action once, again only after announceEveryMs, and stops when it is settled', async () => {
    const secret = `0x${'48'.repeat(32)}` as Hex;
    const { hash, order } = newOrder(secret);
    await insert(hash, order);
    const { dst } = await bothEscrowsFinal(hash, order);
    const bus = new InProcessBus();
    const announced: TopicMessages['actions'][] = [];
    bus.subscribe('actions', (m) => announced.push(m));
    const c = coordinator(bus, { announceEveryMs: 60_000 });
    now = DEPLOYED + 40;
    await c.drain();
    expect(await orders.transition(hash, ['ready_for_secret'], 'secret_revealed', { type: 'secret_revealed' }, { secret })).not.toBeNull();
    await c.sweep();
    const mine = () => announced.filter((a) => a.orderHash === hash);
    expect(mine()).toEqual([]);

    now = DEPLOYED + order.timelocks.dstPublicWithdrawal;
    await c.sweep();
    await c.sweep();
    expect(mine()).toEqual([expect.objectContaining({ side: 'dst', action: 'withdraw', escrow: dst.escrow, secret })]);

    // The destination is withdrawn; when the source's public window opens only it is announced.
    const wd = withdrawal(dst, secret);
    await observe(wd);
    await finalize(wd);
    now = DEPLOYED + order.timelocks.srcPublicWithdrawal;
    await c.drain();
    await c.sweep();
    expect(mine().map((a) => `${a.side}:${a.action}`)).toEqual(['dst:withdraw', 'src:withdraw']);
    expect(mine()[1]!.immutables).toMatchObject({ timelocks: expect.any(String), amount: order.makingAmount.toString() });
  });

  it('re-announces what is still due to a coordinator that restarted', async () => {
    const { hash, order } = newOrder(`0x${'49'.repeat(32)}` as Hex);
    await insert(hash, order);
    const src = srcEscrow(hash, order);
    await observe(src);
    await finalize(src);
    now = DEPLOYED + order.timelocks.srcPublicCancellation;
    const seen: TopicMessages['actions'][] = [];
    for (let restart = 0; restart < 2; restart++) {
      const bus = new InProcessBus();
      bus.subscribe('actions', (m) => seen.push(m));
      const c = coordinator(bus);
      await c.drain();
      await c.sweep();
    }
    const mine = seen.filter((a) => a.orderHash === hash);
    expect((await orders.get(hash))!.status).toBe('invalid_fill');
    expect(mine.map((a) => `${a.side}:${a.action}:${a.closesAt}`)).toEqual(['src:cancel:null', 'src:cancel:null']);
  });
});
