/**
 * Fencing (issue 13 item 3): once a new leader has claimed the next leadership epoch, every
 * write of the old one (chain events and cursor, order transitions, the coordinator's cursor) is
 * refused with FencedError and changes nothing, even though the old one never noticed it lost
 * the lock. A claim waits for a fenced write in flight, so no stale write commits after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { EscrowRepository } from '../../src/store/escrows-repo.js';
import { FencedError, LeaderFence, assertFence } from '../../src/store/fence.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { SettlementRepository } from '../../src/store/settlement-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { block, created, hash32, order } from './support.js';

let pgdb: TestPostgres;

beforeAll(async () => {
  pgdb = await withPostgres();
});
afterAll(async () => {
  await pgdb?.drop();
});

describe('leadership epoch fencing', () => {
  it("refuses every write of a leader whose epoch is over, and lets the new leader's through", async () => {
    const db = pgdb.database.db;
    const chain = new ChainStateRepository(db);
    const orders = new OrderRepositoryImpl(db);
    const hash = hash32(1);
    await orders.insert({ orderHash: hash, order: order(1), signature: null, lockedOutput: null, event: { type: 'created' } });

    const oldLeader = new LeaderFence(db);
    const newLeader = new LeaderFence(db);
    const e1 = await oldLeader.claim();
    await chain.fenced(oldLeader).apply({ chain: '31337', cursor: block(10n), observed: [created('31337', 10n, 1)] });

    // Another instance takes over (the old one's lock connection was cut; it has not noticed).
    const e2 = await newLeader.claim();
    expect(e2).toBe(e1 + 1n);

    const stale = {
      chain: chain.fenced(oldLeader),
      orders: orders.fenced(oldLeader),
      settlement: new SettlementRepository(db, chain.fenced(oldLeader), new EscrowRepository(db), oldLeader),
    };
    await expect(stale.chain.apply({ chain: '31337', cursor: block(11n), observed: [created('31337', 11n, 2)] })).rejects.toBeInstanceOf(FencedError);
    await expect(stale.chain.rollback('31337', block(5n))).rejects.toThrow(/stale leader/);
    await expect(stale.orders.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrowed' })).rejects.toBeInstanceOf(FencedError);
    await expect(
      stale.orders.transitionGuarded(hash, ['active'], 'src_escrowed', { type: 'src_escrowed' }, undefined, () => null),
    ).rejects.toBeInstanceOf(FencedError);
    await expect(stale.settlement.saveCursor(99n)).rejects.toBeInstanceOf(FencedError);
    await expect(stale.settlement.projectEscrow({ event: created('31337', 11n, 3), status: 'observed' })).rejects.toBeInstanceOf(FencedError);

    // Nothing of it reached the store.
    expect((await chain.getCursor('31337'))?.height).toBe(10n);
    expect(await chain.pending('31337')).toHaveLength(1);
    expect((await orders.get(hash))?.status).toBe('active');
    expect(await new SettlementRepository(db, chain, new EscrowRepository(db)).loadCursor()).toBe(0n);
    expect(await new EscrowRepository(db).list()).toHaveLength(0);

    // The new leader writes; an instance that gave leadership up writes nothing.
    await chain.fenced(newLeader).apply({ chain: '31337', cursor: block(11n), observed: [created('31337', 11n, 2)] });
    expect((await orders.fenced(newLeader).transition(hash, ['active'], 'src_escrowed', { type: 'src_escrowed' }))?.status).toBe('src_escrowed');
    newLeader.release();
    await expect(chain.fenced(newLeader).apply({ chain: '31337', cursor: block(12n) })).rejects.toThrow(/not the leader/);
    // Unfenced writers (the API on any instance) are not concerned.
    expect((await orders.transition(hash, ['src_escrowed'], 'escrowed', { type: 'escrowed' }))?.status).toBe('escrowed');
  });

  it('a claim waits for a fenced write in flight: the stale write commits before the new epoch, never after', async () => {
    const db = pgdb.database.db;
    const oldLeader = new LeaderFence(db);
    await oldLeader.claim();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    let locked!: () => void;
    const shareTaken = new Promise<void>((r) => (locked = r));
    const inFlight = db.transaction().execute(async (trx) => {
      await assertFence(trx, oldLeader);
      locked();
      await held;
      order.push('stale write committed');
    });
    await shareTaken;
    const claim = new LeaderFence(db).claim().then(() => order.push('new epoch claimed'));
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual([]); // the claim is waiting
    release();
    await Promise.all([inFlight, claim]);
    expect(order).toEqual(['stale write committed', 'new epoch claimed']);
  });
});
