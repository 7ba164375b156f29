/**
 * The Cardano escrow follower: the chain follower with the Cardano source (Ogmios chain-sync) and
 * the escrow decoder (outputs at the escrow script address and their spends).
 */
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/types.js';
import { ChainFollower, type FollowerLogger } from '../follower.js';
import type { ChainStateStore } from '../ports.js';
import { CardanoEscrowDecoder } from './escrow-decoder.js';
import { CardanoChainSource, type CardanoBlock, type CardanoSourceOptions } from './source.js';

export interface CardanoEscrowFollowerOptions extends Omit<CardanoSourceOptions, 'keepBlocks'> {
  /** Hash (28 bytes hex) of the escrow validator: outputs whose payment credential it is are escrows. */
  escrowScriptHash: string;
  /** CARDANO_CONFIRMATIONS: blocks (its own included) before an event is final. */
  confirmations: number;
  store: ChainStateStore;
  bus: Bus;
  registry?: Registry;
  logger?: FollowerLogger;
  /** Address network for bech32 (default: 1 on mainnet, else 0). */
  networkId?: 0 | 1;
  /** Blocks committed together while catching up (at the tip every block is committed). Default 100. */
  maxBatchBlocks?: number;
  /** Recorded blocks kept for intersections and rollbacks. Default 2160 (Cardano's k). */
  keepBlocks?: number;
  /** Reconnect backoff: starts at min, doubles, capped. Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export function cardanoEscrowFollower(o: CardanoEscrowFollowerOptions): ChainFollower<CardanoBlock> {
  if (!/^[0-9a-f]{56}$/.test(o.escrowScriptHash)) throw new RangeError('escrowScriptHash must be 28 bytes of lowercase hex');
  const keepBlocks = o.keepBlocks ?? 2160;
  const decoder = new CardanoEscrowDecoder(
    { chain: o.chain, scriptHash: o.escrowScriptHash, networkId: o.networkId ?? (o.chain === 'cardano:mainnet' ? 1 : 0) },
    o.store,
  );
  return new ChainFollower({
    source: new CardanoChainSource({ chain: o.chain, ogmios: o.ogmios, startPoint: o.startPoint, keepBlocks, inFlight: o.inFlight }),
    decoder,
    store: o.store,
    bus: o.bus,
    confirmations: o.confirmations,
    keepBlocks,
    registry: o.registry,
    logger: o.logger,
    maxBatchSteps: o.maxBatchBlocks,
    minBackoffMs: o.minBackoffMs,
    maxBackoffMs: o.maxBackoffMs,
    now: o.now,
  });
}
