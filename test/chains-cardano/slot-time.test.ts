/**
 * The one slot clock (monitor, tx builders, devnet): slot ↔ POSIX ms over several eras, and on a
 * single era the linear formula the builders and the devnet used before.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SlotClock } from '../../src/chains/cardano/slot-time.js';

describe('SlotClock', () => {
  it('on one era: ms = zeroTime + (slot - zeroSlot) * slotLength, and the slot of a time is its floor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2e12 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        (zeroTime, zeroSlot, slotLength, offset) => {
          const clock = SlotClock.linear({ zeroTime, zeroSlot, slotLength });
          const ms = zeroTime + offset;
          expect(clock.slotAtOrBefore(ms)).toBe(zeroSlot + Math.floor(offset / slotLength));
          const slot = zeroSlot + Math.abs(offset % 1000);
          expect(clock.slotToMs(slot)).toBe(BigInt(zeroTime + (slot - zeroSlot) * slotLength));
          expect(clock.currentEra()).toEqual({ zeroTime, zeroSlot, slotLength });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('follows each era: Byron 20 s slots, then 1 s slots', () => {
    const start = new Date('2022-06-01T00:00:00Z');
    const clock = new SlotClock(start, [
      { start: { time: { seconds: 4_320 }, slot: 216 }, parameters: { slotLength: { milliseconds: 1_000 } } },
      { start: { time: { seconds: 0 }, slot: 0 }, parameters: { slotLength: { milliseconds: 20_000 } } },
    ]);
    const t0 = BigInt(start.getTime());
    expect(clock.slotToMs(10)).toBe(t0 + 200_000n);
    expect(clock.slotToMs(216)).toBe(t0 + 4_320_000n);
    expect(clock.slotToMs(300)).toBe(t0 + 4_404_000n);
    expect(clock.slotAtOrBefore(t0 + 219_999n)).toBe(10);
    expect(clock.slotAtOrBefore(t0 + 4_404_999n)).toBe(300);
    expect(clock.slotToUnix(300)).toBe(Number((t0 + 4_404_000n) / 1000n));
    expect(clock.currentEra()).toEqual({ zeroTime: Number(t0) + 4_320_000, zeroSlot: 216, slotLength: 1_000 });
    for (const slot of [0, 5, 215, 216, 217, 10_000]) expect(clock.slotAtOrBefore(clock.slotToMs(slot))).toBe(slot);
  });
});
