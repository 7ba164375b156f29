/**
 * Typed chain events: what the EVM and Cardano escrow decoders report, and what the
 * settlement coordinator consumes. Both chains produce exactly these shapes, so the
 * coordinator never needs to know which chain an event came from.
 */
import type { Hex } from '../domain/order.js';
import type { EscrowDeadlines, EscrowSide } from '../domain/timelocks.js';

// Escrow sides and deadlines are domain terms (timelocks); chain events carry them.
export type { EscrowDeadlines, EscrowSide };

/** Where an event sits on its chain. */
export interface ChainEventMeta {
  /** Stable and unique per chain: `${chain}:${txHash}:${index}`; the same log seen twice has the same id. */
  id: string;
  /** `"31337"`, `"1"`, … or `"cardano:devnet"`, … (architecture §3). */
  chain: string;
  txHash: string;
  /** EVM: log index in the block. Cardano: index of the event within its transaction. */
  index: number;
  /** Block number (EVM) or block height (Cardano). */
  blockNumber: bigint;
  blockHash: string;
  /** Block time, unix seconds. */
  blockTime: number;
}

export interface EscrowCreatedEvent extends ChainEventMeta {
  type: 'escrow_created';
  side: EscrowSide;
  /** EVM: escrow contract address (checksummed). Cardano: `"<txHash>#<outputIndex>"`. */
  escrow: string;
  orderHash: Hex;
  hashlock: Hex;
  /** Source: the order's maker (refunds go there). Destination: the receiver the escrow pays. */
  maker: string;
  /** The resolver that created the escrow (EVM address or Cardano key hash hex). */
  taker: string;
  /** Asset held: EVM token address (zero address = native), Cardano `"lovelace"` or policyId+assetNameHex. */
  token: string;
  amount: bigint;
  safetyDeposit: bigint;
  /** Unix seconds. EVM: block.timestamp of creation. */
  deployedAt: number;
  deadlines: EscrowDeadlines;
  /**
   * Set when what the escrow holds does not cover its own terms as its script will demand them
   * (Cardano: the output's value against its datum's amount and deposit). Such an output can
   * never pay anyone, so it is never an escrow of the order, only noise on the chain.
   * EVM escrows are funded by the factory in the same call and never carry it.
   */
  shortfall?: EscrowShortfall[];
  /** Source escrows only: what the resolver committed to deliver on the destination chain. */
  dst?: {
    chain: string;
    receiver: string;
    asset: string;
    /** ≥ the auction price when the source escrow was created (the factory or order script checked). */
    amount: bigint;
    safetyDeposit: bigint;
  };
}

/** One asset an escrow holds less of than its terms require. */
export interface EscrowShortfall {
  /** `"lovelace"` or policyId+assetNameHex. */
  asset: string;
  required: bigint;
  held: bigint;
}

export interface EscrowWithdrawnEvent extends ChainEventMeta {
  type: 'escrow_withdrawn';
  side: EscrowSide;
  escrow: string;
  orderHash: Hex;
  /** The 32-byte preimage revealed on chain. */
  secret: Hex;
  /** Whether the public-withdrawal path was used. */
  public: boolean;
  /** Who received the funds. */
  to: string;
}

export interface EscrowCancelledEvent extends ChainEventMeta {
  type: 'escrow_cancelled';
  side: EscrowSide;
  escrow: string;
  orderHash: Hex;
  public: boolean;
  to: string;
}

export interface FundsRescuedEvent extends ChainEventMeta {
  type: 'funds_rescued';
  escrow: string;
  orderHash: Hex;
  token: string;
  amount: bigint;
}

/** A source order fill invalidated by the maker on chain (EVM nonce invalidation). */
export interface OrderInvalidatedEvent extends ChainEventMeta {
  type: 'order_invalidated';
  maker: string;
  orderHash?: Hex;
  nonce?: bigint;
}

export type ChainEvent =
  | EscrowCreatedEvent
  | EscrowWithdrawnEvent
  | EscrowCancelledEvent
  | FundsRescuedEvent
  | OrderInvalidatedEvent;

/**
 * `observed`: seen in a block, not yet past the confirmation depth.
 * `final`: past `*_CONFIRMATIONS` blocks.
 * `reverted`: its block was orphaned by a reorg/rollback (the event no longer exists on chain).
 */
export type ChainEventStatus = 'observed' | 'final' | 'reverted';

export interface ChainEventUpdate {
  status: ChainEventStatus;
  event: ChainEvent;
}
