/**
 * The auction price of one order, tick after tick, cheaply. Equal to `auctionAmount(auction, t)`
 * for every t (the tests check it against the domain function), but when t advances by exactly
 * one second inside a curve segment, the next amount is the last one minus a precomputed step:
 *
 *   amount(e) = low + ceil(drop·(o2 − e) / span);   write N = drop·(o2 − e) = q·span − r, 0 ≤ r < span
 *   and drop = qd·span + rd. Then N − drop = (q − qd)·span − (r + rd), so
 *   amount(e+1) = amount(e) − qd − (r + rd ≥ span ? 1 : 0),  r ← (r + rd) mod span.
 *
 * One bigint subtraction per order per tick instead of a multiplication and a division; any
 * other move of t (a skipped tick, a segment boundary, a clock jump) takes the exact path.
 */
import type { Auction } from '../domain/order.js';

interface Segment {
  from: number;
  to: number;
  low: bigint;
  drop: bigint;
  span: bigint;
  spanN: number;
  /** drop / span and drop / span + 1, the two possible steps per second. */
  step: bigint;
  stepPlusOne: bigint;
  /** drop mod span (< 2^17 because span ≤ one day). */
  rd: number;
}

export class PriceCursor {
  private readonly startTime: number;
  private readonly endTime: number;
  private readonly startAmount: bigint;
  private readonly endAmount: bigint;
  private readonly segments: Segment[];
  /** Incremental state: valid only while `seg` is not null. */
  private lastT = Number.NaN;
  private amount: bigint;
  private seg: Segment | null = null;
  private r = 0;

  constructor(auction: Auction) {
    this.startTime = auction.startTime;
    this.endTime = auction.startTime + auction.duration;
    this.startAmount = auction.startAmount;
    this.endAmount = auction.endAmount;
    this.amount = auction.startAmount;
    this.segments = [];
    let o1 = 0;
    let a1 = auction.startAmount;
    for (let i = 0; i <= auction.points.length; i++) {
      const p = auction.points[i];
      const o2 = p === undefined ? auction.duration : p.offset;
      const a2 = p === undefined ? auction.endAmount : p.amount;
      const spanN = o2 > o1 ? o2 - o1 : 1;
      const span = BigInt(spanN);
      const drop = a1 - a2;
      const step = drop >= 0n ? drop / span : 0n;
      this.segments.push({
        from: o1,
        to: o2,
        low: a2,
        drop,
        span,
        spanN,
        step,
        stepPlusOne: step + 1n,
        rd: drop >= 0n ? Number(drop % span) : 0,
      });
      o1 = o2;
      a1 = a2;
    }
  }

  /** The auction amount at unix second `now` (fractions floored). */
  at(now: number): bigint {
    const t = Number.isInteger(now) ? now : Math.floor(now);
    const seg = this.seg;
    if (seg !== null && t === this.lastT + 1 && t - this.startTime < seg.to) {
      this.lastT = t;
      this.r += seg.rd;
      let next: bigint;
      if (this.r >= seg.spanN) {
        this.r -= seg.spanN;
        next = this.amount - seg.stepPlusOne;
      } else {
        next = this.amount - seg.step;
      }
      if (next < this.endAmount) {
        this.seg = null;
        next = this.endAmount;
      }
      this.amount = next;
      return next;
    }
    if (t === this.lastT) return this.amount;
    return this.exact(t);
  }

  private exact(t: number): bigint {
    this.lastT = t;
    this.seg = null;
    if (t <= this.startTime) return (this.amount = this.startAmount);
    if (t >= this.endTime) return (this.amount = this.endAmount);
    const e = t - this.startTime;
    for (const s of this.segments) {
      if (s.from <= e && e < s.to) {
        const k = s.to - e;
        const n = s.drop * BigInt(k);
        const q = n > 0n ? (n + s.span - 1n) / s.span : n / s.span;
        let amount = s.low + q;
        if (amount < this.endAmount) {
          amount = this.endAmount;
        } else if (s.drop >= 0n) {
          // r = q·span − N, from N mod span = (rd·k) mod span in plain numbers (< 2^34).
          const nMod = (s.rd * k) % s.spanN;
          this.r = nMod === 0 ? 0 : s.spanN - nMod;
          this.seg = s;
        }
        return (this.amount = amount);
      }
    }
    return (this.amount = this.endAmount);
  }
}
