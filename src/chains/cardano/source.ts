/**
 * The Cardano chain source: Ogmios v6 chain-sync (the stock @cardano-ogmios/client) as a stream of
 * steps for the follower — each block rolled forward, each RollBackward.
 *
 * - A session opens on the first `next()` (and again after a failure): `findIntersection` with the
 *   follower's cursor and up to 64 recorded blocks (newest first); the configured start point (or
 *   origin) only when nothing is stored. If none of them is on the node's chain (another network, a
 *   rollback deeper than what is kept) the session fails rather than starting over silently.
 * - The client keeps `inFlight` nextBlock requests in flight and hands messages over one at a time;
 *   the next message is requested once the follower has taken the previous one (back-pressure).
 * - A block is committed at once at the tip (`flush`), otherwise gathered by the follower.
 * - A RollBackward point is resolved to a height from the blocks of this session, the cursor, or
 *   the recorded blocks; the first one after an intersection is the intersection itself.
 * - Socket closed, Ogmios down: `next()` rejects; the follower backs off and the next call opens a
 *   new session from what the store holds.
 */
import {
  createChainSynchronizationClient,
  createInteractionContext,
  LedgerStateQuery,
  type InteractionContext,
  type Schema,
} from '@cardano-ogmios/client';
import type { BlockRef, ChainHead, ChainSource, FollowerView, SourceStep } from '../ports.js';
import type { OgmiosTx } from './decode.js';
import { SlotClock } from './slot-time.js';

/** One block, as the Cardano decoder reads it. */
export interface CardanoBlock {
  height: bigint;
  hash: string;
  slot: bigint;
  /** Block time, unix seconds (slot → POSIX through the era summaries). */
  time: number;
  transactions: OgmiosTx[];
}

export type OgmiosEndpoint = { host: string; port: number; tls?: boolean } | { url: string };

export interface CardanoSourceOptions {
  /** `"cardano:mainnet"`, `"cardano:preprod"`, `"cardano:preview"`, `"cardano:devnet"`. */
  chain: string;
  ogmios: OgmiosEndpoint;
  /** Where to start when nothing is stored (default: origin). */
  startPoint?: { slot: bigint | number; id: string } | 'origin';
  /** Recorded blocks searched for a rollback point. */
  keepBlocks: number;
  /** nextBlock requests kept in flight. Default 100. */
  inFlight?: number;
}

type Step = SourceStep<CardanoBlock>;

/** One chain-sync connection: messages handed over one at a time, then its end. */
class Session {
  context: InteractionContext | null = null;
  private readonly queue: { step: Step; taken: () => void }[] = [];
  private taker: { resolve: (s: Step) => void; reject: (e: unknown) => void } | null = null;
  private failure: unknown = null;
  ended = false;
  /** Intersection found, messages flowing. */
  up = false;
  /** Blocks rolled forward in this session, by id (rollback points are resolved against them). */
  readonly seen = new Map<string, BlockRef>();

  /** Resolves true once the follower took the step, false if the session ended first. */
  put(step: Step): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      if (this.taker) {
        const t = this.taker;
        this.taker = null;
        t.resolve(step);
        resolve(true);
      } else {
        this.queue.push({ step, taken: () => resolve(true) });
      }
    });
  }

  take(): Promise<Step> {
    const q = this.queue.shift();
    if (q) {
      q.taken();
      return Promise.resolve(q.step);
    }
    if (this.ended) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.taker = { resolve, reject }));
  }

  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err ?? new Error('chain-sync connection closed');
    this.taker?.reject(this.failure);
    this.taker = null;
    if (this.context) closeSocket(this.context);
  }
}

export class CardanoChainSource implements ChainSource<CardanoBlock> {
  readonly chain: string;
  readonly startHeight: bigint | undefined;
  private session: Session | null = null;
  private closed = false;

  constructor(private readonly opts: CardanoSourceOptions) {
    this.chain = opts.chain;
    this.startHeight = (opts.startPoint ?? 'origin') === 'origin' ? 0n : undefined;
  }

  get connected(): boolean {
    return this.session !== null && this.session.up && !this.session.ended;
  }

  async next(view: FollowerView): Promise<Step> {
    if (this.closed) throw new Error('source closed');
    if (!this.session || this.session.ended) await this.open(view);
    return this.session!.take();
  }

  /** Ends the session: the next call intersects again from the view. */
  async reset(): Promise<void> {
    this.session?.end(new Error('session reset'));
    this.session = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session?.end(new Error('source closed'));
  }

