/**
 * Which addresses are escrow clones made by the factory, and for which order and side.
 *
 * Only logs from these addresses count as escrow events. The set must survive a restart
 * without trusting memory: entries learnt from creation logs are cached, and an address not in
 * the cache is resolved through `lookup` — by default from the chain itself (the factory's
 * creation events index the escrow address, so one filtered eth_getLogs answers it).
 * Addresses found not to be escrows are remembered in a bounded cache: a clone can only emit
 * after its creation, and the follower scans in block order, so a "no" cannot turn into "yes"
 * without the creation log passing through `remember` first.
 */
import { pad, type Hex, type PublicClient } from 'viem';
import { TOPIC } from './abi.js';
import { decodeFactoryLog, type EscrowRef } from './decode.js';
import { RangeSizer } from './ranges.js';
import { isRangeTooLargeError } from './rpc-errors.js';
import { getRawLogs } from './rpc.js';

/** Resolves an address to the escrow the factory created there (at or before `upToBlock`), or null. */
export type EscrowLookup = (address: string, upToBlock: bigint) => Promise<EscrowRef | null>;

export class EscrowRegistry {
  private readonly known = new Map<string, EscrowRef>();
  private readonly notEscrow = new Set<string>();

  constructor(
    private readonly lookup: EscrowLookup,
    private readonly maxNegative = 10_000,
  ) {}

  remember(ref: EscrowRef): void {
    const key = ref.escrow.toLowerCase();
    this.known.set(key, ref);
    this.notEscrow.delete(key);
  }

  async resolve(address: string, upToBlock: bigint): Promise<EscrowRef | null> {
    const key = address.toLowerCase();
    const hit = this.known.get(key);
    if (hit) return hit;
    if (this.notEscrow.has(key)) return null;
    const found = await this.lookup(address, upToBlock);
    if (found) {
      this.remember(found);
      return found;
    }
    if (this.notEscrow.size >= this.maxNegative) this.notEscrow.clear();
    this.notEscrow.add(key);
    return null;
  }

  get size(): number {
    return this.known.size;
  }
}

/**
 * Looks the address up among the factory's SrcEscrowCreated/DstEscrowCreated logs (topic 2 is
 * the escrow). Tries the whole range first; if the node refuses it, walks back from the newest
 * block (escrow activity follows creation closely) in chunks that halve while the node still
 * refuses them.
 */
export function chainEscrowLookup(
  client: PublicClient,
  chain: string,
  factory: string,
  startBlock: bigint,
  maxBlocks: number,
): EscrowLookup {
  const sizer = new RangeSizer(maxBlocks);
  return async (address, upToBlock) => {
    const topics: (Hex | Hex[] | null)[] = [[TOPIC.SrcEscrowCreated, TOPIC.DstEscrowCreated], null, pad(address as Hex)];
    const find = async (fromBlock: bigint, toBlock: bigint) => {
      const logs = await getRawLogs(client, { address: factory, topics, fromBlock, toBlock });
      for (const log of logs) {
        const { created } = decodeFactoryLog(chain, log, 0);
        if (created && created.escrow.toLowerCase() === address.toLowerCase()) return created;
      }
      return null;
    };
    if (upToBlock < startBlock) return null;
    try {
      return await find(startBlock, upToBlock);
    } catch (err) {
      if (!isRangeTooLargeError(err)) throw err;
    }
    for (let to = upToBlock; to >= startBlock; ) {
      const span = BigInt(sizer.current);
      const from = to - span + 1n > startBlock ? to - span + 1n : startBlock;
      let found: EscrowRef | null;
      try {
        found = await find(from, to);
      } catch (err) {
        if (isRangeTooLargeError(err) && sizer.shrink()) continue;
        throw err;
      }
      if (found) return found;
      to = from - 1n;
    }
    return null;
  };
}
