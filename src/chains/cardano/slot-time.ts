/**
 * The one slot ↔ POSIX time clock: from Ogmios's era summaries and the network start time, so
 * times are right on any network (several eras with different slot lengths) and on the devnet.
 * The Cardano source dates blocks with it, the tx builders turn deadlines into validity bounds with it,
 * and the devnet (a single era) keeps its own slots with it.
 */
export interface EraBound {
  time: { seconds: bigint | number };
  slot: bigint | number;
}

export interface EraSummaryLike {
  start: EraBound;
  parameters: { slotLength: { milliseconds: bigint | number } };
}

/** One era's linear mapping, as Blaze's `SlotConfig` (ms = zeroTime + (slot - zeroSlot) * slotLength). */
export interface LinearSlotConfig {
  zeroTime: number;
  zeroSlot: number;
  slotLength: number;
}

interface Era {
  startSlot: bigint;
  startMs: bigint;
  slotMs: bigint;
}

/** Floor division (bigint `/` truncates toward zero; times before an era's start need the floor). */
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

export class SlotClock {
  private readonly eras: Era[];

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

  /** A single-era chain (the devnet, the Blaze emulator) from its linear slot config. */
  static linear(c: LinearSlotConfig): SlotClock {
    return new SlotClock(new Date(c.zeroTime), [
      { start: { time: { seconds: 0 }, slot: c.zeroSlot }, parameters: { slotLength: { milliseconds: c.slotLength } } },
    ]);
  }

  /** The current (last) era as a linear config (what Blaze's `Provider.getSlotConfig()` returns). */
  currentEra(): LinearSlotConfig {
    const e = this.eras[this.eras.length - 1]!;
    return { zeroTime: Number(e.startMs), zeroSlot: Number(e.startSlot), slotLength: Number(e.slotMs) };
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

  /** Last slot whose start is at or before `ms` ("the slot of now"; an exclusive upper bound that must be ≤ ms). */
  slotAtOrBefore(ms: bigint | number): number {
    const era = this.eraAt(BigInt(ms));
    return Number(era.startSlot + floorDiv(BigInt(ms) - era.startMs, era.slotMs));
  }

  private eraAt(ms: bigint): Era {
    let era = this.eras[0]!;
    for (const e of this.eras) if (e.startMs <= ms) era = e;
    return era;
  }
}
