import { describe, expect, it } from 'vitest';
import type { EscrowCreatedEvent } from '../../src/chains/events.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { dstDeadlines, srcDeadlines } from '../../src/domain/timelocks.js';
import { verifyDstEscrow, verifySrcEscrow } from '../../src/settlement/verify-escrows.js';
import { DEPLOYED, RECEIVER, testOrder } from './support.js';

const ORDER_HASH = `0x${'ab'.repeat(32)}` as Hex;
const HASHLOCK = `0x${'cd'.repeat(32)}` as Hex;
const DEPLOYED_AT = DEPLOYED;
const order: Order = testOrder({ hashlock: HASHLOCK });

// Auction price 100 s into a 600 s auction from 5 ADA to 4 ADA: 4 + ceil(1 * 500/600) ADA.
const PRICE_AT_DEPLOY = 4_833_334n;

function meta(chain: string, n: number) {
  return { id: `${chain}:0x${n}:0`, chain, txHash: `0x${n}`, index: 0, blockNumber: BigInt(n), blockHash: `0xb${n}`, blockTime: DEPLOYED_AT };
}

function srcEscrow(over: Partial<EscrowCreatedEvent> = {}): EscrowCreatedEvent {
  return {
    ...meta('31337', 1),
    type: 'escrow_created',
    side: 'src',
    escrow: '0x1111111111111111111111111111111111111111',
    orderHash: ORDER_HASH,
    hashlock: HASHLOCK,
    maker: order.maker.toLowerCase(),
    taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    token: order.makerAsset,
    amount: order.makingAmount,
    safetyDeposit: order.srcSafetyDeposit,
    deployedAt: DEPLOYED_AT,
    deadlines: srcDeadlines(order.timelocks, DEPLOYED_AT),
    dst: { chain: order.dstChain, receiver: RECEIVER, asset: 'lovelace', amount: PRICE_AT_DEPLOY, safetyDeposit: order.dstSafetyDeposit },
    ...over,
  };
}

function dstEscrow(over: Partial<EscrowCreatedEvent> = {}): EscrowCreatedEvent {
  return {
    ...meta('cardano:devnet', 2),
    type: 'escrow_created',
    side: 'dst',
    escrow: 'aa'.repeat(32) + '#0',
    orderHash: ORDER_HASH,
    hashlock: HASHLOCK,
    maker: RECEIVER,
    taker: 'ee'.repeat(28),
    token: 'lovelace',
    amount: PRICE_AT_DEPLOY,
    safetyDeposit: order.dstSafetyDeposit,
    deployedAt: DEPLOYED_AT + 20,
    deadlines: dstDeadlines(order.timelocks, DEPLOYED_AT),
    ...over,
  };
}

const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

describe('verifySrcEscrow', () => {
  it('accepts a source escrow that matches the order', () => {
    expect(verifySrcEscrow(ORDER_HASH, order, srcEscrow())).toEqual([]);
  });

  it.each([
    ['WRONG_SIDE', { side: 'dst' as const }],
    ['WRONG_CHAIN', { chain: '1' }],
    ['ORDER_HASH_MISMATCH', { orderHash: `0x${'00'.repeat(32)}` as Hex }],
    ['HASHLOCK_MISMATCH', { hashlock: `0x${'ee'.repeat(32)}` as Hex }],
    ['SRC_MAKER_MISMATCH', { maker: '0x0000000000000000000000000000000000000001' }],
    ['SRC_ASSET_MISMATCH', { token: '0x0000000000000000000000000000000000000002' }],
    ['SRC_AMOUNT_MISMATCH', { amount: order.makingAmount - 1n }],
    ['SAFETY_DEPOSIT_TOO_LOW', { safetyDeposit: order.srcSafetyDeposit - 1n }],
    ['SRC_DEADLINE_MISMATCH', { deadlines: srcDeadlines(order.timelocks, DEPLOYED_AT + 1) }],
    ['PROMISE_MISMATCH', { dst: undefined }],
    ['VALUE_BELOW_DATUM', { shortfall: [{ asset: 'lovelace', required: 10n, held: 9n }] }],
  ])('reports %s', (code, over) => {
    expect(codes(verifySrcEscrow(ORDER_HASH, order, srcEscrow(over)))).toContain(code);
  });

  it('refuses a committed amount below the auction price at the escrow creation time', () => {
    const low = srcEscrow({ dst: { ...srcEscrow().dst!, amount: PRICE_AT_DEPLOY - 1n } });
    expect(codes(verifySrcEscrow(ORDER_HASH, order, low))).toEqual(['PROMISE_BELOW_AUCTION']);
    const exact = srcEscrow({ dst: { ...srcEscrow().dst!, amount: PRICE_AT_DEPLOY } });
    expect(verifySrcEscrow(ORDER_HASH, order, exact)).toEqual([]);
  });

  it('refuses a commitment to another receiver or asset', () => {
    const other = srcEscrow({ dst: { ...srcEscrow().dst!, receiver: 'addr_test1other' } });
    expect(codes(verifySrcEscrow(ORDER_HASH, order, other))).toEqual(['PROMISE_MISMATCH']);
    const asset = srcEscrow({ dst: { ...srcEscrow().dst!, asset: 'ff'.repeat(28) } });
    expect(codes(verifySrcEscrow(ORDER_HASH, order, asset))).toEqual(['PROMISE_MISMATCH']);
  });
});

