/**
 * The chain follower: one loop for every chain (the model is Ponder's sync engine — fetching,
 * finality and reorg reversal kept apart). A chain supplies only its `ChainSource` (blocks or
 * rollbacks from its node) and its `ChainDecoder` (those blocks → chain events); the follower owns
 * the rest, the same way for each chain:
 *
 * - **Commit, then publish.** Decoded blocks are committed with their events, the finalities they
 *   bring and the new cursor in one `ChainStateStore.apply` transaction; only the updates `apply`
 *   returns are published on the bus topic `chain`, after the commit. A restart resumes from the
 *   stored cursor and `apply` ignores ids it already has, so nothing is published twice or skipped.
 * - **One bus policy.** A publish that fails after the commit is logged, counted
 *   (`chain_follower_publish_failures_total`) and not retried. The store is the source of truth:
 *   the settlement coordinator follows the store's change sequence (the bus only wakes it), and
 *   retrying or ending the session could never republish anyway (`apply` returns an update once).
 * - **Finality.** An event is final once its block has `confirmations` blocks on the node's chain,
 *   its own included, counted from the head the node reports (`finality.ts`).
 * - **Rollback.** Gathered blocks are committed first, then `ChainStateStore.rollback` reverts every
 *   event above the fork point and the reversals are published.
 * - **Failures.** Any failure (node, decoder, store) ends the step: what was gathered is committed
 *   if possible, the committed state is reloaded, and the source is asked again after a backoff
 *   (doubling, capped; reset by progress).
 * - **Pruning** of recorded blocks below `keepBlocks` every `pruneEvery` commits; **status** and
 *   **metrics** under one set of names with a `chain` label (`follower-metrics.ts`).
 */
import { Registry } from 'prom-client';
import type { Bus } from '../bus/types.js';
import { crashPoint } from '../observability/crash-points.js';
import { describeError } from './describe-error.js';
import type { ChainEvent, ChainEventUpdate } from './events.js';
import { finalIds } from './finality.js';
import { chainFollowerMetrics, type ChainFollowerMetrics } from './follower-metrics.js';
import type { BlockRef, ChainDecoder, ChainHead, ChainSource, ChainStateStore, FollowerView, SourceStep } from './ports.js';

export interface FollowerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ChainFollowerOptions<Raw> {
  source: ChainSource<Raw>;
  decoder: ChainDecoder<Raw>;
  store: ChainStateStore;
  bus: Bus;
  /** `*_CONFIRMATIONS`: blocks (its own included) before an event is final. */
  confirmations: number;
  /** Recorded blocks kept below the cursor (fork points, intersection points); older ones are pruned. */
  keepBlocks: number;
  registry?: Registry;
  logger?: FollowerLogger;
  /** Steps gathered into one commit when the source does not ask for one sooner. Default 100. */
  maxBatchSteps?: number;
  /** Commits between two prunings of recorded blocks. Default 50. */
  pruneEvery?: number;
  /** Retry backoff after a failure: starts at min, doubles, capped. Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Wall clock in ms, for status().updatedAt. */
  now?: () => number;
}

/** The same shape for every chain; /health shows it as the chain's details. */
export interface FollowerStatus {
  chain: string;
  /** Whether the node answers. */
  connected: boolean;
  /** The last block committed with its events (the stored cursor). */
  processed: { height: number; hash: string; slot?: number } | null;
  /** The node's head as last reported. */
  head: { height: number; hash?: string; slot?: number } | null;
  /** Head height minus processed height. */
  lagBlocks: number | null;
  /** Why the last step failed (secret-free: no URLs); null after a successful step. */
  lastError: string | null;
  /** ISO time of the last successful step. */
  updatedAt: string | null;
}

/** Blocks taken from the source and decoded, not committed yet. */
interface Gathered {
  cursor: BlockRef;
  blocks: BlockRef[];
  observed: ChainEvent[];
  steps: number;
}

const silentLogger: FollowerLogger = { info() {}, warn() {}, error() {} };

export class ChainFollower<Raw = unknown> {
  readonly chain: string;
  private readonly source: ChainSource<Raw>;
  private readonly store: ChainStateStore;
  private readonly metrics: ChainFollowerMetrics;
  private readonly log: FollowerLogger;
  private readonly now: () => number;
  private readonly maxBatchSteps: number;
  private readonly pruneEvery: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly view: FollowerView;

  private running = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeSleeper: (() => void) | null = null;

  private cursor: BlockRef | null = null;
  /** Committed events still observed, by id (oldest first). */
  private pending = new Map<string, ChainEvent>();
  private gathered: Gathered | null = null;
  private head: ChainHead | null = null;
  private commits = 0;
  private lastError: string | null = null;
  private updatedAt: number | null = null;

