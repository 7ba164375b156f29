import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  auctionAmount,
  compileAuction,
  MAX_AUCTION_DURATION,
  MAX_AUCTION_POINTS,
  validateAuction,
} from '../../src/domain/auction.js';
import type { Auction } from '../../src/domain/order.js';
import { DomainError } from '../../src/domain/issues.js';
import { auctionArb } from './support.js';

const linear: Auction = { startTime: 1_000, duration: 100, startAmount: 1_000n, endAmount: 500n, points: [] };
const curved: Auction = {
  startTime: 10_000,
  duration: 600,
  startAmount: 2_000n,
  endAmount: 1_000n,
  points: [
    { offset: 100, amount: 1_800n },
    { offset: 400, amount: 1_100n },
  ],
};

/** A time in or around the auction, weighted toward its edges. */
const timeFor = (a: Auction) =>
  fc.oneof(
    fc.integer({ min: a.startTime - 5, max: a.startTime + a.duration + 5 }),
    fc.constantFrom(a.startTime, a.startTime + 1, a.startTime + a.duration - 1, a.startTime + a.duration),
    fc.integer({ min: -1e12, max: 1e12 }),
  );

describe('auctionAmount: worked examples', () => {
  it('single segment 1000 → 500 over 100 s', () => {
    expect(auctionAmount(linear, 900)).toBe(1_000n);
    expect(auctionAmount(linear, 1_000)).toBe(1_000n);
    // e = 1: 500 + ceil(500 * 99 / 100) = 500 + ceil(495) = 995
    expect(auctionAmount(linear, 1_001)).toBe(995n);
    // e = 33: 500 + ceil(500 * 67 / 100) = 500 + 335 = 835
    expect(auctionAmount(linear, 1_033)).toBe(835n);
    expect(auctionAmount(linear, 1_050)).toBe(750n);
    // e = 99: 500 + ceil(500 * 1 / 100) = 500 + ceil(5) = 505
    expect(auctionAmount(linear, 1_099)).toBe(505n);
    expect(auctionAmount(linear, 1_100)).toBe(500n);
    expect(auctionAmount(linear, 5_000)).toBe(500n);
  });

  it('rounds up, in the maker’s favour', () => {
    const a: Auction = { startTime: 0, duration: 3, startAmount: 101n, endAmount: 1n, points: [] };
    // e = 1: 1 + ceil(100 * 2 / 3) = 1 + ceil(66.67) = 68 (floor would give 67)
    expect(auctionAmount(a, 1)).toBe(68n);
    // e = 2: 1 + ceil(100 * 1 / 3) = 1 + 34 = 35
    expect(auctionAmount(a, 2)).toBe(35n);
  });

  it('follows the curve points', () => {
    // segment (0,2000)-(100,1800), e = 50: 1800 + ceil(200 * 50 / 100) = 1900
    expect(auctionAmount(curved, 10_050)).toBe(1_900n);
    expect(auctionAmount(curved, 10_100)).toBe(1_800n);
    // segment (100,1800)-(400,1100), e = 250: 1100 + ceil(700 * 150 / 300) = 1450
    expect(auctionAmount(curved, 10_250)).toBe(1_450n);
    expect(auctionAmount(curved, 10_400)).toBe(1_100n);
    // segment (400,1100)-(600,1000), e = 401: 1000 + ceil(100 * 199 / 200) = 1000 + ceil(99.5) = 1100
    expect(auctionAmount(curved, 10_401)).toBe(1_100n);
    // e = 599: 1000 + ceil(100 * 1 / 200) = 1001
    expect(auctionAmount(curved, 10_599)).toBe(1_001n);
    expect(auctionAmount(curved, 10_600)).toBe(1_000n);
  });

  it('a flat auction (start = floor) is constant', () => {
    const flat: Auction = { startTime: 5, duration: 10, startAmount: 7n, endAmount: 7n, points: [] };
    for (let t = 0; t < 20; t++) expect(auctionAmount(flat, t)).toBe(7n);
  });

  it('floors a fractional time to its whole second', () => {
    expect(auctionAmount(linear, 1_050.999)).toBe(750n);
    expect(auctionAmount(linear, 1_000.5)).toBe(1_000n);
    expect(compileAuction(linear)(1_050.999)).toBe(750n);
  });

  it('throws INVALID_TIME for a NaN or infinite time instead of pricing at the floor', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => auctionAmount(linear, bad)).toThrow(DomainError);
      expect(() => compileAuction(linear)(bad)).toThrow(/finite/);
    }
  });

  it('handles amounts near 2^256 without overflow or precision loss', () => {
    const big: Auction = { startTime: 0, duration: 2, startAmount: (1n << 256n) - 1n, endAmount: 1n, points: [] };
    // e = 1: 1 + ceil((2^256 - 2) / 2) = 2^255
    expect(auctionAmount(big, 1)).toBe(1n << 255n);
  });
});