describe('verifyDstEscrow', () => {
  const tolerance = 20;

  it('accepts a destination escrow that pays what was promised', () => {
    expect(verifyDstEscrow(ORDER_HASH, order, srcEscrow(), dstEscrow(), tolerance)).toEqual([]);
  });

  it('accepts more than promised, and deadlines within one block', () => {
    const d = dstDeadlines(order.timelocks, DEPLOYED_AT + tolerance);
    const dst = dstEscrow({ amount: PRICE_AT_DEPLOY + 1n, safetyDeposit: order.dstSafetyDeposit + 1n, deadlines: d });
    expect(verifyDstEscrow(ORDER_HASH, order, srcEscrow(), dst, tolerance)).toEqual([]);
  });

  it.each([
    ['AMOUNT_TOO_LOW', { amount: PRICE_AT_DEPLOY - 1n }],
    ['WRONG_RECEIVER', { maker: 'addr_test1vpu5vlrf4xkxv2qpwngf6cjhtw542ayty80v8dyr49rf5eg0yu80w' }],
    ['HASHLOCK_MISMATCH', { hashlock: `0x${'ee'.repeat(32)}` as Hex }],
    ['ORDER_HASH_MISMATCH', { orderHash: `0x${'00'.repeat(32)}` as Hex }],
    ['WRONG_ASSET', { token: 'ff'.repeat(28) + '41' }],
    ['SAFETY_DEPOSIT_TOO_LOW', { safetyDeposit: 0n }],
    ['WRONG_SIDE', { side: 'src' as const }],
    ['WRONG_CHAIN', { chain: 'cardano:preprod' }],
    ['DEADLINE_MISMATCH', { deadlines: dstDeadlines(order.timelocks, DEPLOYED_AT + tolerance + 1) }],
    ['DEADLINE_MISMATCH', { deadlines: dstDeadlines(order.timelocks, DEPLOYED_AT - tolerance - 1) }],
    ['PUBLIC_CANCELLATION_ON_DST', { deadlines: { ...dstDeadlines(order.timelocks, DEPLOYED_AT), publicCancellation: DEPLOYED_AT + 800 } }],
    ['VALUE_BELOW_DATUM', { shortfall: [{ asset: 'lovelace', required: PRICE_AT_DEPLOY + 2n, held: 1n }] }],
  ])('reports %s', (code, over) => {
    expect(codes(verifyDstEscrow(ORDER_HASH, order, srcEscrow(), dstEscrow(over), tolerance))).toContain(code);
  });

  it('requires destination cancellation strictly before source cancellation', () => {
    const src = srcEscrow();
    const late = dstEscrow({ deadlines: { ...dstEscrow().deadlines, cancellation: src.deadlines.cancellation } });
    expect(codes(verifyDstEscrow(ORDER_HASH, order, src, late, 1_000))).toContain('DST_CANCELLATION_NOT_BEFORE_SRC');
  });

  it('compares against the amount the resolver committed, not only the auction floor', () => {
    const src = srcEscrow({ dst: { ...srcEscrow().dst!, amount: 4_900_000n } });
    const dst = dstEscrow({ amount: 4_899_999n });
    expect(codes(verifyDstEscrow(ORDER_HASH, order, src, dst, tolerance))).toEqual(['AMOUNT_TOO_LOW']);
  });
});
