/** Shared test data for the domain tests: a valid order and fast-check arbitraries. */
import fc from 'fast-check';
import { getAddress } from 'viem';
import type { Auction, Hex, Order, Timelocks } from '../../src/domain/order.js';
import type { SupportedChains } from '../../src/domain/validate-order.js';

export const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z
export const FACTORY: Hex = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const ANVIL_KEY_0: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const ANVIL_ADDRESS_0: Hex = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

/** CIP-19 test vectors (the same key hashes on every address type). */
export const CIP19 = {
  mainnetBase: 'addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgse35a3x',
  mainnetBaseScript: 'addr1z8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gten0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs9yc0hh',
  mainnetType2: 'addr1yx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerkr0vd4msrxnuwnccdxlhdjar77j6lg0wypcc9uar5d2shs2z78ve',
  mainnetType3: 'addr1x8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gt7r0vd4msrxnuwnccdxlhdjar77j6lg0wypcc9uar5d2shskhj42g',
  mainnetPointer: 'addr1gx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer5pnz75xxcrzqf96k',
  mainnetPointerScript: 'addr128phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtupnz75xxcrtw79hu',
  mainnetEnterprise: 'addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8',
  mainnetEnterpriseScript: 'addr1w8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtcyjy7wx',
  testnetBase: 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae',
  testnetPointerScript: 'addr_test12rphkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtupnz75xxcryqrvmw',
  testnetEnterprise: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
  mainnetStake: 'stake1uyehkck0lajq8gr28t9uxnuvgcqrc6070x3k9r8048z8y5gh6ffgw',
  testnetStake: 'stake_test1uqehkck0lajq8gr28t9uxnuvgcqrc6070x3k9r8048z8y5gssrtvn',
} as const;

export const SUPPORTED: SupportedChains = {
  evm: { '31337': { factory: FACTORY } },
  cardano: ['cardano:devnet', 'cardano:mainnet'],
};

export const TIMELOCKS: Timelocks = {
  srcWithdrawal: 36,
  srcPublicWithdrawal: 336,
  srcCancellation: 492,
  srcPublicCancellation: 612,
  dstWithdrawal: 30,
  dstPublicWithdrawal: 300,
  dstCancellation: 420,
};

/** A valid EVM → Cardano devnet order at NOW. Fresh object each call, so tests may mutate it. */
export function validOrder(): Order {
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: ANVIL_ADDRESS_0,
    receiver: CIP19.testnetBase,
    makerAsset: '0x0000000000000000000000000000000000000000',
    makingAmount: 1_000_000_000_000_000_000n,
    takerAsset: 'lovelace',
    auction: {
      startTime: NOW,
      duration: 180,
      startAmount: 2_000_000_000n,
      endAmount: 1_900_000_000n,
      points: [{ offset: 60, amount: 1_950_000_000n }],
    },
    hashlock: '0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563',
    timelocks: { ...TIMELOCKS },
    srcSafetyDeposit: 10_000_000_000_000_000n,
    dstSafetyDeposit: 2_000_000n,
    nonce: 1n,
    salt: 42n,
    expiry: NOW + 3_600,
  };
}

const MAX_U256 = (1n << 256n) - 1n;

/** A valid auction: duration 1..86400, floor >= 1, up to 16 points, monotone. */
export const auctionArb: fc.Arbitrary<Auction> = fc
  .record({
    startTime: fc.integer({ min: 0, max: 4_000_000_000 }),
    duration: fc.integer({ min: 1, max: 86_400 }),
    endAmount: fc.oneof(fc.bigInt({ min: 1n, max: 1_000_000n }), fc.bigInt({ min: 1n, max: MAX_U256 >> 8n })),
    extra: fc.oneof(fc.bigInt({ min: 0n, max: 1_000_000n }), fc.bigInt({ min: 0n, max: MAX_U256 >> 8n })),
    pointCount: fc.integer({ min: 0, max: 16 }),
    seeds: fc.array(fc.tuple(fc.nat(), fc.bigInt({ min: 0n, max: MAX_U256 })), {
      minLength: 16,
      maxLength: 16,
    }),
  })
  .map(({ startTime, duration, endAmount, extra, pointCount, seeds }) => {
    const startAmount = endAmount + extra;
    // Distinct offsets in (0, duration), sorted; amounts drawn within the range, sorted down.
    const offsets = [...new Set(seeds.slice(0, pointCount).map(([u]) => 1 + (u % Math.max(1, duration - 1))))]
      .filter((o) => o > 0 && o < duration)
      .sort((a, b) => a - b);
    const amounts = seeds
      .slice(0, offsets.length)
      .map(([, r]) => endAmount + (extra === 0n ? 0n : r % (extra + 1n)))
      .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return {
      startTime,
      duration,
      startAmount,
      endAmount,
      points: offsets.map((offset, i) => ({ offset, amount: amounts[i]! })),
    };
  });

