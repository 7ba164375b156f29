/**
 * The chain follower's ports: what it needs from the store (`ChainStateStore`, implemented in
 * `store/`, so the follower never touches SQL) and what each chain supplies (a `ChainSource` of
 * blocks or rollbacks from its node, and a `ChainDecoder` of those blocks into chain events).
 *
 * Crash safety: `apply` is one transaction. The follower calls it once per processed batch of
 * blocks with the events of those blocks and the new cursor; after a crash it resumes from
 * the stored cursor, and events it sees again are ignored by id, so nothing is published twice.
 */
import type { ChainEvent, ChainEventUpdate } from './events.js';

export interface BlockRef {
  height: bigint;
  hash: string;
  /** Cardano: the block's slot (needed for chain-sync intersection points). */
  slot?: bigint;
}

export interface ChainCursor extends BlockRef {
  chain: string;
}

export interface ChainBatch {
  chain: string;
  /** The last block fully processed. */
  cursor: BlockRef;
  /** Blocks processed in this batch (kept for reorg detection / intersection points). */
  blocks?: BlockRef[];
  /** Events seen in those blocks; ids already stored are ignored. */
  observed?: ChainEvent[];
  /** Ids of stored events that now have enough confirmations. */
  finalized?: string[];
}

export interface ChainStateStore {
  getCursor(chain: string): Promise<ChainCursor | null>;
  /**
   * Atomically stores new events, marks finals, records blocks and moves the cursor.
   * Returns only the updates that changed something (a new observation, a new finality),
   * in chain order, for the follower to publish after the commit.
   */
  apply(batch: ChainBatch): Promise<ChainEventUpdate[]>;
  /**
   * A reorg/rollback to `to` (the last block still valid): every non-reverted event above
   * `to.height` becomes `reverted`, recorded blocks above it are dropped, and the cursor is set
   * to `to`. Returns the reversals to publish.
   */
  rollback(chain: string, to: BlockRef): Promise<ChainEventUpdate[]>;
  /** The recorded block at a height, to compare hashes when looking for a reorg. */
  blockAt(chain: string, height: bigint): Promise<BlockRef | null>;
  /** The most recent recorded blocks, newest first (e.g. Cardano intersection points). */
  recentBlocks(chain: string, limit: number): Promise<BlockRef[]>;
  /**
   * A stored event by id, unless it was reverted (then null). The Cardano decoder resolves the
   * escrow an input spends with it: a transaction's inputs carry only output references, and the
   * escrow's creation event id follows from the reference.
   */
  eventById(chain: string, id: string): Promise<ChainEvent | null>;
  /** Events still `observed` (awaiting confirmations), oldest first. */
  pending(chain: string): Promise<ChainEvent[]>;
  /** Drops recorded blocks below a height (events are kept forever). */
  pruneBlocks(chain: string, belowHeight: bigint): Promise<void>;
}

// ---- what a chain supplies to the follower (src/chains/follower.ts) ---------------------------

/** The node's head as last reported (Cardano also gives its slot and id). */
export interface ChainHead {
  height: bigint;
  hash?: string;
  slot?: bigint;
}

/** What the follower has committed, for a source to resume from and to check against its node. */
export interface FollowerView {
  readonly chain: string;
  /** The last committed block; null when nothing is stored yet. */
  cursor(): BlockRef | null;
  /** Committed events still `observed`, oldest first (EVM compares their blocks with the node's). */
  pending(): readonly ChainEvent[];
  /** Recorded blocks, newest first (fork-point search, chain-sync intersection points). */
  recentBlocks(limit: number): Promise<BlockRef[]>;
}

/**
 * One step of a source:
 * - `forward`: new blocks after the cursor, as `raw` for the chain's decoder. `cursor` is the last
 *   block they cover; `blocks` are block hashes to record besides the blocks of decoded events
 *   (EVM: the confirmation window; Cardano: every block). `flush` asks for a commit now (EVM: every
 *   range; Cardano: at the tip); otherwise the follower gathers steps into one batch first.
 * - `rollback`: the node's chain no longer holds the blocks above `to` (the newest block still valid).
 * - `idle`: nothing new (the head is reported, so waiting events can become final).
 */
export type SourceStep<Raw> =
  | { kind: 'forward'; raw: Raw; cursor: BlockRef; blocks: BlockRef[]; head: ChainHead | null; flush: boolean }
  | { kind: 'rollback'; to: BlockRef; head: ChainHead | null }
  | { kind: 'idle'; head: ChainHead | null };

/** A chain's node seen as a stream of steps. Only the follower calls it, one call at a time. */
export interface ChainSource<Raw> {
  readonly chain: string;
  /** Whether the node answers (status, `chain_follower_connected`). */
  readonly connected: boolean;
  /**
   * Where following starts when nothing is stored: the height just before the first block
   * followed, for the lag before the first commit (unknown: lag is reported after it).
   */
  readonly startHeight?: bigint;
  /**
   * The next step after `view.cursor()`. Waits for the chain when caught up. Throws on any
   * failure; the follower backs off and calls again, and the source resumes from the view
   * (reconnecting if it must), so nothing is skipped or applied twice.
   */
  next(view: FollowerView): Promise<SourceStep<Raw>>;
  /**
   * Forgets whatever the source holds beyond the view (an open session, messages in flight): the
   * next `next()` resumes from `view.cursor()`. The follower calls it after every failed step —
   * also when the decoder or the store failed, so steps it could not commit are handed over again.
   */
  reset(): Promise<void>;
  /** Ends a wait inside `next()` and releases connections, for good. Idempotent. */
  close(): Promise<void>;
}

/** Something a decoder did not report as an event, counted by reason (`chain_follower_ignored_total`). */
export interface IgnoredItem {
  reason: string;
  /** Logged when set (what an operator should hear about); otherwise only counted. */
  log?: { level: 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };
}

export interface Decoded {
  events: ChainEvent[];
  ignored: IgnoredItem[];
}

/** Turns a source's raw blocks into chain events. It may read its node or the store (EVM escrow lookup, Cardano spends). */
export interface ChainDecoder<Raw> {
  decode(raw: Raw): Promise<Decoded>;
}
