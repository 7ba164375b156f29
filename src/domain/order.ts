/**
 * The order of architecture §4, in two forms: `Order` (code: bigint money, number unix seconds)
 * and `WireOrder` (JSON: amounts, nonce and salt as decimal strings).
 */
export type Hex = `0x${string}`;

/** `"1"`, `"31337"` for EVM chains; `"cardano:mainnet" | "cardano:preprod" | "cardano:preview" | "cardano:devnet"`. */
export type ChainId = string;

export interface AuctionPoint {
  /** seconds after `auction.startTime`, strictly inside (0, duration) */
  offset: number;
  /** taker-asset amount at that offset */
  amount: bigint;
}

export interface Auction {
  startTime: number;
  duration: number;
  startAmount: bigint;
  endAmount: bigint;
  points: AuctionPoint[];
}

/** Seconds after the source escrow's creation (`deployedAt`), architecture §6. */
export interface Timelocks {
  srcWithdrawal: number;
  srcPublicWithdrawal: number;
  srcCancellation: number;
  srcPublicCancellation: number;
  dstWithdrawal: number;
  dstPublicWithdrawal: number;
  dstCancellation: number;
}

export const TIMELOCK_STAGES = [
  'srcWithdrawal',
  'srcPublicWithdrawal',
  'srcCancellation',
  'srcPublicCancellation',
  'dstWithdrawal',
  'dstPublicWithdrawal',
  'dstCancellation',
] as const satisfies readonly (keyof Timelocks)[];

export interface Order {
  srcChain: ChainId;
  dstChain: ChainId;
  maker: string;
  receiver: string;
  makerAsset: string;
  makingAmount: bigint;
  takerAsset: string;
  auction: Auction;
  hashlock: Hex;
  timelocks: Timelocks;
  srcSafetyDeposit: bigint;
  dstSafetyDeposit: bigint;
  nonce: bigint;
  salt: bigint;
  /** unix seconds: last moment the order may be filled */
  expiry: number;
}

export interface WireAuctionPoint {
  offset: number;
  amount: string;
}

export interface WireOrder {
  srcChain: string;
  dstChain: string;
  maker: string;
  receiver: string;
  makerAsset: string;
  makingAmount: string;
  takerAsset: string;
  auction: {
    startTime: number;
    duration: number;
    startAmount: string;
    endAmount: string;
    points?: WireAuctionPoint[];
  };
  hashlock: string;
  timelocks: Timelocks;
  srcSafetyDeposit: string;
  dstSafetyDeposit: string;
  nonce: string;
  salt: string;
  expiry: number;
}

export function orderToWire(o: Order): WireOrder {
  return {
    srcChain: o.srcChain,
    dstChain: o.dstChain,
    maker: o.maker,
    receiver: o.receiver,
    makerAsset: o.makerAsset,
    makingAmount: o.makingAmount.toString(),
    takerAsset: o.takerAsset,
    auction: {
      startTime: o.auction.startTime,
      duration: o.auction.duration,
      startAmount: o.auction.startAmount.toString(),
      endAmount: o.auction.endAmount.toString(),
      points: o.auction.points.map((p) => ({ offset: p.offset, amount: p.amount.toString() })),
    },
    hashlock: o.hashlock,
    timelocks: { ...o.timelocks },
    srcSafetyDeposit: o.srcSafetyDeposit.toString(),
    dstSafetyDeposit: o.dstSafetyDeposit.toString(),
    nonce: o.nonce.toString(),
    salt: o.salt.toString(),
    expiry: o.expiry,
  };
}

/**
 * Converts a wire order whose shape was already validated at the edge (decimal strings are
 * digits only). Throws only on a programming error; the API validates first.
 */
export function orderFromWire(w: WireOrder): Order {
  return {
    srcChain: w.srcChain,
    dstChain: w.dstChain,
    maker: w.maker,
    receiver: w.receiver,
    makerAsset: w.makerAsset,
    makingAmount: BigInt(w.makingAmount),
    takerAsset: w.takerAsset,
    auction: {
      startTime: w.auction.startTime,
      duration: w.auction.duration,
      startAmount: BigInt(w.auction.startAmount),
      endAmount: BigInt(w.auction.endAmount),
      points: (w.auction.points ?? []).map((p) => ({ offset: p.offset, amount: BigInt(p.amount) })),
    },
    hashlock: w.hashlock as Hex,
    timelocks: { ...w.timelocks },
    srcSafetyDeposit: BigInt(w.srcSafetyDeposit),
    dstSafetyDeposit: BigInt(w.dstSafetyDeposit),
    nonce: BigInt(w.nonce),
    salt: BigInt(w.salt),
    expiry: w.expiry,
  };
}
