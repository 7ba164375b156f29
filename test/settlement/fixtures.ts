/**
 * The order the settlement tests judge escrows against: an EVM → Cardano swap whose auction
 * runs 600 s from 5 to 4 ADA, with the source escrow created 100 s into it.
 */
import type { Hex, Order } from '../../src/domain/order.js';

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
