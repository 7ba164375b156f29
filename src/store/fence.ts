/**
 * Fencing of the leader's writes. The advisory lock (leader.ts) decides who leads, but a leader
 * can lose it without knowing yet (its lock connection cut off while its pool still works, a long
 * GC pause): until it notices, it would keep writing next to the new leader. So leadership also
 * has an epoch, one row of `leader_epoch`:
 *
 * - a new leader bumps the epoch (`claim`) before its duties start;
 * - every write of the duties (chain events and cursors, the coordinator's transitions and cursor)
 *   runs `assertFence` in its transaction: it reads the row `FOR SHARE` and refuses with
 *   `FencedError` unless it still holds the epoch this instance claimed.
 *
 * The bump is an UPDATE of the row the writers hold `FOR SHARE`, so it waits for writes in flight
 * and every write after it sees the new epoch: a stale leader's write either committed before the
 * new leader started, or is refused. Nothing it does after that point reaches the store.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.js';

export class FencedError extends Error {
  readonly code = 'LEADERSHIP_FENCED';
  constructor(message: string) {
    super(message);
    this.name = 'FencedError';
  }
}

/** What a fenced write needs: the epoch this instance leads under, or null when it does not lead. */
export interface Fence {
  current(): bigint | null;
}

export class LeaderFence implements Fence {
  #epoch: bigint | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  current(): bigint | null {
    return this.#epoch;
  }

  /** Called by a new leader before its duties start: takes the next epoch (waits for fenced writes in flight). */
  async claim(): Promise<bigint> {
    const r = await sql<{ epoch: string }>`
      update leader_epoch set epoch = epoch + 1, updated_at = now() where name = 'leader' returning epoch::text as epoch`.execute(this.db);
    const epoch = BigInt(r.rows[0]!.epoch);
    this.#epoch = epoch;
    return epoch;
  }

  /** Leadership ended (or is being given up): from now on every fenced write is refused. */
  release(): void {
    this.#epoch = null;
  }
}

/** Inside a write's transaction: refuses it unless `fence` still holds the current epoch. */
export async function assertFence(trx: Transaction<DB>, fence: Fence | undefined): Promise<void> {
  if (fence === undefined) return;
  const mine = fence.current();
  if (mine === null) throw new FencedError('this instance is not the leader: the write is refused');
  const r = await sql<{ epoch: string }>`select epoch::text as epoch from leader_epoch where name = 'leader' for share`.execute(trx);
  const current = BigInt(r.rows[0]?.epoch ?? '0');
  if (current !== mine) {
    throw new FencedError(`leadership epoch ${mine} is over (the store is at ${current}): a stale leader's write is refused`);
  }
}
