import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import type { Database } from '../../src/store/db.js';
import { EscrowRepository } from '../../src/store/escrows-repo.js';
import type { ChainEventUpdate } from '../../src/chains/events.js';
import type { Hex } from '../../src/domain/order.js';
import { ENGINES } from '../support/db.js';
import { BIG, block, cancelled, created, hash32, withdrawn } from './support.js';

const EVM = '31337';
const ADA = 'cardano:devnet';

describe.each(ENGINES)('EscrowRepository on $engine', ({ open }) => {
  let database: Database;
  let close: () => Promise<void>;
  let escrows: EscrowRepository;
  let chainState: ChainStateRepository;

  beforeAll(async () => {
    ({ database, close } = await open());
    escrows = new EscrowRepository(database.db);
    chainState = new ChainStateRepository(database.db);
  });
  afterAll(async () => {
    await close?.();
  });
  beforeEach(async () => {
    for (const t of ['escrows', 'chain_events', 'chain_blocks', 'chain_cursors'] as const) {
      await database.db.deleteFrom(t).execute();
    }
  });

  const feed = async (updates: ChainEventUpdate[]) => {
    const changed: boolean[] = [];
    for (const u of updates) changed.push(await escrows.upsertFromUpdate(u));
    return changed;
  };

  it('creates a row from escrow_created and reads it back exactly', async () => {
    const e = created(EVM, 10n, 1);
    expect(await escrows.upsertFromUpdate({ status: 'observed', event: e })).toBe(true);
    const row = await escrows.get(EVM, e.escrow);
    expect(row).toMatchObject({
      chain: EVM,
      escrowId: e.escrow,
      orderHash: hash32(1),
      side: 'src',
      status: 'created',
      amount: BIG + 1n,
      statusEvent: null,
      txHash: e.txHash,
      blockNumber: 10n,
      final: false,
    });
    expect(row!.created).toEqual(e);
    expect(row!.createdAt).toBeInstanceOf(Date);
    // seen again: nothing changes
    expect(await escrows.upsertFromUpdate({ status: 'observed', event: e })).toBe(false);
    expect(await escrows.get(EVM, 'nope')).toBeNull();
  });

  it('follows finality, withdrawal and its finality', async () => {
    const c = created(EVM, 10n, 1);
    const w = withdrawn(EVM, 12n, 1);
    expect(await feed([{ status: 'observed', event: c }, { status: 'final', event: c }])).toEqual([true, true]);
    expect((await escrows.get(EVM, c.escrow))!.final).toBe(true);
    expect(await feed([{ status: 'observed', event: w }])).toEqual([true]);
    let row = await escrows.get(EVM, c.escrow);
    expect(row).toMatchObject({ status: 'withdrawn', final: false, statusEvent: w });
    // the creation becoming final again (replay) does not disturb the withdrawal
    expect(await feed([{ status: 'final', event: c }, { status: 'observed', event: w }])).toEqual([false, false]);
    expect(await feed([{ status: 'final', event: w }])).toEqual([true]);
    row = await escrows.get(EVM, c.escrow);
    expect(row).toMatchObject({ status: 'withdrawn', final: true });
    // a cancellation cannot follow a withdrawal
    expect(await feed([{ status: 'observed', event: cancelled(EVM, 13n, 1) }])).toEqual([false]);
  });

  it('records a creation first seen as final, and ignores events of unknown escrows', async () => {
    const c = created(ADA, 3n, 2, { escrow: 'ab'.repeat(32) + '#0', side: 'dst' });
    expect(await escrows.upsertFromUpdate({ status: 'final', event: c })).toBe(true);
    expect(await escrows.get(ADA, c.escrow)).toMatchObject({ status: 'created', final: true, side: 'dst' });
    expect(await escrows.upsertFromUpdate({ status: 'observed', event: withdrawn(EVM, 5n, 77) })).toBe(false);
    expect(
      await escrows.upsertFromUpdate({
        status: 'observed',
        event: { type: 'order_invalidated', id: 'x', chain: EVM, txHash: '0x', index: 0, blockNumber: 1n, blockHash: '0x', blockTime: 0, maker: '0x' },
      }),
    ).toBe(false);
  });

  it('undoes rolled-back events: withdrawal back to created, creation to reverted, then re-mined', async () => {
    const c = created(EVM, 10n, 1);
    const w = withdrawn(EVM, 12n, 1);
    // the real flow: monitor → chain state → escrows
    await feed(await chainState.apply({ chain: EVM, cursor: block(12n), observed: [c, w], finalized: [c.id] }));
    expect(await escrows.get(EVM, c.escrow)).toMatchObject({ status: 'withdrawn', final: false });

    await feed(await chainState.rollback(EVM, block(11n)));
    // the creation is still final in the chain-event log, so the row is final again
    expect(await escrows.get(EVM, c.escrow)).toMatchObject({ status: 'created', final: true, statusEvent: null });

    // a deeper reorg takes the creation too
    await feed(await chainState.rollback(EVM, block(9n)));
    expect(await escrows.get(EVM, c.escrow)).toMatchObject({ status: 'reverted', final: false });
    // a withdrawal of a reverted escrow is not applied
    expect(await feed([{ status: 'observed', event: w }])).toEqual([false]);

    const remined = { ...c, blockNumber: 11n, blockHash: '0xnew11' };
    await feed(await chainState.apply({ chain: EVM, cursor: block(11n), observed: [remined] }));
    expect(await escrows.get(EVM, c.escrow)).toMatchObject({ status: 'created', final: false, blockNumber: 11n });
    expect((await escrows.get(EVM, c.escrow))!.created).toEqual(remined);
  });

  it('lists by order and chain', async () => {
    const order = hash32(1);
    await feed([
      { status: 'observed', event: created(EVM, 10n, 1) },
      { status: 'observed', event: created(ADA, 4n, 1, { side: 'dst', escrow: 'cd'.repeat(32) + '#1' }) },
      { status: 'observed', event: created(EVM, 11n, 2) },
    ]);
    expect((await escrows.listByOrder(order)).map((e) => [e.chain, e.side]).sort()).toEqual([
      [EVM, 'src'],
      [ADA, 'dst'],
    ].sort());
    expect((await escrows.listByOrder(order.toUpperCase().replace('0X', '0x') as Hex, ADA)).map((e) => e.escrowId)).toEqual([
      'cd'.repeat(32) + '#1',
    ]);
    expect(await escrows.list({ chain: EVM })).toHaveLength(2);
    expect(await escrows.list()).toHaveLength(3);
    expect(await escrows.list({ limit: 1 })).toHaveLength(1);
    expect(await escrows.list({ orderHash: hash32(2), chain: ADA })).toEqual([]);
  });

  it('works inside a caller transaction (rolled back with it)', async () => {
    const c = created(EVM, 10n, 1);
    await expect(
      database.db.transaction().execute(async (trx) => {
        expect(await new EscrowRepository(trx).upsertFromUpdate({ status: 'observed', event: c })).toBe(true);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await escrows.get(EVM, c.escrow)).toBeNull();
  });
});
