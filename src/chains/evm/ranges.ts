/**
 * Block-range planning for the log scanner: the next range after the cursor and the adaptive
 * range size. Pure. (Confirmation arithmetic is chain-independent: ../finality.ts.)
 */

export interface BlockRange {
  from: bigint;
  to: bigint;
}

/** The next range to scan after `lastProcessed` (null: nothing processed yet), or null when caught up. */
export function nextRange(
  lastProcessed: bigint | null,
  startBlock: bigint,
  head: bigint,
  maxBlocks: number,
): BlockRange | null {
  if (maxBlocks < 1) throw new RangeError('maxBlocks must be at least 1');
  const from = lastProcessed === null || lastProcessed < startBlock ? startBlock : lastProcessed + 1n;
  if (from > head) return null;
  const last = from + BigInt(maxBlocks) - 1n;
  return { from, to: last < head ? last : head };
}

/**
 * The eth_getLogs range size: halves when the node refuses a range (too many results, range too
 * wide) and grows back by doubling after each successful scan, never past the configured maximum.
 */
export class RangeSizer {
  private size: number;

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max block range must be a positive integer');
    this.size = max;
  }

  get current(): number {
    return this.size;
  }

  /** Returns false when the range is already a single block (nothing left to shrink). */
  shrink(): boolean {
    if (this.size <= 1) return false;
    this.size = Math.max(1, Math.floor(this.size / 2));
    return true;
  }

  grow(): void {
    this.size = Math.min(this.max, this.size * 2);
  }
}
