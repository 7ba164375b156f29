import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allowedFrom,
  isEscrowedState,
  isTerminal,
  nextStatus,
  ORDER_EVENTS,
  type OrderEvent,
} from '../../src/domain/state-machine.js';
import { ORDER_STATUSES, type OrderStatus } from '../../src/domain/status.js';

/**
 * The expected machine, written out independently of the implementation's table:
 * every allowed (from, event) → to. Every pair not listed must be refused.
 */
const EXPECTED: readonly [OrderStatus, OrderEvent, OrderStatus][] = [
  ['active', 'src_escrow_seen', 'src_escrowed'],
  ['active', 'expired', 'expired'],
  ['active', 'maker_cancelled', 'cancelled'],
  ['src_escrowed', 'dst_escrow_verified', 'escrowed'],
  ['src_escrowed', 'dst_escrow_invalid', 'invalid_fill'],
  ['src_escrowed', 'cancellation_seen', 'refunding'],
  ['src_escrowed', 'src_escrow_reverted', 'active'],
  ['escrowed', 'escrows_final', 'ready_for_secret'],
  ['escrowed', 'cancellation_seen', 'refunding'],
  ['escrowed', 'src_escrow_reverted', 'active'],
  ['escrowed', 'dst_escrow_reverted', 'src_escrowed'],
  ['ready_for_secret', 'secret_revealed', 'secret_revealed'],
  ['ready_for_secret', 'cancellation_seen', 'refunding'],
  ['ready_for_secret', 'src_escrow_reverted', 'active'],
  ['ready_for_secret', 'dst_escrow_reverted', 'src_escrowed'],
  ['secret_revealed', 'withdrawals_complete', 'executed'],
  ['secret_revealed', 'cancellation_seen', 'refunding'],
  ['invalid_fill', 'cancellation_seen', 'refunding'],
  ['invalid_fill', 'src_escrow_reverted', 'active'],
  ['invalid_fill', 'dst_escrow_reverted', 'src_escrowed'],
  ['refunding', 'refunds_complete', 'refunded'],
];

const expectedNext = (from: OrderStatus, event: OrderEvent): OrderStatus | null =>
  EXPECTED.find(([f, e]) => f === from && e === event)?.[2] ?? null;

describe('nextStatus', () => {
  const pairs = ORDER_STATUSES.flatMap((s) => ORDER_EVENTS.map((e) => [s, e] as const));

  it(`covers all ${ORDER_STATUSES.length} × ${ORDER_EVENTS.length} pairs`, () => {
    expect(pairs).toHaveLength(ORDER_STATUSES.length * ORDER_EVENTS.length);
    expect(EXPECTED.filter(([f, e]) => nextStatus(f, e) !== null)).toHaveLength(EXPECTED.length);
  });

  it.each(pairs)('%s + %s', (from, event) => {
    expect(nextStatus(from, event)).toBe(expectedNext(from, event));
  });

  it('refuses unknown events and statuses (runtime strings from storage or the bus)', () => {
    expect(nextStatus('active', 'teleported' as OrderEvent)).toBeNull();
    expect(nextStatus('active', 'toString' as OrderEvent)).toBeNull();
    expect(nextStatus('limbo' as OrderStatus, 'src_escrow_seen')).toBeNull();
  });
});

describe('safety of the table', () => {
  it('reaches ready_for_secret only through escrows_final, and secret_revealed only from ready_for_secret', () => {
    for (const s of ORDER_STATUSES) {
      for (const e of ORDER_EVENTS) {
        const to = nextStatus(s, e);
        if (to === 'ready_for_secret') expect([s, e]).toEqual(['escrowed', 'escrows_final']);
        if (to === 'secret_revealed') expect(s).toBe('ready_for_secret');
      }
    }
  });

  it('never leaves secret_revealed by a reorg undo (the secret is public)', () => {
    expect(nextStatus('secret_revealed', 'src_escrow_reverted')).toBeNull();
    expect(nextStatus('secret_revealed', 'dst_escrow_reverted')).toBeNull();
  });

  it('has no way out of a terminal status, and one out of every other', () => {
    for (const s of ORDER_STATUSES) {
      const out = ORDER_EVENTS.filter((e) => nextStatus(s, e) !== null);
      expect([s, out.length === 0]).toEqual([s, isTerminal(s)]);
    }
  });

  it('reaches every status from active', () => {
    const seen = new Set<OrderStatus>(['active']);
    const queue: OrderStatus[] = ['active'];
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const e of ORDER_EVENTS) {
        const to = nextStatus(s, e);
        if (to !== null && !seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ORDER_STATUSES].sort());
  });
});

