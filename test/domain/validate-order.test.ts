import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isCardanoAsset,
  isEvmAddress,
  MAX_EXPIRY_AHEAD_SECONDS,
  validateOrder,
  type ValidateOrderContext,
} from '../../src/domain/validate-order.js';
import { DOMAIN_ISSUE_CODES } from '../../src/domain/issues.js';
import { orderHash } from '../../src/domain/eip712.js';
import type { Order } from '../../src/domain/order.js';
import { auctionArb, CIP19, NOW, SUPPORTED, timelocksArb, validOrder } from './support.js';

const ctx: ValidateOrderContext = { now: NOW, supportedChains: SUPPORTED };
const check = (patch: Partial<Order>) => validateOrder({ ...validOrder(), ...patch }, ctx);
const codes = (patch: Partial<Order>) => check(patch).map((i) => `${i.code}@${i.field}`);

describe('validateOrder: a valid order', () => {
  it('has no issues', () => {
    expect(validateOrder(validOrder(), ctx)).toEqual([]);
  });

  it('has no issues for any valid auction, timelocks, amounts and Cardano asset', () => {
    fc.assert(
      fc.property(
        auctionArb,
        timelocksArb,
        fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        fc.integer({ min: 1, max: MAX_EXPIRY_AHEAD_SECONDS }),
        fc.oneof(
          fc.constant('lovelace'),
          fc.tuple(fc.uint8Array({ minLength: 28, maxLength: 28 }), fc.uint8Array({ maxLength: 32 })).map(
            ([p, n]) => Buffer.from(p).toString('hex') + Buffer.from(n).toString('hex'),
          ),
        ),
        (auction, timelocks, makingAmount, deposit, ahead, takerAsset) => {
          const expiry = NOW + ahead;
          const order = {
            ...validOrder(),
            auction: { ...auction, startTime: Math.min(auction.startTime, expiry) },
            timelocks,
            makingAmount,
            srcSafetyDeposit: deposit,
            dstSafetyDeposit: deposit,
            nonce: deposit,
            salt: makingAmount,
            expiry,
            takerAsset,
          };
          expect(validateOrder(order, ctx)).toEqual([]);
          // Intake hashes right after validating: a valid order must always be encodable.
          expect(orderHash(order, 31337, SUPPORTED.evm['31337']!.factory)).toMatch(/^0x[0-9a-f]{64}$/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('checks the receiver of a configured Cardano chain it does not know as a test network', () => {
    const sancho = { now: NOW, supportedChains: { ...SUPPORTED, cardano: ['cardano:sanchonet'] } };
    expect(validateOrder({ ...validOrder(), dstChain: 'cardano:sanchonet' }, sancho)).toEqual([]);
    const wrong = validateOrder({ ...validOrder(), dstChain: 'cardano:sanchonet', receiver: CIP19.mainnetBase }, sancho);
    expect(wrong.map((i) => `${i.code}@${i.field}`)).toEqual(['INVALID_ADDRESS@receiver']);
  });

  it('accepts a mainnet receiver for a cardano:mainnet destination', () => {
    expect(codes({ dstChain: 'cardano:mainnet', receiver: CIP19.mainnetEnterprise })).toEqual([]);
  });

  it('accepts a lower-case maker and the zero address as makerAsset (native ETH)', () => {
    expect(codes({ maker: validOrder().maker.toLowerCase() })).toEqual([]);
  });
});

describe('validateOrder: chain pair', () => {
  it('refuses a Cardano source with a clear message (not accepted yet)', () => {
    const issues = check({ srcChain: 'cardano:devnet', dstChain: '31337' });
    expect(issues[0]).toMatchObject({ code: 'UNSUPPORTED_CHAIN_PAIR', field: 'srcChain' });
    expect(issues[0]!.message).toMatch(/Cardano-source orders are not accepted yet/);
  });

  it('refuses unknown chains, naming them and the supported ones', () => {
    const src = check({ srcChain: '1' });
    expect(src[0]).toMatchObject({ code: 'UNSUPPORTED_CHAIN_PAIR', field: 'srcChain' });
    expect(src[0]!.message).toMatch(/"1".*supported: EVM 31337 → Cardano cardano:devnet, cardano:mainnet/);
    const dst = check({ dstChain: 'cardano:preprod' });
    expect(dst[0]).toMatchObject({ code: 'UNSUPPORTED_CHAIN_PAIR', field: 'dstChain' });
    expect(dst[0]!.message).toMatch(/cardano:preprod/);
  });

  it('refuses EVM → EVM and Cardano → Cardano', () => {
    expect(codes({ dstChain: '31337' })).toContain('UNSUPPORTED_CHAIN_PAIR@dstChain');
    expect(codes({ srcChain: 'cardano:mainnet' })).toContain('UNSUPPORTED_CHAIN_PAIR@srcChain');
  });

  it('is not fooled by inherited property names', () => {
    expect(codes({ srcChain: 'constructor' })).toContain('UNSUPPORTED_CHAIN_PAIR@srcChain');
    expect(codes({ srcChain: '__proto__' })).toContain('UNSUPPORTED_CHAIN_PAIR@srcChain');
  });
});

describe('validateOrder: addresses and assets', () => {
  it.each([
    ['not hex', 'hello'],
    ['too short', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226'],
    ['broken checksum', '0xf39fd6e51aad88F6F4ce6aB8827279cffFb92266'],
    ['zero address', '0x0000000000000000000000000000000000000000'],
    ['a Cardano address', CIP19.testnetBase],
  ])('maker: rejects %s', (_name, maker) => {
    expect(codes({ maker })).toEqual(['INVALID_ADDRESS@maker']);
  });

  it('makerAsset must be an EVM address', () => {
    expect(codes({ makerAsset: 'lovelace' })).toEqual(['INVALID_ADDRESS@makerAsset']);
    expect(codes({ makerAsset: '0x5FbDB2315678afecb367f032d93F642f64180aA3' })).toEqual(['INVALID_ADDRESS@makerAsset']);
  });

  it('receiver must be a payment address of the destination network', () => {
    const wrongNet = check({ receiver: CIP19.mainnetBase });
    expect(wrongNet.map((i) => i.code + '@' + i.field)).toEqual(['INVALID_ADDRESS@receiver']);
    expect(wrongNet[0]!.message).toMatch(/another Cardano network.*cardano:devnet/);
    expect(codes({ receiver: CIP19.testnetStake })).toEqual(['INVALID_ADDRESS@receiver']);
    expect(codes({ receiver: validOrder().maker })).toEqual(['INVALID_ADDRESS@receiver']);
    expect(codes({ receiver: `${CIP19.testnetBase.slice(0, -1)}q` })).toEqual(['INVALID_ADDRESS@receiver']);
    expect(codes({ receiver: 42 as unknown as string })).toEqual(['INVALID_ADDRESS@receiver']);
  });

  it.each([
    ['ada', 'ADA'],
    ['upper-case hex', 'AB'.repeat(28)],
    ['short policy', 'ab'.repeat(27)],
    ['odd asset name', `${'ab'.repeat(28)}a`],
    ['asset name over 32 bytes', `${'ab'.repeat(28)}${'cd'.repeat(33)}`],
    ['dotted unit', `${'ab'.repeat(28)}.cd`],
    ['empty', ''],
  ])('takerAsset: rejects %s', (_name, takerAsset) => {
    expect(codes({ takerAsset })).toEqual(['INVALID_ASSET@takerAsset']);
  });

  it('isCardanoAsset / isEvmAddress on edge cases', () => {
    expect(isCardanoAsset('lovelace')).toBe(true);
    expect(isCardanoAsset('ab'.repeat(28))).toBe(true);
    expect(isCardanoAsset(`${'ab'.repeat(28)}${'cd'.repeat(32)}`)).toBe(true);
    expect(isCardanoAsset(null)).toBe(false);
    expect(isEvmAddress('0x0000000000000000000000000000000000000000')).toBe(true);
    expect(isEvmAddress(123)).toBe(false);
  });
});

describe('validateOrder: amounts and numbers', () => {
  it('makingAmount must be in [1, 2^256)', () => {
    expect(codes({ makingAmount: 0n })).toEqual(['INVALID_AMOUNT@makingAmount']);
    expect(codes({ makingAmount: -1n })).toEqual(['INVALID_AMOUNT@makingAmount']);
    expect(codes({ makingAmount: 1n << 256n })).toEqual(['INVALID_AMOUNT@makingAmount']);
    expect(codes({ makingAmount: (1n << 256n) - 1n })).toEqual([]);
    expect(codes({ makingAmount: 1.5 as unknown as bigint })).toEqual(['INVALID_AMOUNT@makingAmount']);
  });

  it('deposits may be 0 but not negative or 2^256', () => {
    expect(codes({ srcSafetyDeposit: 0n, dstSafetyDeposit: 0n })).toEqual([]);
    expect(codes({ srcSafetyDeposit: -1n })).toEqual(['INVALID_AMOUNT@srcSafetyDeposit']);
    expect(codes({ dstSafetyDeposit: 1n << 256n })).toEqual(['INVALID_AMOUNT@dstSafetyDeposit']);
  });

  it('nonce and salt must be uint256', () => {
    expect(codes({ nonce: -1n })).toEqual(['INVALID_FIELD@nonce']);
    expect(codes({ salt: 1n << 256n })).toEqual(['INVALID_FIELD@salt']);
    expect(codes({ nonce: 0n, salt: (1n << 256n) - 1n })).toEqual([]);
  });
});

describe('validateOrder: expiry and auction timing', () => {
  it('expiry must be after now', () => {
    expect(codes({ expiry: NOW })).toEqual(['ORDER_EXPIRED@expiry']);
    expect(codes({ expiry: NOW - 1, auction: { ...validOrder().auction, startTime: NOW - 100 } })).toEqual([
      'ORDER_EXPIRED@expiry',
    ]);
    expect(codes({ expiry: NOW + 1 })).toEqual([]);
  });

  it(`expiry may be at most ${MAX_EXPIRY_AHEAD_SECONDS} s ahead`, () => {
    expect(codes({ expiry: NOW + MAX_EXPIRY_AHEAD_SECONDS })).toEqual([]);
    expect(codes({ expiry: NOW + MAX_EXPIRY_AHEAD_SECONDS + 1 })).toEqual(['EXPIRY_TOO_FAR@expiry']);
  });

  it('expiry must be an integer', () => {
    expect(codes({ expiry: NOW + 0.5 })).toEqual(['INVALID_FIELD@expiry']);
  });

  it('the auction must start at or before expiry', () => {
    const auction = { ...validOrder().auction, startTime: NOW + 3_601 };
    expect(codes({ auction })).toEqual(['INVALID_AUCTION@auction.startTime']);
    expect(codes({ auction: { ...auction, startTime: NOW + 3_600 } })).toEqual([]);
  });

  it('reports auction problems with the auction prefix', () => {
    expect(codes({ auction: { ...validOrder().auction, endAmount: 0n } })).toEqual(['INVALID_AUCTION@auction.endAmount']);
  });
});

describe('validateOrder: timelocks and hashlock', () => {
  it('reports timelock problems', () => {
    expect(codes({ timelocks: { ...validOrder().timelocks, dstCancellation: 500 } })).toEqual([
      'INVALID_TIMELOCKS@timelocks.srcCancellation',
    ]);
  });

  it.each([
    ['too short', `0x${'ab'.repeat(31)}`],
    ['no prefix', 'ab'.repeat(32)],
    ['non-hex', `0x${'zz'.repeat(32)}`],
  ])('hashlock: rejects %s', (_name, hashlock) => {
    expect(codes({ hashlock: hashlock as `0x${string}` })).toEqual(['INVALID_HASHLOCK@hashlock']);
  });
});

describe('validateOrder: robustness', () => {
  it('reports every problem at once, each with a stable code, a field and a message', () => {
    const issues = validateOrder(
      {
        ...validOrder(),
        maker: 'x',
        makerAsset: 'y',
        takerAsset: 'z',
        makingAmount: 0n,
        expiry: NOW - 10,
        hashlock: '0x' as `0x${string}`,
        timelocks: { ...validOrder().timelocks, srcWithdrawal: -1 },
        auction: { ...validOrder().auction, duration: 0 },
      },
      ctx,
    );
    expect(new Set(issues.map((i) => i.code))).toEqual(
      new Set(['INVALID_ADDRESS', 'INVALID_ASSET', 'INVALID_AMOUNT', 'ORDER_EXPIRED', 'INVALID_AUCTION', 'INVALID_TIMELOCKS', 'INVALID_HASHLOCK']),
    );
    for (const i of issues) {
      expect(DOMAIN_ISSUE_CODES).toContain(i.code);
      expect(i.field.length).toBeGreaterThan(0);
      expect(i.message.length).toBeGreaterThan(10);
    }
  });

  it('never throws, whatever the field values', () => {
    const order = validOrder();
    const keys = Object.keys(order) as (keyof Order)[];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        const broken = { ...validOrder(), [key]: value } as Order;
        expect(() => validateOrder(broken, ctx)).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  });

  it('never throws on junk inside the auction or timelocks', () => {
    fc.assert(
      fc.property(fc.constantFrom('auction', 'timelocks'), fc.string(), fc.anything(), (part, key, value) => {
        const base = validOrder();
        const broken = { ...base, [part]: { ...base[part], [key]: value } } as Order;
        expect(() => validateOrder(broken, ctx)).not.toThrow();
      }),
      { numRuns: 500 },
    );
    const points = [null, 1, 'x', { offset: 'a', amount: 1 }] as unknown as Order['auction']['points'];
    const issues = validateOrder({ ...validOrder(), auction: { ...validOrder().auction, points } }, ctx);
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining(['auction.points[0]', 'auction.points[1]', 'auction.points[2]']));
  });
});

describe('validateOrder: rescue before refund', () => {
  // The source escrow lets its taker rescue funds from deployedAt + RESCUE_DELAY: every source
  // stage must open strictly before, or the maker's tokens can be taken before any refund.
  const withRescue = (rescueDelay: number): ValidateOrderContext => ({
    now: NOW,
    supportedChains: { ...SUPPORTED, evm: { '31337': { ...SUPPORTED.evm['31337']!, rescueDelay } } },
  });

  it('refuses a source public cancellation at or after the rescue delay, accepts one second before', () => {
    const o = validOrder();
    const last = o.timelocks.srcPublicCancellation;
    expect(validateOrder(o, withRescue(last + 1))).toEqual([]);
    for (const delay of [last, last - 1, o.timelocks.srcWithdrawal]) {
      const issues = validateOrder(o, withRescue(delay));
      expect(issues.map((i) => `${i.code}@${i.field}`)).toEqual(['TIMELOCKS_EXCEED_RESCUE_DELAY@timelocks.srcPublicCancellation']);
      expect(issues[0]!.message).toContain(String(delay));
    }
  });

  it('holds for any valid timelocks: refused exactly when the last source stage reaches the delay', () => {
    fc.assert(
      fc.property(timelocksArb, fc.integer({ min: 1, max: 2 ** 32 }), (timelocks, delay) => {
        const issues = validateOrder({ ...validOrder(), timelocks }, withRescue(delay));
        expect(issues.some((i) => i.code === 'TIMELOCKS_EXCEED_RESCUE_DELAY')).toBe(timelocks.srcPublicCancellation >= delay);
      }),
      { numRuns: 300 },
    );
  });

  it('does not judge against a rescue delay it does not know', () => {
    expect(validateOrder(validOrder(), ctx)).toEqual([]);
  });
});