  private async open(view: FollowerView): Promise<void> {
    const s = new Session();
    this.session = s;
    const context = await createInteractionContext(
      (err) => s.end(err),
      () => s.end(),
      { connection: connectionOf(this.opts.ogmios) },
    );
    s.context = context;
    try {
      const [start, eras] = await Promise.all([LedgerStateQuery.networkStartTime(context), LedgerStateQuery.eraSummaries(context)]);
      const clock = new SlotClock(start, eras);
      const points = await this.intersectionPoints(view);
      const client = await createChainSynchronizationClient(context, {
        rollForward: (res, next) => this.handle(s, () => this.forward(s, clock, res.block, res.tip as Schema.TipOrOrigin), next),
        rollBackward: (res, next) => this.handle(s, () => this.backward(s, view, res.point, res.tip as Schema.TipOrOrigin), next),
      });
      if (this.closed || s.ended) throw new Error('chain-sync connection closed while opening');
      await client.resume(points as unknown as Schema.Point[], this.opts.inFlight ?? 100);
      if (s.ended) throw new Error('chain-sync connection closed while opening');
      s.up = true;
    } catch (err) {
      s.end(err);
      closeSocket(context);
      throw err;
    }
  }

  /** Turns one message into a step (null: nothing to report) and hands it over; a failure ends the session. */
  private handle(s: Session, work: () => Promise<Step | null>, next: () => void): Promise<void> {
    if (s.ended) return Promise.resolve();
    return (async () => {
      try {
        const step = await work();
        if (step === null ? !s.ended : await s.put(step)) next();
      } catch (err) {
        s.end(err);
      }
    })();
  }

  private async forward(s: Session, clock: SlotClock, block: Schema.Block, tip: Schema.TipOrOrigin): Promise<Step | null> {
    if (block.type === 'ebb' || !('height' in block)) return null; // Byron boundary blocks hold no escrows
    const b = block as Schema.BlockPraos;
    const slot = BigInt(b.slot);
    const ref: BlockRef = { height: BigInt(b.height), hash: b.id, slot };
    s.seen.set(ref.hash, ref);
    if (s.seen.size > this.opts.keepBlocks) s.seen.delete(s.seen.keys().next().value!);
    const raw: CardanoBlock = {
      height: ref.height,
      hash: ref.hash,
      slot,
      time: clock.slotToUnix(slot),
      transactions: (b.transactions ?? []) as unknown as OgmiosTx[],
    };
    const atTip = tip === 'origin' || BigInt(tip.height) <= ref.height;
    return { kind: 'forward', raw, cursor: ref, blocks: [ref], head: headOf(tip), flush: atTip };
  }

  private async backward(s: Session, view: FollowerView, point: Schema.PointOrOrigin, tip: Schema.TipOrOrigin): Promise<Step> {
    return { kind: 'rollback', to: await this.blockOf(s, view, point), head: headOf(tip) };
  }

  /** The height of a rollback point, from the blocks we have seen or recorded. */
  private async blockOf(s: Session, view: FollowerView, point: Schema.PointOrOrigin): Promise<BlockRef> {
    if (point === 'origin') return { height: 0n, hash: 'origin', slot: 0n };
    const cursor = view.cursor();
    if (cursor?.hash === point.id) return cursor;
    const seen = s.seen.get(point.id);
    if (seen) return seen;
    const stored = (await view.recentBlocks(this.opts.keepBlocks)).find((r) => r.hash === point.id);
    if (stored) return stored;
    throw new Error(`rollback to an unknown point (slot ${String(point.slot)}, ${point.id}): deeper than ${this.opts.keepBlocks} recorded blocks`);
  }

  private async intersectionPoints(view: FollowerView): Promise<({ slot: bigint; id: string } | 'origin')[]> {
    const refs = await view.recentBlocks(64);
    const cursor = view.cursor();
    if (cursor && !refs.some((r) => r.hash === cursor.hash)) refs.unshift(cursor);
    const points = refs
      .filter((r) => r.slot !== undefined && /^[0-9a-f]{64}$/.test(r.hash))
      .slice(0, 64)
      .map((r) => ({ slot: r.slot!, id: r.hash }));
    if (points.length) return points;
    const start = this.opts.startPoint ?? 'origin';
    return [start === 'origin' ? 'origin' : { slot: BigInt(start.slot), id: start.id }];
  }
}

function headOf(tip: Schema.TipOrOrigin): ChainHead | null {
  return tip === 'origin' ? null : { height: BigInt(tip.height), hash: tip.id, slot: BigInt(tip.slot) };
}

function connectionOf(e: OgmiosEndpoint): { host: string; port: number; tls?: boolean } | { address: { http: string; webSocket: string } } {
  if ('url' in e) {
    const u = new URL(e.url);
    const secure = u.protocol === 'wss:' || u.protocol === 'https:';
    const base = `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    return { address: { http: `${secure ? 'https' : 'http'}://${base}`, webSocket: `${secure ? 'wss' : 'ws'}://${base}` } };
  }
  return { host: e.host, port: e.port, ...(e.tls ? { tls: true } : {}) };
}

function closeSocket(context: InteractionContext): void {
  const s = context.socket;
  if (s.readyState === s.OPEN || s.readyState === s.CONNECTING) s.close();
}
