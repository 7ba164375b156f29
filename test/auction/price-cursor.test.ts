/** The ticker's incremental pricing equals the domain's auction function at every second. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceCursor } from '../../src/auction/price-cursor.js';
import { auctionAmount } from '../../src/domain/auction.js';
import { auctionArb, validOrder, NOW } from '../domain/support.js';

describe('PriceCursor', () => {
  it('walks a whole auction second by second exactly like auctionAmount', () => {
    const auction = validOrder().auction;
    const cursor = new PriceCursor(auction);
    for (let t = NOW - 3; t <= NOW + auction.duration + 3; t++) {
      expect(cursor.at(t)).toBe(auctionAmount(auction, t));
    }
  });

  it('equals auctionAmount for random valid curves and random walks (steps of 1 s, repeats, jumps back and forth)', () => {
    const move = fc.oneof(
      { weight: 8, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -5_000, max: 5_000 }) },
    );
    fc.assert(
      fc.property(auctionArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.array(move, { minLength: 1, maxLength: 300 }), (auction, where, moves) => {
        const cursor = new PriceCursor(auction);
        let t = auction.startTime - 2 + Math.floor(where * (auction.duration + 4));
        for (const m of moves) {
          t += m;
          if (cursor.at(t) !== auctionAmount(auction, t)) return false;
        }
        // Fractional seconds price like the second they fall in.
        return cursor.at(t + 0.5) === auctionAmount(auction, t + 0.5);
      }),
      { numRuns: 500 },
    );
  });
});
