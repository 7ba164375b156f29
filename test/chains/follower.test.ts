/**
 * The chain follower itself, on the real store (Postgres, a database per test) with a scripted
 * source standing in for a node: the test decides each step (blocks, rollbacks, idle rounds,
 * failures), so the follower's own policies can be checked one by one — commit then publish, the
 * bus failure policy, finality, rollback reversal, batching, pruning, retry with backoff, status.
 * The chain sources and decoders are tested against real nodes in test/chains-evm and
 * test/chains-cardano.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { Bus, Topic, TopicMessages } from '../../src/bus/types.js';
import type { ChainEvent, ChainEventUpdate } from '../../src/chains/events.js';
import { ChainFollower, type ChainFollowerOptions } from '../../src/chains/follower.js';
import type { BlockRef, ChainDecoder, ChainHead, ChainSource, FollowerView, SourceStep } from '../../src/chains/ports.js';
import { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const CHAIN = 'test:scripted';

/** Raw block of the scripted chain: its events are given as they should be decoded. */
interface RawBlock {
  block: BlockRef;
  events: ChainEvent[];
  ignored?: string[];
}

type Scripted = SourceStep<RawBlock> | Error;

/** A node played by the test: `next()` hands out what the test pushed, in order, and waits when there is nothing. */
class ScriptedSource implements ChainSource<RawBlock> {
  readonly chain = CHAIN;
  connected = false;
  startHeight = 0n;
  /** Every view the follower showed at a call of next(): what was taken when it asked. */
  readonly asked: { cursor: bigint | null; pending: string[] }[] = [];
  /** Times the follower made it start over from the view. */
  resets = 0;
  private readonly script: Scripted[] = [];
  private waiting: (() => void) | null = null;
  private closed = false;

  push(...steps: Scripted[]): void {
    this.script.push(...steps);
    this.waiting?.();
  }

  get remaining(): number {
    return this.script.length;
  }

