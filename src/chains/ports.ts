/**
 * What a chain monitor needs from the store. `store/` implements it; monitors depend on
 * this interface only, so a monitor never touches SQL.
 *
 * Crash safety: `apply` is one transaction. A monitor calls it once per processed batch of
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
   * in chain order, for the monitor to publish after the commit.
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
   * A stored event by id, unless it was reverted (then null). The Cardano monitor resolves the
   * escrow an input spends with it: a transaction's inputs carry only output references, and the
   * escrow's creation event id follows from the reference.
   */
  eventById(chain: string, id: string): Promise<ChainEvent | null>;
  /** Events still `observed` (awaiting confirmations), oldest first. */
  pending(chain: string): Promise<ChainEvent[]>;
  /** Drops recorded blocks below a height (events are kept forever). */
  pruneBlocks(chain: string, belowHeight: bigint): Promise<void>;
}
