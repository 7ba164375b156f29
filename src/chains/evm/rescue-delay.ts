/**
 * Reads the escrow factory's RESCUE_DELAY: intake refuses orders whose source stages open at or
 * after it (a taker could otherwise rescue the maker's funds before any refund). Read from the
 * chain rather than configured, so the relayer judges orders by the factory it actually follows.
 */
import { getAddress, type PublicClient } from 'viem';
import { factoryRescueDelayAbi } from './abi.js';

export type ContractReader = Pick<PublicClient, 'readContract'>;

export class RescueDelayUnavailableError extends Error {
  readonly code = 'RESCUE_DELAY_UNAVAILABLE';
}

/**
 * Seconds, retried `attempts` times `delayMs` apart (the node may still be starting). Throws
 * RescueDelayUnavailableError naming the factory when it never answers or answers nonsense.
 */
export async function readRescueDelay(
  client: ContractReader,
  factory: string,
  opts: { attempts?: number; delayMs?: number } = {},
): Promise<number> {
  const attempts = opts.attempts ?? 5;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await client.readContract({ address: getAddress(factory), abi: factoryRescueDelayAbi, functionName: 'RESCUE_DELAY' });
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`RESCUE_DELAY ${value} is out of range`);
      return Number(value);
    } catch (err) {
      last = err;
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, opts.delayMs ?? 1_000));
    }
  }
  const why = last instanceof Error ? last.message.split('\n')[0] : String(last);
  throw new RescueDelayUnavailableError(`the escrow factory ${factory} did not answer RESCUE_DELAY() (${why}): is EVM_ESCROW_FACTORY right?`);
}