  async next(view: FollowerView): Promise<SourceStep<RawBlock>> {
    this.asked.push({ cursor: view.cursor()?.height ?? null, pending: view.pending().map((e) => e.id) });
    while (this.script.length === 0) {
      if (this.closed) throw new Error('source closed');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const s = this.script.shift()!;
    if (s instanceof Error) {
      this.connected = false;
      throw s;
    }
    this.connected = true;
    return s;
  }

  async reset(): Promise<void> {
    this.resets++;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting?.();
  }
}

const decoder: ChainDecoder<RawBlock> = {
  async decode(raw) {
    return { events: raw.events, ignored: (raw.ignored ?? []).map((reason) => ({ reason })) };
  },
};

const ref = (height: number, branch = 'a'): BlockRef => ({ height: BigInt(height), hash: `${branch}${height}` });
const head = (height: number): ChainHead => ({ height: BigInt(height) });

function event(height: number, n = 0, branch = 'a'): ChainEvent {
  return {
    type: 'order_invalidated',
    id: `${CHAIN}:tx${height}${branch}:${n}`,
    chain: CHAIN,
    txHash: `tx${height}${branch}`,
    index: n,
    blockNumber: BigInt(height),
    blockHash: `${branch}${height}`,
    blockTime: 1_700_000_000 + height,
    maker: '0x00000000000000000000000000000000000000aa',
  };
}

function forward(height: number, events: ChainEvent[], opts: { head?: number; flush?: boolean; branch?: string; ignored?: string[] } = {}): SourceStep<RawBlock> {
  const block = ref(height, opts.branch);
  return { kind: 'forward', raw: { block, events, ignored: opts.ignored }, cursor: block, blocks: [block], head: head(opts.head ?? height), flush: opts.flush ?? true };
}

/** A bus that records what it was asked to publish and can refuse some of it. */
class RecordingBus implements Bus {
  readonly published: ChainEventUpdate[] = [];
  refuse: (u: ChainEventUpdate) => boolean = () => false;
  onPublish: (u: ChainEventUpdate) => Promise<void> = async () => {};
  async publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    const u = message as ChainEventUpdate;
    if (topic !== 'chain') return;
    await this.onPublish(u);
    if (this.refuse(u)) throw new Error('bus down');
    this.published.push(u);
  }
  subscribe(): () => void {
    return () => {};
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

describe('ChainFollower', () => {
  let pg: TestPostgres | undefined;
  let store: ChainStateRepository;
  const followers: ChainFollower<RawBlock>[] = [];

  afterEach(async () => {
    for (const f of followers.splice(0)) await f.stop();
    await pg?.drop();
    pg = undefined;
  });

  async function setup(opts: Partial<ChainFollowerOptions<RawBlock>> = {}) {
    pg ??= await withPostgres();
    store = new ChainStateRepository(pg.database.db);
    const source = new ScriptedSource();
    const bus = new RecordingBus();
    const registry = new Registry();
    const follower = new ChainFollower<RawBlock>({
      source,
      decoder,
      store,
      bus,
      registry,
      confirmations: 1,
      keepBlocks: 100,
      minBackoffMs: 5,
      maxBackoffMs: 40,
      ...opts,
    });
    followers.push(follower);
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      ((await registry.getSingleMetric(name)?.get())?.values ?? [])
        .filter((v) => v.labels.chain === CHAIN && Object.entries(labels).every(([k, x]) => v.labels[k] === x))
        .reduce((sum, v) => sum + v.value, 0);
    const drained = () => expect.poll(() => source.remaining === 0 && source.asked.length > 0, { timeout: 20_000 }).toBe(true);
    const history = (id: string) => bus.published.filter((u) => u.event.id === id).map((u) => u.status);
    return { source, bus, follower, metric, drained, history };
  }

  it('commits events and cursor before publishing them, and publishes each update once across a restart', async () => {
    const { source, bus, follower } = await setup({ confirmations: 2 });
    // At each publish: the update and the cursor of its batch are already in the store.
    const seenAtPublish: { id: string; stored: boolean; cursor: bigint | undefined }[] = [];
    bus.onPublish = async (u) => {
      seenAtPublish.push({ id: u.event.id, stored: (await store.eventById(CHAIN, u.event.id)) !== null, cursor: (await store.getCursor(CHAIN))?.height });
    };
    await follower.start();
    source.push(forward(1, [event(1)]), forward(2, [event(2)]));
    await expect.poll(() => bus.published.length, { timeout: 20_000 }).toBe(3); // 1 observed, 2 observed, 1 final
    expect(seenAtPublish).toEqual([
      { id: event(1).id, stored: true, cursor: 1n }, // observed
      { id: event(1).id, stored: true, cursor: 2n }, // final, in chain order before block 2's news
      { id: event(2).id, stored: true, cursor: 2n }, // observed
    ]);
    await follower.stop();

    // A second follower on the same store resumes from the stored cursor: the source is asked
    // from block 2, block 2 handed over again changes nothing and is not published again.
    const again = await setup({ confirmations: 2 });
    await again.follower.start();
    again.source.push(forward(2, [event(2)]), forward(3, [event(3)]));
    await expect.poll(() => again.bus.published.length, { timeout: 20_000 }).toBe(2);
    expect(again.source.asked[0]).toEqual({ cursor: 2n, pending: [event(2).id] });
    expect(again.bus.published.map((u) => [u.event.id, u.status])).toEqual([
      [event(2).id, 'final'],
      [event(3).id, 'observed'],
    ]);
  });

  it('logs and counts a bus failure after the commit, never retries it, and keeps following', async () => {
    const { source, bus, follower, metric } = await setup();
    bus.refuse = (u) => u.event.id === event(1).id && u.status === 'observed';
    await follower.start();
    source.push(forward(1, [event(1)]), forward(2, [event(2)]));
    await expect.poll(() => bus.published.map((u) => `${u.event.id} ${u.status}`), { timeout: 20_000 }).toEqual([
      `${event(1).id} final`,
      `${event(2).id} observed`,
      `${event(2).id} final`,
    ]);
    expect(await metric('chain_follower_publish_failures_total')).toBe(1);
    expect(await metric('chain_follower_errors_total')).toBe(0);
    // The store has everything: a reader of the store (settlement) misses nothing.
    const stored = await store.listEvents(0n, 100, CHAIN);
    expect(stored.map((e) => [e.event.id, e.status])).toEqual([
      [event(1).id, 'final'],
      [event(2).id, 'final'],
    ]);
    expect(follower.status()).toMatchObject({ lastError: null, processed: { height: 2, hash: 'a2' } });
    // Every update counted by type and status, whether the bus took it or not.
    expect(await metric('chain_follower_events_total', { status: 'observed' })).toBe(2);
  });

  it('gates final on the confirmation depth counted from the reported head, also while idle', async () => {
    const { source, follower, history, drained } = await setup({ confirmations: 3 });
    await follower.start();
    source.push(forward(5, [event(5)], { head: 6 }));
    await drained();
    await expect.poll(() => history(event(5).id), { timeout: 20_000 }).toEqual(['observed']);
    // The head moves to 7 with no new block of ours: 3 confirmations, final on the idle step.
    source.push({ kind: 'idle', head: head(7) });
    await expect.poll(() => history(event(5).id), { timeout: 20_000 }).toEqual(['observed', 'final']);
    expect(await store.pending(CHAIN)).toEqual([]);
    // Catching up far behind the head: observed and final in the same commit.
    source.push(forward(8, [event(8)], { head: 100 }));
    await expect.poll(() => history(event(8).id), { timeout: 20_000 }).toEqual(['observed', 'final']);
  });

  it('reverts the events above a rollback point, publishes the reversals, and takes the new branch', async () => {
    const { source, bus, follower, metric, history, drained } = await setup({ confirmations: 10 });
    await follower.start();
    source.push(forward(1, [event(1)]), forward(2, [event(2)]), forward(3, [event(3, 0), event(3, 1)]));
    await drained();
    await expect.poll(() => bus.published.length, { timeout: 20_000 }).toBe(4);

    // A rollback to where the follower already is (an intersection) changes nothing.
    source.push({ kind: 'rollback', to: ref(3), head: head(3) });
    await drained();
    source.push({ kind: 'rollback', to: ref(1), head: head(1) });
    await expect.poll(() => bus.published.length, { timeout: 20_000 }).toBe(7);
    // Newest first.
    expect(bus.published.slice(4).map((u) => [u.event.id, u.status])).toEqual([
      [event(3, 1).id, 'reverted'],
      [event(3, 0).id, 'reverted'],
      [event(2).id, 'reverted'],
    ]);
    expect(await metric('chain_follower_rollbacks_total')).toBe(1);
    expect(follower.status().processed).toEqual({ height: 1, hash: 'a1' });
    expect((await store.getCursor(CHAIN))?.height).toBe(1n);
    expect((await store.recentBlocks(CHAIN, 10)).map((b) => b.hash)).toEqual(['a1']);

    // The new branch: block 2 again (another hash) with the same transaction mined again.
    source.push(forward(2, [{ ...event(2), blockHash: 'b2' }], { branch: 'b' }), forward(3, [], { branch: 'b' }));
    await expect.poll(() => history(event(2).id), { timeout: 20_000 }).toEqual(['observed', 'reverted', 'observed']);
    await expect.poll(() => source.asked.at(-1), { timeout: 20_000 }).toEqual({ cursor: 3n, pending: [event(1).id, event(2).id] });
    expect((await store.recentBlocks(CHAIN, 10)).map((b) => b.hash)).toEqual(['b3', 'b2', 'a1']);
    expect(history(event(3).id)).toEqual(['observed', 'reverted']);
  });

  it('gathers steps the source does not ask to commit, up to the batch size, and commits them in one transaction', async () => {
    const { source, follower, drained } = await setup({ maxBatchSteps: 3 });
    const applied: bigint[] = [];
    const apply = store.apply.bind(store);
    store.apply = async (batch) => {
      applied.push(batch.cursor.height);
      return apply(batch);
    };
    await follower.start();
    source.push(
      forward(1, [event(1)], { flush: false, head: 9 }),
      forward(2, [], { flush: false, head: 9 }),
      forward(3, [event(3)], { flush: false, head: 9 }), // the batch is full: committed
      forward(4, [], { flush: false, head: 9 }),
      forward(5, [event(5)], { flush: true, head: 9 }), // at the tip: committed
    );
    // While gathering, the source is shown what it handed over (it resumes after it).
    await expect.poll(() => source.asked.map((a) => a.cursor), { timeout: 20_000 }).toEqual([null, 1n, 2n, 3n, 4n, 5n]);
    expect(applied).toEqual([3n, 5n]);
    expect((await store.recentBlocks(CHAIN, 10)).map((b) => Number(b.height))).toEqual([5, 4, 3, 2, 1]);
  });

  it('prunes recorded blocks below keepBlocks on one schedule', async () => {
    const { source, follower, drained } = await setup({ keepBlocks: 3, pruneEvery: 4 });
    await follower.start();
    for (let h = 1; h <= 7; h++) source.push(forward(h, []));
    await drained();
    await expect.poll(async () => (await store.getCursor(CHAIN))?.height, { timeout: 20_000 }).toBe(7n);
    // The 4th commit (cursor 4) pruned below 4 - 3 = 1: nothing yet.
    expect((await store.recentBlocks(CHAIN, 100)).map((b) => Number(b.height))).toEqual([7, 6, 5, 4, 3, 2, 1]);
    source.push(forward(8, []));
    // The 8th commit prunes below 8 - 3 = 5.
    await expect.poll(async () => (await store.recentBlocks(CHAIN, 100)).map((b) => Number(b.height)), { timeout: 20_000 }).toEqual([8, 7, 6, 5]);
  });

  it('retries a failing source with backoff, commits what it gathered first, reports the error, and resumes from the store', async () => {
    const { source, follower, metric, history } = await setup({ minBackoffMs: 20, maxBackoffMs: 20 });
    await follower.start();
    source.push(forward(1, [event(1)], { flush: false, head: 5 }), new Error('node went away at http://user:key@node.example/rpc'));
    await expect.poll(() => follower.status().lastError, { timeout: 20_000 }).toBe('node went away at http://<redacted>');
    expect(follower.status().connected).toBe(false);
    // What was gathered before the failure was committed.
    await expect.poll(async () => (await store.getCursor(CHAIN))?.height, { timeout: 20_000 }).toBe(1n);
    expect(history(event(1).id)).toEqual(['observed', 'final']);

    source.push(new Error('still down'), forward(2, [event(2)], { head: 5 }));
    await expect.poll(() => history(event(2).id), { timeout: 20_000 }).toEqual(['observed', 'final']);
    expect(await metric('chain_follower_errors_total')).toBe(2);
    expect(follower.status()).toMatchObject({ connected: true, lastError: null, processed: { height: 2 }, head: { height: 5 }, lagBlocks: 3 });
    // After each failure the source is asked again from the stored cursor.
    await expect.poll(() => source.asked.map((a) => a.cursor), { timeout: 20_000 }).toEqual([null, 1n, 1n, 1n, 2n]);
    expect(await metric('chain_follower_connected')).toBe(1);
    expect(source.resets).toBe(2);
  });

  it('drops gathered blocks it cannot commit and reads them again from the stored cursor', async () => {
    const { source, follower, history } = await setup();
    const apply = store.apply.bind(store);
    let failNext = true;
    store.apply = async (batch) => {
      if (failNext) {
        failNext = false;
        throw new Error('store unavailable');
      }
      return apply(batch);
    };
    await follower.start();
    source.push(forward(1, [event(1)]));
    await expect.poll(() => follower.status().lastError, { timeout: 20_000 }).toBe('store unavailable');
    expect(await store.getCursor(CHAIN)).toBeNull();
    source.push(forward(1, [event(1)]));
    await expect.poll(() => history(event(1).id), { timeout: 20_000 }).toEqual(['observed', 'final']);
    await expect.poll(() => source.asked.map((a) => a.cursor), { timeout: 20_000 }).toEqual([null, null, 1n]);
    // The source was told to start over from the view (a chain-sync session would reconnect).
    expect(source.resets).toBe(1);
  });

  it('reports one status shape and counts what the decoder ignored', async () => {
    const { source, follower, metric, drained } = await setup();
    expect(follower.status()).toEqual({
      chain: CHAIN,
      connected: false,
      processed: null,
      head: null,
      lagBlocks: null,
      lastError: null,
      updatedAt: null,
    });
    await follower.start();
    source.push(forward(4, [], { head: 10, ignored: ['bad_datum', 'bad_datum', 'no_inline_datum'] }));
    await drained();
    await expect.poll(() => follower.status().processed?.height, { timeout: 20_000 }).toBe(4);
    const st = follower.status();
    expect(st).toMatchObject({ chain: CHAIN, connected: true, processed: { height: 4, hash: 'a4' }, head: { height: 10 }, lagBlocks: 6, lastError: null });
    expect(Date.parse(st.updatedAt!)).not.toBeNaN();
    expect(await metric('chain_follower_ignored_total', { reason: 'bad_datum' })).toBe(2);
    expect(await metric('chain_follower_ignored_total', { reason: 'no_inline_datum' })).toBe(1);
    expect(await metric('chain_follower_lag_blocks')).toBe(6);
    expect(await metric('chain_follower_head_height')).toBe(10);
    expect(await metric('chain_follower_processed_height')).toBe(4);
    await follower.stop();
    await follower.stop(); // idempotent
    await expect(follower.start()).rejects.toThrow(/cannot start again/);
  });

  it('refuses a bad confirmation depth or block window before touching anything', () => {
    const base = { source: new ScriptedSource(), decoder, store: {} as ChainStateRepository, bus: new InProcessBus(), keepBlocks: 10, confirmations: 1 };
    expect(() => new ChainFollower({ ...base, confirmations: -1 })).toThrow(/confirmations/);
    expect(() => new ChainFollower({ ...base, keepBlocks: 0 })).toThrow(/keepBlocks/);
  });
});
