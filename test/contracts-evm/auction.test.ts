/**
 * The Dutch auction on chain: createSrcEscrow demands dstAmount >= price(block.timestamp), and the
 * factory's curve equals src/domain/auction.ts unit for unit (the relayer prices with the latter).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auctionAmount } from '../../src/domain/auction.js';
import type { Auction } from '../../src/domain/order.js';
import { approve, escrowFactoryAbi, expectRevert, fillOrder, makeOrder, useChain, type Chain } from './support.js';

const chain = useChain();

function onChainPrice(c: Chain, auction: Auction, t: number): Promise<bigint> {
  return c.client.readContract({
    address: c.devnet.factory,
    abi: escrowFactoryAbi,
    functionName: 'auctionAmount',
    args: [
      {
        startTime: BigInt(auction.startTime),
        duration: BigInt(auction.duration),
        startAmount: auction.startAmount,
        endAmount: auction.endAmount,
        points: auction.points.map((p) => ({ offset: BigInt(p.offset), amount: p.amount })),
      },
      BigInt(t),
    ],
  });
}

describe('auction price at fill time', () => {
  // Offsets chosen so that every segment rounds: (a1 - a2) * (o2 - e) is rarely a multiple of (o2 - o1).
  const curve = (start: number): Auction => ({
    startTime: start,
    duration: 700,
    startAmount: 2_000_003n,
    endAmount: 1_000_000n,
    points: [
      { offset: 70, amount: 1_900_001n },
      { offset: 333, amount: 1_900_001n }, // flat segment
      { offset: 500, amount: 1_100_007n },
    ],
  });

  it('refuses dstAmount one unit below the price at block.timestamp and accepts exactly the price', async () => {
    await approve(chain, 'maker', 10n ** 30n);
    const start = chain.now + 100;
    // before start, inside each segment (incl. the flat one), on a vertex, at and after the end
    const times = [start - 5, start + 1, start + 69, start + 70, start + 200, start + 400, start + 699, start + 700, start + 900];
    for (const t of times) {
      const order = makeOrder(chain, { auction: curve(start), expiry: start + 10_000 });
      const price = auctionAmount(order.auction, t);
      await expectRevert(fillOrder(chain, order, { at: t, dstAmount: price - 1n }), 'InsufficientDstAmount');
      const fill = await fillOrder(chain, order, { at: t, dstAmount: price });
      expect(fill.deployedAt).toBe(t);
      expect(fill.dst.amount).toBe(price);
    }
  });

  it('prices with the start amount before startTime and the floor after the end', async () => {
    const a = curve(chain.now + 100);
    expect(await onChainPrice(chain, a, a.startTime)).toBe(a.startAmount);
    expect(await onChainPrice(chain, a, a.startTime + 1)).toBeLessThan(a.startAmount);
    expect(await onChainPrice(chain, a, a.startTime + a.duration)).toBe(a.endAmount);
    expect(await onChainPrice(chain, a, a.startTime + a.duration - 1)).toBeGreaterThan(a.endAmount);
    // rounding is up, in the maker's favour: 1 unit over 3 s at e=1 is ceil(2/3) above the floor
    const tiny: Auction = { startTime: 0, duration: 3, startAmount: 2n, endAmount: 1n, points: [] };
    expect(await onChainPrice(chain, tiny, 1)).toBe(2n);
    expect(await onChainPrice(chain, tiny, 2)).toBe(2n);
  });

  it('accepts exactly 16 points and refuses 17; accepts a last point equal to the floor', async () => {
    await approve(chain, 'maker', 10n ** 30n);
    const start = chain.now + 100;
    const points = (n: number) => Array.from({ length: n }, (_, i) => ({ offset: 10 * (i + 1), amount: 3_000_000n - BigInt(i) * 10_000n }));
    const withPoints = (n: number): Auction => ({ startTime: start, duration: 1_000, startAmount: 3_000_000n, endAmount: 1_000_000n, points: points(n) });
    const t = start + 15;
    const sixteen = makeOrder(chain, { auction: withPoints(16), expiry: start + 10_000 });
    expect((await fillOrder(chain, sixteen, { at: t, dstAmount: auctionAmount(sixteen.auction, t) })).deployedAt).toBe(t);
    const seventeen = makeOrder(chain, { auction: withPoints(17), expiry: start + 10_000 });
    await expectRevert(fillOrder(chain, seventeen, { at: t + 1, dstAmount: 10n ** 12n }), 'InvalidAuction');
    // The last point may sit on the floor: a flat tail is a valid, non-increasing curve.
    const flatTail: Auction = { startTime: start, duration: 1_000, startAmount: 3_000_000n, endAmount: 1_000_000n, points: [{ offset: 500, amount: 1_000_000n }] };
    const flat = makeOrder(chain, { auction: flatTail, expiry: start + 10_000 });
    expect((await fillOrder(chain, flat, { at: t + 2, dstAmount: auctionAmount(flatTail, t + 2) })).deployedAt).toBe(t + 2);
  });

  it('equals src/domain/auction.ts for random valid curves and times (property)', async () => {
    const auctionArb = fc
      .record({
        startTime: fc.integer({ min: 0, max: 2_000_000_000 }),
        duration: fc.integer({ min: 1, max: 86_400 }),
        endAmount: fc.bigInt({ min: 1n, max: 10n ** 30n }),
        spread: fc.bigInt({ min: 0n, max: 10n ** 30n }),
        rawPoints: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 16,
        }),
      })
      .map(({ startTime, duration, endAmount, spread, rawPoints }): Auction => {
        const startAmount = endAmount + spread;
        // Turn random fractions into strictly increasing offsets in (0, duration) and
        // non-increasing amounts in [endAmount, startAmount] (test-data shaping only, no money math).
        const offsets = [...new Set(rawPoints.map(([f]) => 1 + Math.floor(f * (duration - 1))))]
          .filter((o) => o > 0 && o < duration)
          .sort((x, y) => x - y);
        const drops = rawPoints
          .map(([, g]) => BigInt(Math.floor(g * 1_000_000)))
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const points = offsets.map((offset, i) => ({
          offset,
          amount: startAmount - (spread * (drops[i] ?? 0n)) / 1_000_000n,
        }));
        return { startTime, duration, startAmount, endAmount, points };
      });
    await fc.assert(
      fc.asyncProperty(auctionArb, fc.integer({ min: -10, max: 86_410 }), async (auction, rel) => {
        const t = Math.max(0, auction.startTime + rel);
        expect(await onChainPrice(chain, auction, t)).toBe(auctionAmount(auction, t));
      }),
      { numRuns: 300 },
    );
  });
});