  constructor(private readonly opts: ChainFollowerOptions<Raw>) {
    if (!Number.isInteger(opts.confirmations) || opts.confirmations < 0) {
      throw new RangeError('confirmations must be a non-negative integer');
    }
    if (!Number.isInteger(opts.keepBlocks) || opts.keepBlocks < 1) throw new RangeError('keepBlocks must be a positive integer');
    this.source = opts.source;
    this.chain = opts.source.chain;
    this.store = opts.store;
    this.metrics = chainFollowerMetrics(opts.registry ?? new Registry());
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.maxBatchSteps = opts.maxBatchSteps ?? 100;
    this.pruneEvery = opts.pruneEvery ?? 50;
    this.minBackoffMs = opts.minBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    // What the source sees: everything taken from it, committed or gathered for the next commit.
    this.view = {
      chain: this.chain,
      cursor: () => this.gathered?.cursor ?? this.cursor,
      pending: () => [...this.pending.values(), ...(this.gathered?.observed ?? [])],
      recentBlocks: (limit) => this.store.recentBlocks(this.chain, limit),
    };
  }

  /** Loads the committed state and starts following. */
  async start(): Promise<void> {
    if (this.running) return;
    // Its source is closed for good: a new follower takes over from the stored cursor instead.
    if (this.stopped) throw new Error('a stopped chain follower cannot start again');
    await this.load();
    this.running = true;
    this.loop = this.run();
  }