describe('random event streams (what a coordinator with reorgs may throw at it)', () => {
  it('keep the secret gate: secret_revealed only after escrows_final, and never un-revealed', () => {
    const AFTER_SECRET: ReadonlySet<OrderStatus> = new Set(['secret_revealed', 'executed', 'refunding', 'refunded']);
    let walksThatRevealed = 0;
    // Each step picks any event (mostly refused, 1 in 4) or one the current status accepts,
    // favouring the first accepted one (the table lists forward events first), so walks reach
    // the deep statuses instead of dying in expired/cancelled.
    const step = fc.tuple(
      fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
      fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(), weight: 2 }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let status: OrderStatus = 'active';
        let finalSinceLastRevert = false;
        let revealed = false;
        for (const [anyEvent, pick] of steps) {
          const accepted = ORDER_EVENTS.filter((e) => nextStatus(status, e) !== null);
          const pool = anyEvent || accepted.length === 0 ? ORDER_EVENTS : accepted;
          const event = pool[pick % pool.length]!;
          const to = nextStatus(status, event);
          if (to === null) continue; // refused: the status stays
          if (to === 'ready_for_secret') finalSinceLastRevert = true;
          if (event === 'src_escrow_reverted' || event === 'dst_escrow_reverted') finalSinceLastRevert = false;
          if (to === 'secret_revealed') {
            expect(finalSinceLastRevert).toBe(true);
            revealed = true;
          }
          if (revealed) expect(AFTER_SECRET.has(to)).toBe(true);
          status = to;
        }
        if (revealed) walksThatRevealed++;
      }),
      { numRuns: 2_000 },
    );
    // The walks did exercise the gate (typically a few hundred of the 2,000 reach the secret).
    expect(walksThatRevealed).toBeGreaterThan(20);
  });
});

describe('allowedFrom', () => {
  it.each(ORDER_EVENTS)('%s lists exactly the statuses nextStatus accepts', (event) => {
    const expected = ORDER_STATUSES.filter((s) => expectedNext(s, event) !== null);
    expect([...allowedFrom(event)].sort()).toEqual([...expected].sort());
  });

  it('hands out frozen lists: the machine cannot be edited at runtime', () => {
    const from = allowedFrom('src_escrow_seen') as OrderStatus[];
    expect(() => from.push('expired')).toThrow(TypeError);
    expect(nextStatus('expired', 'src_escrow_seen')).toBeNull();
  });

  it('is empty for an unknown event', () => {
    expect(allowedFrom('nope' as OrderEvent)).toEqual([]);
  });
});

describe('isTerminal / isEscrowedState', () => {
  it('terminal: executed, expired, cancelled, refunded', () => {
    expect(ORDER_STATUSES.filter(isTerminal).sort()).toEqual(['cancelled', 'executed', 'expired', 'refunded']);
  });

  it('escrowed: every status in which a source escrow holds funds', () => {
    expect(ORDER_STATUSES.filter(isEscrowedState).sort()).toEqual(
      ['escrowed', 'invalid_fill', 'ready_for_secret', 'refunding', 'secret_revealed', 'src_escrowed'].sort(),
    );
  });

  it('cancellation_seen fires from exactly the escrowed statuses other than refunding', () => {
    expect([...allowedFrom('cancellation_seen')].sort()).toEqual(
      ORDER_STATUSES.filter((s) => isEscrowedState(s) && s !== 'refunding').sort(),
    );
  });
});