describe('auctionAmount: properties', () => {
  it('equals the start at or before startTime and the floor at or after the end', () => {
    fc.assert(
      fc.property(auctionArb, fc.nat({ max: 1e9 }), (a, d) => {
        expect(auctionAmount(a, a.startTime - d)).toBe(a.startAmount);
        expect(auctionAmount(a, a.startTime + a.duration + d)).toBe(a.endAmount);
      }),
      { numRuns: 500 },
    );
  });

  it('is monotone non-increasing in time and stays within [endAmount, startAmount]', () => {
    fc.assert(
      fc.property(
        auctionArb.chain((a) => fc.tuple(fc.constant(a), timeFor(a), timeFor(a))),
        ([a, t1, t2]) => {
          const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
          const p1 = auctionAmount(a, early);
          const p2 = auctionAmount(a, late);
          expect(p1 >= p2).toBe(true);
          for (const p of [p1, p2]) {
            expect(p >= a.endAmount).toBe(true);
            expect(p <= a.startAmount).toBe(true);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('passes exactly through every curve point', () => {
    fc.assert(
      fc.property(auctionArb, (a) => {
        for (const p of a.points) expect(auctionAmount(a, a.startTime + p.offset)).toBe(p.amount);
      }),
      { numRuns: 500 },
    );
  });

  it('is the smallest integer at or above the exact line on each segment', () => {
    fc.assert(
      fc.property(
        auctionArb.chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: 1, max: Math.max(1, a.duration - 1) }))),
        ([a, e]) => {
          fc.pre(e < a.duration);
          const vertices = [{ offset: 0, amount: a.startAmount }, ...a.points, { offset: a.duration, amount: a.endAmount }];
          const i = vertices.findIndex((v, k) => v.offset <= e && e < vertices[k + 1]!.offset);
          const { offset: o1, amount: a1 } = vertices[i]!;
          const { offset: o2, amount: a2 } = vertices[i + 1]!;
          const span = BigInt(o2 - o1);
          const exactNumerator = a2 * span + (a1 - a2) * BigInt(o2 - e); // exact value × span
          const p = auctionAmount(a, a.startTime + e);
          // p - 1 < exact <= p
          expect(p * span >= exactNumerator).toBe(true);
          expect((p - 1n) * span < exactNumerator).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('on the default curve equals startAmount - floor((startAmount - endAmount) * e / duration)', () => {
    fc.assert(
      fc.property(
        auctionArb.map((a) => ({ ...a, points: [] })).chain((a) => fc.tuple(fc.constant(a), timeFor(a))),
        ([a, t]) => {
          const e = BigInt(Math.min(Math.max(t - a.startTime, 0), a.duration));
          const expected = a.startAmount - ((a.startAmount - a.endAmount) * e) / BigInt(a.duration);
          expect(auctionAmount(a, t)).toBe(expected);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('compileAuction', () => {
  it('equals auctionAmount everywhere', () => {
    fc.assert(
      fc.property(
        auctionArb.chain((a) => fc.tuple(fc.constant(a), fc.array(timeFor(a), { minLength: 1, maxLength: 20 }))),
        ([a, times]) => {
          const price = compileAuction(a);
          for (const t of times) expect(price(t)).toBe(auctionAmount(a, t));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('stays equal when asked repeatedly and out of order (its one-second memo)', () => {
    fc.assert(
      fc.property(
        auctionArb.chain((a) => fc.tuple(fc.constant(a), fc.array(fc.constantFrom(0, 1, 2, 3), { minLength: 1, maxLength: 30 }))),
        ([a, picks]) => {
          const price = compileAuction(a);
          const times = [a.startTime + 1, a.startTime + Math.floor(a.duration / 2), a.startTime + a.duration - 1, a.startTime + 1.5];
          for (const k of picks) expect(price(times[k]!)).toBe(auctionAmount(a, times[k]!));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('equals auctionAmount on every second of a curved auction', () => {
    const price = compileAuction(curved);
    for (let t = curved.startTime - 2; t <= curved.startTime + curved.duration + 2; t++) {
      expect(price(t)).toBe(auctionAmount(curved, t));
    }
  });

  it('is not affected by later mutation of the auction object', () => {
    const a: Auction = { ...linear, points: [] };
    const price = compileAuction(a);
    a.endAmount = 1n;
    a.points.push({ offset: 10, amount: 2n });
    expect(price(1_050)).toBe(750n);
  });

  it('agrees with auctionAmount even on invalid curves (both settle the same way)', () => {
    const broken: Auction = {
      startTime: 0,
      duration: 100,
      startAmount: 100n,
      endAmount: 10n,
      points: [
        { offset: 50, amount: 200n },
        { offset: 50, amount: 5n },
        { offset: 20, amount: 50n },
      ],
    };
    const price = compileAuction(broken);
    for (let t = -1; t <= 101; t++) expect(price(t)).toBe(auctionAmount(broken, t));
  });
});

describe('validateAuction', () => {
  const codes = (a: Auction) => validateAuction(a).map((i) => `${i.code}@${i.field}`);

  it('accepts every generated valid auction', () => {
    fc.assert(
      fc.property(auctionArb, (a) => {
        expect(validateAuction(a)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts the worked examples', () => {
    expect(validateAuction(linear)).toEqual([]);
    expect(validateAuction(curved)).toEqual([]);
  });

  it('rejects a floor of 0 and a start below the floor', () => {
    expect(codes({ ...linear, endAmount: 0n, startAmount: 0n })).toEqual(['INVALID_AUCTION@auction.endAmount']);
    expect(codes({ ...linear, startAmount: 499n })).toEqual(['INVALID_AUCTION@auction.startAmount']);
  });

  it('rejects amounts outside uint256', () => {
    expect(codes({ ...linear, startAmount: 1n << 256n })).toEqual(['INVALID_AUCTION@auction.startAmount']);
    expect(codes({ ...linear, endAmount: -1n })).toEqual(['INVALID_AUCTION@auction.endAmount']);
  });

  it('rejects a zero, negative, fractional or too long duration', () => {
    for (const duration of [0, -1, 1.5, MAX_AUCTION_DURATION + 1, Number.NaN]) {
      expect(codes({ ...linear, duration })).toEqual(['INVALID_AUCTION@auction.duration']);
    }
    expect(validateAuction({ ...linear, duration: MAX_AUCTION_DURATION })).toEqual([]);
  });

  it('rejects a negative or fractional start time', () => {
    expect(codes({ ...linear, startTime: -1 })).toEqual(['INVALID_AUCTION@auction.startTime']);
    expect(codes({ ...linear, startTime: 1.5 })).toEqual(['INVALID_AUCTION@auction.startTime']);
  });

  it('rejects point offsets at 0, at duration, repeated or decreasing', () => {
    const at = (offsets: number[]) =>
      codes({ ...linear, points: offsets.map((offset) => ({ offset, amount: 600n })) });
    expect(at([0])).toEqual(['INVALID_AUCTION@auction.points[0].offset']);
    expect(at([100])).toEqual(['INVALID_AUCTION@auction.points[0].offset']);
    expect(at([10, 10])).toEqual(['INVALID_AUCTION@auction.points[1].offset']);
    expect(at([50, 20])).toEqual(['INVALID_AUCTION@auction.points[1].offset']);
    expect(at([10.5])).toEqual(['INVALID_AUCTION@auction.points[0].offset']);
    expect(at([1, 99])).toEqual([]);
  });

  it('rejects point amounts that rise or leave [endAmount, startAmount]', () => {
    const with_ = (amounts: bigint[]) =>
      codes({ ...linear, points: amounts.map((amount, i) => ({ offset: 10 * (i + 1), amount })) });
    expect(with_([1_001n])).toEqual(['INVALID_AUCTION@auction.points[0].amount']);
    expect(with_([499n])).toEqual(['INVALID_AUCTION@auction.points[0].amount']);
    expect(with_([700n, 800n])).toEqual(['INVALID_AUCTION@auction.points[1].amount']);
    expect(with_([1_000n, 1_000n, 500n, 500n])).toEqual([]);
  });

  it(`caps the number of points at ${MAX_AUCTION_POINTS}`, () => {
    const points = (n: number) => Array.from({ length: n }, (_, i) => ({ offset: i + 1, amount: 600n }));
    expect(validateAuction({ ...linear, points: points(MAX_AUCTION_POINTS) })).toEqual([]);
    expect(codes({ ...linear, points: points(MAX_AUCTION_POINTS + 1) })).toEqual(['INVALID_AUCTION@auction.points']);
  });

  it('uses the given field prefix and reports every problem at once', () => {
    const issues = validateAuction({ startTime: -1, duration: 0, startAmount: 1n, endAmount: 2n, points: [] }, 'x');
    expect(issues.map((i) => i.field)).toEqual(['x.startTime', 'x.duration', 'x.startAmount']);
    for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
  });
});
