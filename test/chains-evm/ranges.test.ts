import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { confirmationsOf, finalHeight, isFinal } from '../../src/chains/finality.js';
import { nextRange, RangeSizer } from '../../src/chains/evm/ranges.js';

describe('nextRange', () => {
  it('starts at the start block when nothing was processed', () => {
    expect(nextRange(null, 100n, 5_000n, 2_000)).toEqual({ from: 100n, to: 2_099n });
  });
  it('continues after the cursor and stops at the head', () => {
    expect(nextRange(4_500n, 100n, 5_000n, 2_000)).toEqual({ from: 4_501n, to: 5_000n });
  });
  it('is null when caught up or the head is below the start block', () => {
    expect(nextRange(5_000n, 100n, 5_000n, 2_000)).toBeNull();
    expect(nextRange(null, 100n, 99n, 2_000)).toBeNull();
  });
  it('never goes below the start block even with an older cursor', () => {
    expect(nextRange(10n, 100n, 150n, 2_000)).toEqual({ from: 100n, to: 150n });
  });
  it('rejects a zero range', () => {
    expect(() => nextRange(null, 0n, 10n, 0)).toThrow(RangeError);
  });
  it('successive ranges tile [start, head] exactly, without gaps or overlaps', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: 5_000n }), fc.integer({ min: 1, max: 700 }), (start, head, max) => {
        let cursor: bigint | null = null;
        let covered = 0n;
        let expectedFrom = start;
        for (let r = nextRange(cursor, start, head, max); r; r = nextRange(cursor, start, head, max)) {
          expect(r.from).toBe(expectedFrom);
          expect(r.to - r.from + 1n <= BigInt(max)).toBe(true);
          covered += r.to - r.from + 1n;
          expectedFrom = r.to + 1n;
          cursor = r.to;
        }
        expect(covered).toBe(head >= start ? head - start + 1n : 0n);
      }),
    );
  });
});

describe('confirmations', () => {
  it('counts the block itself', () => {
    expect(confirmationsOf(10n, 10n)).toBe(1n);
    expect(confirmationsOf(10n, 21n)).toBe(12n);
    expect(confirmationsOf(11n, 10n)).toBe(0n);
  });
  it('is final exactly when confirmations reach the setting', () => {
    expect(isFinal(10n, 20n, 12)).toBe(false); // 11 confirmations
    expect(isFinal(10n, 21n, 12)).toBe(true); // 12
    expect(finalHeight(21n, 12)).toBe(10n);
  });
  it('treats 0 and 1 confirmations as final when mined', () => {
    expect(isFinal(10n, 10n, 0)).toBe(true);
    expect(isFinal(10n, 10n, 1)).toBe(true);
    expect(isFinal(11n, 10n, 1)).toBe(false);
  });
  it('agrees with confirmationsOf for any block, head and setting', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 10_000n }), fc.integer({ min: 1, max: 100 }), (n, head, c) => {
        expect(isFinal(n, head, c)).toBe(confirmationsOf(n, head) >= BigInt(c));
      }),
    );
  });
  it('rejects negative or fractional settings', () => {
    expect(() => finalHeight(10n, -1)).toThrow(RangeError);
    expect(() => finalHeight(10n, 1.5)).toThrow(RangeError);
  });
});

describe('RangeSizer', () => {
  it('halves on refusal down to one block, then grows back to the maximum', () => {
    const s = new RangeSizer(2_000);
    expect(s.shrink()).toBe(true);
    expect(s.current).toBe(1_000);
    while (s.shrink());
    expect(s.current).toBe(1);
    expect(s.shrink()).toBe(false);
    for (let i = 0; i < 20; i++) s.grow();
    expect(s.current).toBe(2_000);
  });
});
