/** Builders of chain events and orders for the store tests. */
import type { EscrowCreatedEvent, EscrowWithdrawnEvent, EscrowCancelledEvent } from '../../src/chains/events.js';
import type { Hex, Order } from '../../src/domain/order.js';

export const BIG = 2n ** 70n + 12345n; // beyond 2^64: must round-trip exactly

export function hash32(n: number | bigint): Hex {
  return `0x${BigInt(n).toString(16).padStart(64, '0')}`;
}

export function created(
  chain: string,
  blockNumber: bigint,
  n: number,
  over: Partial<EscrowCreatedEvent> = {},
): EscrowCreatedEvent {
  return {
    type: 'escrow_created',
    id: `${chain}:0xtx${blockNumber}_${n}:${n}`,
    chain,
    txHash: `0xtx${blockNumber}_${n}`,
    index: n,
    blockNumber,
    blockHash: `0xblock${blockNumber}`,
    blockTime: 1_700_000_000 + Number(blockNumber),
    side: 'src',
    escrow: `0xescrow${n}`,
    orderHash: hash32(n),
    hashlock: hash32(1000 + n),
    maker: '0xMaker',
    taker: '0xTaker',
    token: '0x0000000000000000000000000000000000000000',
    amount: BIG + BigInt(n),
    safetyDeposit: 10n ** 18n,
    deployedAt: 1_700_000_000,
    deadlines: { withdrawal: 1, publicWithdrawal: 2, cancellation: 3, publicCancellation: 4 },
    dst: { chain: 'cardano:devnet', receiver: 'addr_test1xyz', asset: 'lovelace', amount: BIG * 3n, safetyDeposit: 2n },
    ...over,
  };
}

export function withdrawn(
  chain: string,
  blockNumber: bigint,
  n: number,
  over: Partial<EscrowWithdrawnEvent> = {},
): EscrowWithdrawnEvent {
  return {
    type: 'escrow_withdrawn',
    id: `${chain}:0xwtx${blockNumber}_${n}:${n}`,
    chain,
    txHash: `0xwtx${blockNumber}_${n}`,
    index: n,
    blockNumber,
    blockHash: `0xblock${blockNumber}`,
    blockTime: 1_700_000_000 + Number(blockNumber),
    side: 'src',
    escrow: `0xescrow${n}`,
    orderHash: hash32(n),
    secret: hash32(9999),
    public: false,
    to: '0xTaker',
    ...over,
  };
}

export function cancelled(
  chain: string,
  blockNumber: bigint,
  n: number,
  over: Partial<EscrowCancelledEvent> = {},
): EscrowCancelledEvent {
  return {
    type: 'escrow_cancelled',
    id: `${chain}:0xctx${blockNumber}_${n}:${n}`,
    chain,
    txHash: `0xctx${blockNumber}_${n}`,
    index: n,
    blockNumber,
    blockHash: `0xblock${blockNumber}`,
    blockTime: 1_700_000_000 + Number(blockNumber),
    side: 'src',
    escrow: `0xescrow${n}`,
    orderHash: hash32(n),
    public: false,
    to: '0xMaker',
    ...over,
  };
}

export function block(height: bigint, slot?: bigint): { height: bigint; hash: string; slot?: bigint } {
  return slot === undefined ? { height, hash: `0xblock${height}` } : { height, hash: `0xblock${height}`, slot };
}

export function order(n: number, over: Partial<Order> = {}): Order {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: '0xAbCdEf0000000000000000000000000000000001',
    receiver: 'addr_test1qqmaker',
    makerAsset: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
    makingAmount: BIG + BigInt(n),
    takerAsset: 'lovelace',
    auction: {
      startTime: 1_700_000_000,
      duration: 600,
      startAmount: 2n ** 80n,
      endAmount: 2n ** 65n,
      points: [{ offset: 300, amount: 2n ** 70n }],
    },
    hashlock: hash32(5000 + n),
    timelocks: {
      srcWithdrawal: 10,
      srcPublicWithdrawal: 20,
      srcCancellation: 100,
      srcPublicCancellation: 200,
      dstWithdrawal: 5,
      dstPublicWithdrawal: 15,
      dstCancellation: 50,
    },
    srcSafetyDeposit: 10n ** 16n,
    dstSafetyDeposit: 2_000_000n,
    nonce: 2n ** 100n + BigInt(n),
    salt: 2n ** 200n,
    expiry: 1_900_000_000,
    ...over,
  };
}
