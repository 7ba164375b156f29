/**
 * The order the settlement tests judge escrows against: an EVM → Cardano swap whose auction
 * runs 600 s from 5 to 4 ADA, with the source escrow created 100 s into it.
 */
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { dstDeadlines, srcDeadlines } from '../../src/domain/timelocks.js';

export const T0 = 1_800_000_000;
/** When the source escrow is created in these tests. */
export const DEPLOYED = T0 + 100;
export const RECEIVER = 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz';

export function testOrder(over: Partial<Order> & { hashlock: Hex }): Order {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    receiver: RECEIVER,
    makerAsset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    makingAmount: 10n ** 18n,
    takerAsset: 'lovelace',
    auction: { startTime: T0, duration: 600, startAmount: 5_000_000n, endAmount: 4_000_000n, points: [] },
    timelocks: {
      srcWithdrawal: 30,
      srcPublicWithdrawal: 400,
      srcCancellation: 900,
      srcPublicCancellation: 1000,
      dstWithdrawal: 30,
      dstPublicWithdrawal: 300,
      dstCancellation: 700,
    },
    srcSafetyDeposit: 1000n,
    dstSafetyDeposit: 2_000_000n,
    nonce: 1n,
    salt: 2n,
    expiry: T0 + 3600,
    ...over,
  };
}

let n = 0;
/** Where an event sits: a fresh transaction and block each call. */
export function chainMeta(chain: string, blockTime: number) {
  n++;
  return { id: `${chain}:0x${n}:0`, chain, txHash: `0x${n}`, index: 0, blockNumber: BigInt(n), blockHash: `0xb${n}`, blockTime };
}

/** The source escrow a resolver creates for `order` at DEPLOYED, promising 4.9 ADA. */
export function srcEscrowEvent(orderHash: Hex, order: Order, over: Partial<EscrowCreatedEvent> = {}): EscrowCreatedEvent {
  return {
    ...chainMeta('31337', DEPLOYED),
    type: 'escrow_created',
    side: 'src',
    escrow: '0x1111111111111111111111111111111111111111',
    orderHash,
    hashlock: order.hashlock,
    maker: order.maker,
    taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    token: order.makerAsset,
    amount: order.makingAmount,
    safetyDeposit: 1000n,
    deployedAt: DEPLOYED,
    deadlines: srcDeadlines(order.timelocks, DEPLOYED),
    dst: { chain: 'cardano:devnet', receiver: RECEIVER, asset: 'lovelace', amount: 4_900_000n, safetyDeposit: 2_000_000n },
    ...over,
  };
}

/** The matching destination escrow on Cardano, deadlines counted from the source's DEPLOYED. */
export function dstEscrowEvent(orderHash: Hex, order: Order, over: Partial<EscrowCreatedEvent> = {}): EscrowCreatedEvent {
  return {
    ...chainMeta('cardano:devnet', DEPLOYED + 10),
    type: 'escrow_created',
    side: 'dst',
    escrow: `${'aa'.repeat(32)}#0`,
    orderHash,
    hashlock: order.hashlock,
    maker: RECEIVER,
    taker: 'ee'.repeat(28),
    token: 'lovelace',
    amount: 4_900_000n,
    safetyDeposit: 2_000_000n,
    deployedAt: DEPLOYED + 10,
    deadlines: dstDeadlines(order.timelocks, DEPLOYED),
    ...over,
  };
}

export function withdrawnEvent(of: EscrowCreatedEvent, secret: Hex, over: { public?: boolean } = {}): ChainEvent {
  return {
    ...chainMeta(of.chain, DEPLOYED + 200),
    type: 'escrow_withdrawn',
    side: of.side,
    escrow: of.escrow,
    orderHash: of.orderHash,
    secret,
    public: over.public ?? false,
    to: of.side === 'dst' ? of.maker : of.taker,
  };
}

export function cancelledEvent(of: EscrowCreatedEvent, refundTo: string): ChainEvent {
  return {
    ...chainMeta(of.chain, DEPLOYED + 950),
    type: 'escrow_cancelled',
    side: of.side,
    escrow: of.escrow,
    orderHash: of.orderHash,
    public: false,
    to: refundTo,
  };
}
