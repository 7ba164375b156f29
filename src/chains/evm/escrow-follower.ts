/**
 * The EVM escrow follower: the chain follower with the EVM source (logs in block ranges, reorg
 * checks) and the escrow decoder (the factory and the escrows it created).
 */
import type { Address } from 'viem';
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/types.js';
import { ChainFollower, type FollowerLogger } from '../follower.js';
import type { ChainStateStore } from '../ports.js';
import { EvmEscrowDecoder } from './escrow-decoder.js';
import { chainEscrowLookup, EscrowRegistry, type EscrowLookup } from './escrow-registry.js';
import { EvmChainSource, type EvmLogBatch, type EvmSourceOptions } from './source.js';

export interface EvmEscrowFollowerOptions extends Omit<EvmSourceOptions, 'keepBlocks' | 'logger'> {
  factory: Address;
  /** EVM_CONFIRMATIONS: an event is final once its block has this many confirmations (itself included). */
  confirmations: number;
  store: ChainStateStore;
  bus: Bus;
  registry?: Registry;
  logger?: FollowerLogger;
  /** Recorded block hashes kept below the cursor for fork-point search. Default max(256, 4 × confirmations). */
  keepBlocks?: number;
  /** Resolves an unknown escrow address (default: from the factory's creation logs on chain). */
  escrowLookup?: EscrowLookup;
  /** Retry backoff after a failure (and of the newHeads socket). Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export function evmEscrowFollower(o: EvmEscrowFollowerOptions): ChainFollower<EvmLogBatch> {
  if (!Number.isInteger(o.confirmations) || o.confirmations < 0) throw new RangeError('confirmations must be a non-negative integer');
  const keepBlocks = o.keepBlocks ?? Math.max(256, 4 * o.confirmations);
  const source = new EvmChainSource({ ...o, keepBlocks, logger: o.logger });
  const escrows = new EscrowRegistry(
    o.escrowLookup ?? chainEscrowLookup(source.client, source.chain, o.factory, o.startBlock, o.maxBlockRange ?? 2_000),
  );
  return new ChainFollower({
    source,
    decoder: new EvmEscrowDecoder(source.chain, o.factory, escrows),
    store: o.store,
    bus: o.bus,
    confirmations: o.confirmations,
    keepBlocks,
    registry: o.registry,
    logger: o.logger,
    minBackoffMs: o.minBackoffMs,
    maxBackoffMs: o.maxBackoffMs,
    now: o.now,
  });
}
