/** A signed order the relayer accepts without chains (DEVNET=off): for API and scale tests. */
import { randomBytes } from 'node:crypto';
import { keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { WireOrder } from '../../client/http.js';

export const SAMPLE_MAKER = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');

/** A fresh secret and its hashlock. */
export function secretPair(): { secret: Hex; hashlock: Hex } {
  const secret = `0x${randomBytes(32).toString('hex')}` as Hex;
  return { secret, hashlock: keccak256(secret) };
}

export function sampleOrder(now: number, hashlock: Hex = secretPair().hashlock): WireOrder {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: SAMPLE_MAKER.address,
    receiver: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
    makerAsset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    makingAmount: '1000000000000000000',
    takerAsset: 'lovelace',
    auction: { startTime: now, duration: 120, startAmount: '5000000', endAmount: '4000000', points: [] },
    hashlock,
    timelocks: {
      srcWithdrawal: 10,
      srcPublicWithdrawal: 600,
      srcCancellation: 900,
      srcPublicCancellation: 1200,
      dstWithdrawal: 10,
      dstPublicWithdrawal: 300,
      dstCancellation: 700,
    },
    srcSafetyDeposit: '0',
    dstSafetyDeposit: '0',
    nonce: '1',
    salt: BigInt(`0x${randomBytes(8).toString('hex')}`).toString(),
    expiry: now + 3600,
  };
}
