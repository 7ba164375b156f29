/**
 * Confirmation arithmetic, the same for every chain. Pure.
 *
 * A block has `head - n + 1` confirmations (the block itself counts as one), counted on the node's
 * chain as it reports its head. So with a confirmation depth of 1 an event is final as soon as it
 * is in a block, and 0 means the same.
 */
import type { ChainEvent } from './events.js';

export function confirmationsOf(blockNumber: bigint, head: bigint): bigint {
  return blockNumber > head ? 0n : head - blockNumber + 1n;
}

/** The highest block height that is final at `head` (below 0 when none is). */
export function finalHeight(head: bigint, confirmations: number): bigint {
  if (!Number.isInteger(confirmations) || confirmations < 0) throw new RangeError('confirmations must be a non-negative integer');
  return head - BigInt(Math.max(confirmations, 1)) + 1n;
}

export function isFinal(blockNumber: bigint, head: bigint, confirmations: number): boolean {
  return blockNumber <= finalHeight(head, confirmations);
}

/** Ids of the events (in the order given) that are final at `head`. */
export function finalIds(events: Iterable<ChainEvent>, head: bigint, confirmations: number): string[] {
  const at = finalHeight(head, confirmations);
  const out: string[] = [];
  for (const e of events) if (e.blockNumber <= at) out.push(e.id);
  return out;
}
