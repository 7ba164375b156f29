/**
 * Slot → POSIX time from Ogmios's era summaries and the network start time, so block times are
 * right on any network (several eras with different slot lengths) and on the devnet.
 */
export interface EraBound {
  time: { seconds: bigint | number };
  slot: bigint | number;
}

export interface EraSummaryLike {
  start: EraBound;
  parameters: { slotLength: { milliseconds: bigint | number } };
}

export class SlotClock {
  private readonly eras: { startSlot: bigint; startMs: bigint; slotMs: bigint }[];

  constructor(systemStart: Date, summaries: EraSummaryLike[]) {
    if (summaries.length === 0) throw new Error('no era summaries');
    const zero = BigInt(systemStart.getTime());
    this.eras = summaries
      .map((e) => ({
        startSlot: BigInt(e.start.slot),
        startMs: zero + BigInt(e.start.time.seconds) * 1000n,
        slotMs: BigInt(e.parameters.slotLength.milliseconds),
      }))
      .sort((a, b) => (a.startSlot < b.startSlot ? -1 : a.startSlot > b.startSlot ? 1 : 0));
  }

  /** POSIX milliseconds at the start of `slot`. */
  slotToMs(slot: bigint | number): bigint {
    const s = BigInt(slot);
    let era = this.eras[0]!;
    for (const e of this.eras) if (e.startSlot <= s) era = e;
    return era.startMs + (s - era.startSlot) * era.slotMs;
  }

  /** Unix seconds (floor). */
  slotToUnix(slot: bigint | number): number {
    return Number(this.slotToMs(slot) / 1000n);
  }
}
