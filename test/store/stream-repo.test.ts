/**
 * The event stream (migration 0003): every order event, chain-event status change and secret
 * reveal gets one numbered row, in commit order, written by the store itself; the repository
 * turns rows back into the bus messages WebSocket clients get; retention moves the horizon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import type { Database } from '../../src/store/db.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { StreamRepository } from '../../src/store/stream-repo.js';
import { ENGINES } from '../support/db.js';
import { block, created, hash32, order } from './support.js';

describe.each(ENGINES)('StreamRepository on $engine', ({ open }) => {
  let database: Database;
  let close: () => Promise<void>;
  let stream: StreamRepository;
  let orders: OrderRepositoryImpl;
  let chain: ChainStateRepository;

  beforeAll(async () => {
    ({ database, close } = await open());
    stream = new StreamRepository(database.db);
    orders = new OrderRepositoryImpl(database.db);
    chain = new ChainStateRepository(database.db);
  });
  afterAll(async () => {
    await close?.();
  });

  it('numbers order, escrow and secret events in commit order and rebuilds their messages', async () => {
    const start = await stream.head();
    const hash = hash32(7);
    const o = order(7);
    await orders.insert({ orderHash: hash, order: o, signature: '0xsig', lockedOutput: null, event: { type: 'created' } });
    const e = created('31337', 10n, 7);
    await chain.apply({ chain: '31337', cursor: block(10n), observed: [e] });
    await orders.transition(hash, ['active'], 'src_escrowed', { type: 'src_escrowed' });
    await chain.apply({ chain: '31337', cursor: block(12n), finalized: [e.id] });
    // A reveal: the secret is set with the transition; its stream row follows the transition's.
    await orders.transition(hash, ['src_escrowed'], 'secret_revealed', { type: 'secret_revealed' }, { secret: hash32(99) });
    // An unchanged status writes nothing.
    await chain.apply({ chain: '31337', cursor: block(13n), observed: [e] });

    const events = await stream.after(start, 100);
    expect(events.map((x) => (x.topic === 'orders' ? `${x.message.kind}:${x.message.data.status}` : x.topic === 'chain' ? `chain:${x.message.status}` : 'secret'))).toEqual([
      'created:active',
      'chain:observed',
      'updated:src_escrowed',
      'chain:final',
      'updated:secret_revealed',
      'secret',
    ]);
    const ids = events.map((x) => x.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await stream.head()).toBe(ids[ids.length - 1]);

    const [createdMsg, escrow, updated, , , secret] = events;
    expect(createdMsg!.topic === 'orders' && createdMsg!.message.kind === 'created' && createdMsg!.message.data).toMatchObject({
      orderHash: hash,
      maker: o.maker,
      status: 'active',
      signature: '0xsig',
      order: { makingAmount: o.makingAmount.toString(), maker: o.maker },
    });
    // bigints beyond 2^64 come back exactly
    expect(escrow!.topic === 'chain' && escrow!.message.event.type === 'escrow_created' && escrow!.message.event.amount).toBe(e.amount);
    expect(updated!.topic === 'orders' && updated!.message.data).toMatchObject({ status: 'src_escrowed', previousStatus: 'active', reason: 'src_escrowed' });
    expect(secret).toMatchObject({ topic: 'secrets', message: { orderHash: hash, maker: o.maker, secret: hash32(99) } });
    // Paging.
    expect((await stream.after(start, 2)).map((x) => x.id)).toEqual(ids.slice(0, 2));
    expect(await stream.after(ids[ids.length - 1]!, 10)).toEqual([]);
  });

  it('prunes events past retention and moves the horizon past them', async () => {
    const head = await stream.head();
    expect(await stream.prunedThrough()).toBe(0n);
    expect(await stream.prune(3_600_000)).toBe(0);
    await sql`update stream_events set created_at = now() - interval '2 hours'`.execute(database.db);
    expect(await stream.prune(3_600_000)).toBeGreaterThan(0);
    expect(await stream.prunedThrough()).toBe(head);
    expect(await stream.after(0n, 10)).toEqual([]);
  });
});
