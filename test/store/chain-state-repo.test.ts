import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import type { Database } from '../../src/store/db.js';
import { ENGINES } from '../support/db.js';
import { BIG, block, created, withdrawn } from './support.js';

const EVM = '31337';
const ADA = 'cardano:devnet';

describe.each(ENGINES)('ChainStateRepository on $engine', ({ open }) => {
  let database: Database;
  let close: () => Promise<void>;
  let repo: ChainStateRepository;

  beforeAll(async () => {
    ({ database, close } = await open());
    repo = new ChainStateRepository(database.db);
  });
  afterAll(async () => {
    await close?.();
  });
  beforeEach(async () => {
    for (const t of ['chain_events', 'chain_blocks', 'chain_cursors'] as const) {
      await database.db.deleteFrom(t).execute();
    }
  });

  it('has no cursor for an unknown chain', async () => {
    expect(await repo.getCursor(EVM)).toBeNull();
    expect(await repo.blockAt(EVM, 1n)).toBeNull();
    expect(await repo.recentBlocks(EVM, 5)).toEqual([]);
    expect(await repo.pending(EVM)).toEqual([]);
  });

  it('stores events, blocks and the cursor in one apply, and returns new observations in chain order', async () => {
    const e1 = created(EVM, 10n, 1);
    const e2 = created(EVM, 11n, 2);
    const updates = await repo.apply({
      chain: EVM,
      cursor: block(11n),
      blocks: [block(10n), block(11n)],
      observed: [e1, e2],
    });
    expect(updates).toEqual([
      { status: 'observed', event: e1 },
      { status: 'observed', event: e2 },
    ]);
    expect(await repo.getCursor(EVM)).toEqual({ chain: EVM, height: 11n, hash: '0xblock11' });
    expect(await repo.blockAt(EVM, 10n)).toEqual(block(10n));
    expect(await repo.recentBlocks(EVM, 1)).toEqual([block(11n)]);
    const pending = await repo.pending(EVM);
    expect(pending).toEqual([e1, e2]);
    // bigints beyond 2^64 inside the event jsonb come back exactly
    expect(pending[0]!.type === 'escrow_created' && pending[0]!.amount).toBe(BIG + 1n);
  });

  it('ignores ids already stored and reports finality once', async () => {
    const e1 = created(EVM, 10n, 1);
    await repo.apply({ chain: EVM, cursor: block(10n), observed: [e1] });
    // replay after a crash: same event again, nothing new
    expect(await repo.apply({ chain: EVM, cursor: block(10n), observed: [e1] })).toEqual([]);

    expect(await repo.apply({ chain: EVM, cursor: block(22n), finalized: [e1.id, 'unknown-id'] })).toEqual([
      { status: 'final', event: e1 },
    ]);
    expect(await repo.apply({ chain: EVM, cursor: block(23n), finalized: [e1.id], observed: [e1] })).toEqual([]);
    expect(await repo.pending(EVM)).toEqual([]);
  });

  it('orders a batch by block, observations before finalities in one block', async () => {
    const old = created(EVM, 5n, 1);
    await repo.apply({ chain: EVM, cursor: block(5n), observed: [old] });
    const a = created(EVM, 6n, 2);
    const b = withdrawn(EVM, 6n, 1);
    const updates = await repo.apply({ chain: EVM, cursor: block(6n), observed: [a, b], finalized: [old.id, a.id] });
    expect(updates).toEqual([
      { status: 'final', event: old },
      { status: 'observed', event: a },
      { status: 'observed', event: b },
      { status: 'final', event: a },
    ]);
  });

  it('keeps Cardano slots on blocks and cursors, per chain', async () => {
    await repo.apply({ chain: ADA, cursor: block(3n, 2n ** 66n), blocks: [block(2n, 40n), block(3n, 2n ** 66n)] });
    await repo.apply({ chain: EVM, cursor: block(100n), blocks: [block(100n)] });
    expect(await repo.getCursor(ADA)).toEqual({ chain: ADA, height: 3n, hash: '0xblock3', slot: 2n ** 66n });
    expect(await repo.recentBlocks(ADA, 10)).toEqual([block(3n, 2n ** 66n), block(2n, 40n)]);
    expect(await repo.recentBlocks(EVM, 10)).toEqual([block(100n)]);
  });

  it('replaces a recorded block at the same height (a new chain after a reorg)', async () => {
    await repo.apply({ chain: EVM, cursor: block(7n), blocks: [block(7n)] });
    await repo.apply({ chain: EVM, cursor: { height: 7n, hash: '0xother' }, blocks: [{ height: 7n, hash: '0xother' }] });
    expect(await repo.blockAt(EVM, 7n)).toEqual({ height: 7n, hash: '0xother' });
  });

  it('rolls back: reverts events above the height (observed and final), drops blocks, moves the cursor', async () => {
    const keep = created(EVM, 10n, 1);
    const gone1 = created(EVM, 11n, 2);
    const gone2 = withdrawn(EVM, 12n, 1);
    await repo.apply({
      chain: EVM,
      cursor: block(12n),
      blocks: [block(10n), block(11n), block(12n)],
      observed: [keep, gone1, gone2],
      finalized: [keep.id, gone1.id],
    });
    const other = created(ADA, 50n, 9);
    await repo.apply({ chain: ADA, cursor: block(50n), observed: [other] });

    const reversals = await repo.rollback(EVM, block(10n));
    // newest first: the order in which to undo
    expect(reversals).toEqual([
      { status: 'reverted', event: gone2 },
      { status: 'reverted', event: gone1 },
    ]);
    expect(await repo.getCursor(EVM)).toEqual({ chain: EVM, height: 10n, hash: '0xblock10' });
    expect(await repo.recentBlocks(EVM, 10)).toEqual([block(10n)]);
    expect(await repo.pending(EVM)).toEqual([]);
    expect(await repo.pending(ADA)).toEqual([other]);
    // rolling back again changes nothing
    expect(await repo.rollback(EVM, block(10n))).toEqual([]);
  });

  it('brings a reverted event back as observed when it is mined again with the same id', async () => {
    const e = created(EVM, 11n, 2);
    await repo.apply({ chain: EVM, cursor: block(11n), observed: [e] });
    await repo.rollback(EVM, block(10n));
    const remined = { ...e, blockNumber: 12n, blockHash: '0xnew12' };
    expect(await repo.apply({ chain: EVM, cursor: block(12n), observed: [remined] })).toEqual([
      { status: 'observed', event: remined },
    ]);
    expect(await repo.pending(EVM)).toEqual([remined]);
    // and it is now a normal observed event again: seen again → ignored
    expect(await repo.apply({ chain: EVM, cursor: block(12n), observed: [remined] })).toEqual([]);
  });

  it('lists every change by seq, outbox style', async () => {
    const e1 = created(EVM, 10n, 1);
    const e2 = created(ADA, 3n, 2);
    await repo.apply({ chain: EVM, cursor: block(10n), observed: [e1] });
    await repo.apply({ chain: ADA, cursor: block(3n), observed: [e2] });
    const first = await repo.listEvents(0n, 100);
    expect(first.map((x) => [x.status, x.event.id])).toEqual([
      ['observed', e1.id],
      ['observed', e2.id],
    ]);
    const after = first[first.length - 1]!.seq;
    expect(await repo.listEvents(after, 100)).toEqual([]);

    await repo.apply({ chain: EVM, cursor: block(30n), finalized: [e1.id] });
    await repo.rollback(ADA, block(2n));
    const next = await repo.listEvents(after, 100);
    expect(next.map((x) => [x.status, x.event])).toEqual([
      ['final', e1],
      ['reverted', e2],
    ]);
    expect(next[0]!.seq > after).toBe(true);
    expect(await repo.listEvents(after, 1)).toHaveLength(1);
    expect((await repo.listEvents(0n, 100, ADA)).map((x) => x.event.id)).toEqual([e2.id]);
  });

  it('leaves nothing behind when an apply fails midway', async () => {
    const good = created(EVM, 10n, 1);
    await expect(
      repo.apply({ chain: EVM, cursor: block(10n), observed: [good, created(ADA, 10n, 2)] }),
    ).rejects.toThrow(/batch is for/);
    // the event is written first, then a block whose slot overflows numeric(20,0) fails the transaction
    await expect(
      repo.apply({ chain: EVM, cursor: block(11n), observed: [good], blocks: [block(10n), block(11n, 10n ** 25n)] }),
    ).rejects.toThrow();
    expect(await repo.pending(EVM)).toEqual([]);
    expect(await repo.listEvents(0n, 10)).toEqual([]);
    expect(await repo.getCursor(EVM)).toBeNull();
    expect(await repo.blockAt(EVM, 10n)).toBeNull();
  });

  it('stores the order hash lower-cased, to match orders.order_hash', async () => {
    const e = created(EVM, 10n, 1, { orderHash: `0x${'AB'.repeat(32)}` });
    await repo.apply({ chain: EVM, cursor: block(10n), observed: [e] });
    const row = await database.db.selectFrom('chain_events').select('order_hash').executeTakeFirstOrThrow();
    expect(row.order_hash).toBe(`0x${'ab'.repeat(32)}`);
    // the event itself is kept as reported
    expect((await repo.pending(EVM))[0]).toEqual(e);
  });

  it('takes concurrent batches of two chains and the same event twice without loss or duplicates', async () => {
    const evm = Array.from({ length: 5 }, (_, i) => created(EVM, 10n + BigInt(i), i));
    const ada = Array.from({ length: 5 }, (_, i) => created(ADA, 20n + BigInt(i), 10 + i));
    const results = await Promise.all([
      ...evm.map((e) => repo.apply({ chain: EVM, cursor: block(e.blockNumber), observed: [e] })),
      ...ada.map((e) => repo.apply({ chain: ADA, cursor: block(e.blockNumber), observed: [e] })),
      repo.apply({ chain: EVM, cursor: block(10n), observed: [evm[0]!] }),
    ]);
    // evm[0] was applied twice at once: exactly one of the two reports it
    expect(results.flat().filter((u) => u.event.id === evm[0]!.id)).toHaveLength(1);
    const all = await repo.listEvents(0n, 100);
    expect(all.map((x) => x.event.id).sort()).toEqual([...evm, ...ada].map((e) => e.id).sort());
    const seqs = all.map((x) => x.seq);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });

  it('prunes old blocks but keeps events', async () => {
    const e = created(EVM, 1n, 1);
    await repo.apply({ chain: EVM, cursor: block(3n), blocks: [block(1n), block(2n), block(3n)], observed: [e] });
    await repo.pruneBlocks(EVM, 3n);
    expect(await repo.recentBlocks(EVM, 10)).toEqual([block(3n)]);
    expect(await repo.pending(EVM)).toEqual([e]);
  });

  it('returns numerics as strings from the driver, never JS numbers', async () => {
    const r = await sql<{ n: unknown; c: unknown }>`select ${'18446744073709551617'}::numeric as n, count(*) as c from chain_events`.execute(
      database.db,
    );
    expect(r.rows[0]).toEqual({ n: '18446744073709551617', c: '0' });
  });
});
