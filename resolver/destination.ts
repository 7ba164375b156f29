/**
 * What the resolver needs from its destination chain (Cardano in the reference setup), apart
 * from any one implementation (resolver/cardano.ts is one). The bot and the public-action runner
 * both import it, so neither imports the other for it.
 */
import type { Hex } from 'viem';

export interface DstEscrowRequest {
  orderHash: Hex;
  hashlock: Hex;
  receiver: string;
  asset: string;
  amount: bigint;
  safetyDeposit: bigint;
  /** Absolute POSIX ms, from the source escrow's deployedAt + the order's destination offsets. */
  withdrawalAt: number;
  publicWithdrawalAt: number;
  cancellationAt: number;
}

/** A signed, not yet confirmed escrow transaction, persisted before it is sent. */
export interface PendingDstTx {
  txId: string;
  cbor: string;
  /** The escrow output, "<txId>#<index>". */
  escrow: string;
}

/** What the resolver needs from the destination chain (Cardano in the reference setup). */
export interface DestinationChain {
  chain: string;
  /** Builds and signs the escrow transaction; sends nothing. */
  prepareEscrow(req: DstEscrowRequest): Promise<PendingDstTx>;
  /**
   * Sends (or re-sends the identical bytes of) a prepared tx; resolves 'landed' once the escrow
   * output is on chain, 'dead' when it can never land (its inputs were spent by another
   * transaction and the output is absent). Throws when undecided yet: retry with the same bytes.
   */
  submitEscrow(p: PendingDstTx): Promise<'landed' | 'dead'>;
  withdraw(escrow: string, secret: Hex): Promise<string>;
  cancel(escrow: string): Promise<string>;
  /** Anyone's escrow, in its public-withdrawal window: pays the receiver, the deposit to us. */
  publicWithdraw(escrow: string, secret: Hex): Promise<string>;
  /** Chain time, POSIX ms. */
  nowMs(): Promise<number>;
}
