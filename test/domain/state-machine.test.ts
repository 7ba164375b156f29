import { describe, expect, it } from 'vitest';
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

describe('allowedFrom', () => {
  it.each(ORDER_EVENTS)('%s lists exactly the statuses nextStatus accepts', (event) => {
    const expected = ORDER_STATUSES.filter((s) => expectedNext(s, event) !== null);
    expect([...allowedFrom(event)].sort()).toEqual([...expected].sort());
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