/** Valid timelocks: built from positive gaps so every ordering rule holds. */
export const timelocksArb: fc.Arbitrary<Timelocks> = fc
  .record({
    dstW: fc.integer({ min: 0, max: 100_000 }),
    gaps: fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 6, maxLength: 6 }),
    srcW: fc.integer({ min: 0, max: 100_000 }),
  })
  .map(({ dstW, gaps, srcW }) => {
    const [g1, g2, g3, g4, g5, g6] = gaps as [number, number, number, number, number, number];
    const dstPubW = dstW + g1;
    const dstCancel = dstPubW + g2;
    const srcCancel = Math.max(dstCancel + g3, srcW + g4 + g5);
    const srcPubW = Math.min(srcW + g4, srcCancel - 1);
    return {
      srcWithdrawal: Math.min(srcW, srcPubW - 1),
      srcPublicWithdrawal: srcPubW,
      srcCancellation: srcCancel,
      srcPublicCancellation: srcCancel + g6,
      dstWithdrawal: dstW,
      dstPublicWithdrawal: dstPubW,
      dstCancellation: dstCancel,
    };
  });

/** Any uint32 timelocks, valid or not. */
export const anyUint32TimelocksArb: fc.Arbitrary<Timelocks> = fc.record({
  srcWithdrawal: fc.nat({ max: 0xffff_ffff }),
  srcPublicWithdrawal: fc.nat({ max: 0xffff_ffff }),
  srcCancellation: fc.nat({ max: 0xffff_ffff }),
  srcPublicCancellation: fc.nat({ max: 0xffff_ffff }),
  dstWithdrawal: fc.nat({ max: 0xffff_ffff }),
  dstPublicWithdrawal: fc.nat({ max: 0xffff_ffff }),
  dstCancellation: fc.nat({ max: 0xffff_ffff }),
});

const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const u32 = fc.nat({ max: 0xffff_ffff });
const addressArb = fc
  .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean())
  .map(([b, checksummed]) => {
    const lower = `0x${Buffer.from(b).toString('hex')}` as const;
    return checksummed ? getAddress(lower) : lower;
  });
const anyStringArb = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 100 }));

/** Any order the EIP-712 types can encode (not necessarily one intake would accept). */
export const orderArb: fc.Arbitrary<Order> = fc.record({
  srcChain: fc.constant('31337'),
  dstChain: anyStringArb,
  maker: addressArb,
  receiver: anyStringArb,
  makerAsset: addressArb,
  makingAmount: u256,
  takerAsset: anyStringArb,
  auction: fc.record({
    startTime: fc.nat(),
    duration: fc.nat(),
    startAmount: u256,
    endAmount: u256,
    points: fc.array(fc.record({ offset: fc.nat(), amount: u256 }), { maxLength: 3 }),
  }),
  hashlock: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex),
  timelocks: fc.record({
    srcWithdrawal: u32,
    srcPublicWithdrawal: u32,
    srcCancellation: u32,
    srcPublicCancellation: u32,
    dstWithdrawal: u32,
    dstPublicWithdrawal: u32,
    dstCancellation: u32,
  }),
  srcSafetyDeposit: u256,
  dstSafetyDeposit: u256,
  nonce: u256,
  salt: u256,
  expiry: fc.nat(),
});