  /** Idempotent and final. Lets the step in progress commit (with what was gathered), then releases the node. */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.loop;
      return;
    }
    this.running = false;
    this.stopped = true;
    this.wakeSleeper?.();
    await this.source.close();
    await this.loop;
    this.loop = null;
  }

  status(): FollowerStatus {
    const c = this.cursor;
    const h = this.head;
    const base = c?.height ?? this.source.startHeight ?? null;
    return {
      chain: this.chain,
      connected: this.source.connected,
      processed: c ? { height: Number(c.height), hash: c.hash, ...(c.slot === undefined ? {} : { slot: Number(c.slot) }) } : null,
      head: h
        ? {
            height: Number(h.height),
            ...(h.hash === undefined ? {} : { hash: h.hash }),
            ...(h.slot === undefined ? {} : { slot: Number(h.slot) }),
          }
        : null,
      lagBlocks: h && base !== null ? Math.max(0, Number(h.height - base)) : null,
      lastError: this.lastError,
      updatedAt: this.updatedAt === null ? null : new Date(this.updatedAt).toISOString(),
    };
  }

  // ---- the loop -----------------------------------------------------------------------------

  private async load(): Promise<void> {
    this.cursor = await this.store.getCursor(this.chain);
    this.pending = new Map((await this.store.pending(this.chain)).map((e) => [e.id, e]));
    if (this.cursor) this.metrics.processedHeight.set({ chain: this.chain }, Number(this.cursor.height));
  }

  private async run(): Promise<void> {
    let failures = 0;
    let reload = false;
    while (this.running) {
      try {
        if (reload) {
          await this.load();
          reload = false;
        }
        const step = await this.source.next(this.view);
        if (await this.take(step)) failures = 0;
        this.lastError = null;
        this.updatedAt = this.now();
        this.setConnected();
      } catch (err) {
        this.setConnected();
        if (!this.running) break; // stop() closed the source under a waiting next()
        failures++;
        this.lastError = describeError(err);
        this.metrics.errors.inc({ chain: this.chain });
        this.log.warn({ chain: this.chain, err: this.lastError, failures }, 'chain follower step failed; retrying');
        await this.flushIfPossible();
        // Resume from what the store holds (a commit whose outcome is unknown may have landed),
        // and have the source hand over again everything after it.
        reload = true;
        await this.source.reset().catch(() => undefined);
        await this.sleep(Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(failures - 1, 16)));
      }
    }
    await this.flushIfPossible();
    this.setConnected();
  }

  /** Handles one step. Returns whether it made progress (which resets the backoff). */
  private async take(step: SourceStep<Raw>): Promise<boolean> {
    if (step.head) this.setHead(step.head);
    switch (step.kind) {
      case 'forward': {
        const decoded = await this.opts.decoder.decode(step.raw);
        for (const i of decoded.ignored) {
          this.metrics.ignored.inc({ chain: this.chain, reason: i.reason });
          if (i.log) this.log[i.log.level]({ chain: this.chain, reason: i.reason, ...i.log.fields }, i.log.msg);
        }
        const g = (this.gathered ??= { cursor: step.cursor, blocks: [], observed: [], steps: 0 });
        g.cursor = step.cursor;
        // Blocks holding events are recorded too (a reorg check compares them with the node); the
        // source's own refs come after them and win (they may carry a slot).
        for (const e of decoded.events) g.blocks.push({ height: e.blockNumber, hash: e.blockHash });
        g.blocks.push(...step.blocks);
        g.observed.push(...decoded.events);
        g.steps++;
        if (step.flush || g.steps >= this.maxBatchSteps) await this.flush();
        return true;
      }
      case 'rollback':
        await this.flush();
        return this.rollback(step.to);
      case 'idle': {
        await this.flush();
        // Nothing new, but the head may have moved: waiting events can become final.
        if (this.cursor && this.head) {
          const finalized = finalIds(this.pending.values(), this.reference(this.cursor), this.opts.confirmations);
          if (finalized.length > 0) await this.commit({ cursor: this.cursor, blocks: [], observed: [], steps: 0 }, finalized);
        }
        return true;
      }
    }
  }

  /** Commits what was gathered. */
  private async flush(): Promise<void> {
    const g = this.gathered;
    if (!g) return;
    this.gathered = null;
    const finalized = finalIds([...this.pending.values(), ...g.observed], this.reference(g.cursor), this.opts.confirmations);
    await this.commit(g, finalized);
  }

  private async flushIfPossible(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      // Dropped: the source hands these blocks over again from the stored cursor.
      this.log.warn({ chain: this.chain, err: describeError(err) }, 'could not commit gathered blocks; they will be read again');
    }
  }

  /** Events, finalities, recorded blocks and cursor in one transaction; then publish; then maybe prune. */
  private async commit(g: Gathered, finalized: string[]): Promise<void> {
    const updates = await this.store.apply({ chain: this.chain, cursor: g.cursor, blocks: dedupeBlocks(g.blocks), observed: g.observed, finalized });
    crashPoint(`chain:commit:${this.chain}`);
    this.cursor = g.cursor;
    for (const e of g.observed) this.pending.set(e.id, e);
    for (const id of finalized) this.pending.delete(id);
    this.setProcessed(g.cursor);
    await this.publish(updates);
    await this.maybePrune();
  }

  private async rollback(to: BlockRef): Promise<boolean> {
    if (this.cursor === null || to.height >= this.cursor.height) return false; // back to where we are: nothing to undo
    const reversals = await this.store.rollback(this.chain, to);
    const from = this.cursor.height;
    this.cursor = to;
    for (const [id, e] of this.pending) if (e.blockNumber > to.height) this.pending.delete(id);
    this.metrics.rollbacks.inc({ chain: this.chain });
    this.setProcessed(to);
    this.log.warn(
      { chain: this.chain, from: String(from), to: String(to.height), reverted: reversals.length },
      'rollback: events above the fork point reverted',
    );
    await this.publish(reversals);
    return true;
  }

  private async publish(updates: ChainEventUpdate[]): Promise<void> {
    for (const u of updates) {
      this.metrics.events.inc({ chain: this.chain, type: u.event.type, status: u.status });
      try {
        await this.opts.bus.publish('chain', u);
      } catch (err) {
        // Committed already: the store holds it and settlement reads the store. Never retried
        // (that could only publish twice), and following goes on.
        this.metrics.publishFailures.inc({ chain: this.chain });
        this.log.error({ chain: this.chain, id: u.event.id, status: u.status, err: describeError(err) }, 'bus publish failed');
      }
    }
  }

  private async maybePrune(): Promise<void> {
    if (++this.commits % this.pruneEvery !== 0 || !this.cursor) return;
    const below = this.cursor.height - BigInt(this.opts.keepBlocks);
    if (below > 0n) await this.store.pruneBlocks(this.chain, below);
  }

  // ---- status and metrics -------------------------------------------------------------------

  /** Where confirmations are counted from: the node's head, never below what was taken. */
  private reference(cursor: BlockRef): bigint {
    return this.head && this.head.height > cursor.height ? this.head.height : cursor.height;
  }

  private setHead(head: ChainHead): void {
    this.head = head;
    this.metrics.headHeight.set({ chain: this.chain }, Number(head.height));
    this.setLag();
  }

  private setProcessed(cursor: BlockRef): void {
    this.metrics.processedHeight.set({ chain: this.chain }, Number(cursor.height));
    this.setLag();
  }

  private setLag(): void {
    const lag = this.status().lagBlocks;
    if (lag !== null) this.metrics.lagBlocks.set({ chain: this.chain }, lag);
  }

  private setConnected(): void {
    this.metrics.connected.set({ chain: this.chain }, this.source.connected ? 1 : 0);
  }

  /** Backoff sleep; stop() cuts it short. */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }
}

/** The last report of a height wins. */
function dedupeBlocks(blocks: BlockRef[]): BlockRef[] {
  const byHeight = new Map<bigint, BlockRef>();
  for (const b of blocks) byHeight.set(b.height, b);
  return [...byHeight.values()].sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
}
