/** Slot ↔ POSIX ms for the current era: ms = zeroTime + (slot - zeroSlot) * slotLength. */
export interface SlotClock {
  zeroTime: number;
  zeroSlot: number;
  slotLength: number;
}

/** First slot whose start is at or after `ms` (for a lower bound that must be ≥ ms). */
export function slotAtOrAfter(c: SlotClock, ms: number | bigint): number {
  const d = Number(ms) - c.zeroTime;
  return c.zeroSlot + Math.max(0, Math.ceil(d / c.slotLength));
}

/** Last slot whose start is at or before `ms` (for an exclusive upper bound that must be ≤ ms). */
export function slotAtOrBefore(c: SlotClock, ms: number | bigint): number {
  const d = Number(ms) - c.zeroTime;
  return c.zeroSlot + Math.floor(d / c.slotLength);
}

export function slotToMs(c: SlotClock, slot: number): number {
  return c.zeroTime + (slot - c.zeroSlot) * c.slotLength;
}
