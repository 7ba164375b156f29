import { describe, expect, it } from 'vitest';
import type { ChainEvent, ChainEventUpdate, EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { nextStatus } from '../../src/domain/state-machine.js';
import type { OrderStatus } from '../../src/domain/status.js';
import { dstDeadlines } from '../../src/domain/timelocks.js';
import { buildEscrowView } from '../../src/settlement/escrow-view.js';
import { nextStep, secretRelease, type SettlementPolicy, type Step } from '../../src/settlement/reconcile.js';
import { cancelledEvent, DEPLOYED, dstEscrowEvent, RECEIVER, srcEscrowEvent, testOrder, withdrawnEvent } from './support.js';

const SECRET = `0x${'11'.repeat(32)}` as Hex;
const HASHLOCK = hashlockOf(SECRET);
const ORDER_HASH = `0x${'ab'.repeat(32)}` as Hex;
const policy: SettlementPolicy = { toleranceSeconds: 20, secretMarginSeconds: 60 };
const order: Order = testOrder({ hashlock: HASHLOCK });

const src = (): EscrowCreatedEvent => srcEscrowEvent(ORDER_HASH, order);
const dst = (over: Partial<EscrowCreatedEvent> = {}): EscrowCreatedEvent => dstEscrowEvent(ORDER_HASH, order, over);
const withdrawn = (of: EscrowCreatedEvent, secret: Hex = SECRET): ChainEvent => withdrawnEvent(of, secret);
const cancelled = (of: EscrowCreatedEvent): ChainEvent => cancelledEvent(of, of.side === 'src' ? order.maker : of.taker);

const observed = (event: ChainEvent): ChainEventUpdate => ({ status: 'observed', event });
const final = (event: ChainEvent): ChainEventUpdate => ({ status: 'final', event });
const reverted = (event: ChainEvent): ChainEventUpdate => ({ status: 'reverted', event });

/** Applies steps the way the coordinator does, through the real state machine. */
function settle(status: OrderStatus, updates: ChainEventUpdate[], now: number): { status: OrderStatus; steps: Step[] } {
  const steps: Step[] = [];
  const view = buildEscrowView(updates);
  for (let i = 0; i < 10; i++) {
    const step = nextStep({ orderHash: ORDER_HASH, order, status, view, now, policy });
    if (!step) break;
    const to = nextStatus(status, step.event);
    expect(to, `${step.event} from ${status} must be legal`).not.toBeNull();
    steps.push(step);
    status = to!;
  }
  return { status, steps };
}

describe('settlement reconcile', () => {
  it('drives a healthy swap from active to executed', () => {
    const s = src();
    const d = dst();
    let r = settle('active', [observed(s)], DEPLOYED + 1);
    expect(r.status).toBe('src_escrowed');
    r = settle(r.status, [observed(s), observed(d)], DEPLOYED + 12);
    expect(r.status).toBe('escrowed');
    // Final on both chains but still inside the finality lock: not yet.
    r = settle(r.status, [final(s), final(d)], DEPLOYED + 29);
    expect(r.status).toBe('escrowed');
    r = settle(r.status, [final(s), final(d)], DEPLOYED + 30);
    expect(r.status).toBe('ready_for_secret');
    // The maker reveals through the API (not a reconcile step): secret_revealed.
    const ws = withdrawn(s);
    const wd = withdrawn(d);
    r = settle('secret_revealed', [final(s), final(d), observed(wd), observed(ws)], DEPLOYED + 200);
    expect(r.status).toBe('secret_revealed');
    r = settle('secret_revealed', [final(s), final(d), final(wd), final(ws)], DEPLOYED + 210);
    expect(r.status).toBe('executed');
  });

  it('is idempotent: the same facts give no further step once applied', () => {
    const updates = [final(src()), final(dst())];
    const first = settle('active', updates, DEPLOYED + 31);
    expect(first.status).toBe('ready_for_secret');
    expect(settle(first.status, updates, DEPLOYED + 31).steps).toEqual([]);
  });

  it('never offers the secret for an observed (not final) escrow', () => {
    expect(settle('active', [final(src()), observed(dst())], DEPLOYED + 100).status).toBe('escrowed');
    expect(settle('active', [observed(src()), final(dst())], DEPLOYED + 100).status).toBe('escrowed');
  });

  it('never offers the secret when too little time is left before a cancellation', () => {
    const late = DEPLOYED + order.timelocks.dstCancellation - policy.secretMarginSeconds;
    expect(settle('escrowed', [final(src()), final(dst())], late).status).toBe('escrowed');
    expect(settle('escrowed', [final(src()), final(dst())], late - 1).status).toBe('ready_for_secret');
  });

  describe.each([
    ['a lower amount', { amount: 4_899_999n }],
    ['another receiver', { maker: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3jcu5d8' }],
    ['another hashlock', { hashlock: hashlockOf(`0x${'22'.repeat(32)}` as Hex) }],
    ['deadlines too late', { deadlines: dstDeadlines(order.timelocks, DEPLOYED + 21) }],
    ['deadlines too early', { deadlines: dstDeadlines(order.timelocks, DEPLOYED - 21) }],
    ['a missing safety deposit', { safetyDeposit: 0n }],
  ])('a destination escrow with %s', (_name, over) => {
    it('is never verified, and the fill becomes invalid once the destination window passes', () => {
      const updates = [final(src()), final(dst(over))];
      const windowEnd = DEPLOYED + order.timelocks.dstPublicWithdrawal;
      expect(settle('src_escrowed', updates, windowEnd - 1).status).toBe('src_escrowed');
      const r = settle('src_escrowed', updates, windowEnd);
      expect(r.status).toBe('invalid_fill');
      expect(JSON.stringify(r.steps[0]!.data)).toContain('problems');
    });
  });

  it('a correct destination escrow after a wrong one still verifies (griefing does not kill the fill)', () => {
    const updates = [final(src()), final(dst({ amount: 1n })), final(dst({ escrow: `${'bb'.repeat(32)}#0` }))];
    expect(settle('src_escrowed', updates, DEPLOYED + 40).status).toBe('ready_for_secret');
  });

  it('a resolver that never funds the destination: invalid_fill, then the maker is refunded', () => {
    const s = src();
    let r = settle('src_escrowed', [final(s)], DEPLOYED + order.timelocks.dstPublicWithdrawal);
    expect(r.status).toBe('invalid_fill');
    r = settle(r.status, [final(s), observed(cancelled(s))], DEPLOYED + 950);
    expect(r.status).toBe('invalid_fill');
    r = settle(r.status, [final(s), final(cancelled(s))], DEPLOYED + 951);
    expect(r.status).toBe('refunded');
  });

  it('undoes transitions whose escrows were reorged away', () => {
    const s = src();
    const d = dst();
    expect(settle('ready_for_secret', [final(s), reverted(d)], DEPLOYED + 40).status).toBe('src_escrowed');
    expect(settle('escrowed', [reverted(s), observed(d)], DEPLOYED + 40).status).toBe('active');
    expect(settle('src_escrowed', [reverted(s)], DEPLOYED + 40).status).toBe('active');
  });

  it('records a secret that appeared on chain while waiting for the maker', () => {
    const s = src();
    const d = dst();
    const r = settle('ready_for_secret', [final(s), final(d), observed(withdrawn(d))], DEPLOYED + 60);
    expect(r.status).toBe('secret_revealed');
    expect(r.steps[0]!.secret).toBe(SECRET);
  });

  it('ignores a withdrawal with a wrong preimage', () => {
    const s = src();
    const d = dst();
    const wrong = withdrawn(d, `0x${'33'.repeat(32)}` as Hex);
    expect(settle('ready_for_secret', [final(s), final(d), final(wrong)], DEPLOYED + 60).status).toBe('ready_for_secret');
  });

  it('refunds both sides after cancellations', () => {
    const s = src();
    const d = dst();
    let r = settle('ready_for_secret', [final(s), final(d), final(cancelled(d))], DEPLOYED + 800);
    expect(r.status).toBe('refunding');
    r = settle(r.status, [final(s), final(d), final(cancelled(d)), final(cancelled(s))], DEPLOYED + 950);
    expect(r.status).toBe('refunded');
  });

  describe('a look-alike escrow carrying the order hash (anyone can lock one and cancel it at once)', () => {
    // A tiny output at the escrow script with the victim's order hash and hashlock, the attacker
    // as taker, cancellation already open: verification refuses it, so its cancellation is noise.
    const stray = (): EscrowCreatedEvent =>
      dst({ escrow: `${'99'.repeat(32)}#0`, amount: 1n, safetyDeposit: 0n, taker: '77'.repeat(28), deadlines: { withdrawal: DEPLOYED, publicWithdrawal: DEPLOYED, cancellation: DEPLOYED } });

    it.each(['src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'invalid_fill'] as const)(
      'its final cancellation never moves an order in %s',
      (status) => {
        const s = src();
        const d = dst();
        const x = stray();
        const updates = status === 'src_escrowed' || status === 'invalid_fill' ? [final(s), final(x), final(cancelled(x))] : [final(s), final(d), final(x), final(cancelled(x))];
        const r = settle(status, updates, DEPLOYED + 60);
        expect(r.steps.map((st) => st.event)).not.toContain('cancellation_seen');
        expect(r.status).not.toMatch(/^refund/);
      },
    );

    it('a swap whose secret is out still ends executed, never refunded', () => {
      const s = src();
      const d = dst();
      const x = stray();
      const r = settle('secret_revealed', [final(s), final(d), final(x), final(cancelled(x)), final(withdrawn(d)), final(withdrawn(s))], DEPLOYED + 210);
      expect(r.status).toBe('executed');
    });

    it('an inflated datum (value below its terms) is no escrow: its cancellation is noise too', () => {
      const s = src();
      const d = dst();
      const inflated = dst({ escrow: `${'98'.repeat(32)}#0`, shortfall: [{ asset: 'lovelace', required: 6_900_000n, held: 10n }] });
      expect(settle('escrowed', [final(s), final(d), final(inflated), final(cancelled(inflated))], DEPLOYED + 60).status).toBe('ready_for_secret');
    });

    it('the verified escrows\' own cancellations still count', () => {
      const s = src();
      const r = settle('invalid_fill', [final(s), final(stray()), final(cancelled(s))], DEPLOYED + 950);
      expect(r.steps.map((st) => st.event)).toEqual(['cancellation_seen', 'refunds_complete']);
    });
  });

  it('expires an unfilled order after its expiry, not before', () => {
    expect(settle('active', [], order.expiry).status).toBe('active');
    expect(settle('active', [], order.expiry + 1).status).toBe('expired');
  });

  it('does not treat a source escrow for another order as a fill', () => {
    const other = { ...src(), orderHash: `0x${'cc'.repeat(32)}` as Hex };
    expect(settle('active', [final(other)], DEPLOYED + 1).status).toBe('active');
  });
});

describe('secretRelease (the gate at reveal time)', () => {
  const judge = (updates: ChainEventUpdate[], now: number) =>
    secretRelease({ orderHash: ORDER_HASH, order, view: buildEscrowView(updates), now, policy });

  it('releases with both escrows verified and final inside the window', () => {
    expect(judge([final(src()), final(dst())], DEPLOYED + 40)).toEqual({ ok: true });
  });

  it('refuses when an escrow is not final, wrong, or gone', () => {
    expect(judge([final(src()), observed(dst())], DEPLOYED + 40)).toMatchObject({ ok: false, code: 'ESCROWS_NOT_READY' });
    expect(judge([final(src()), final(dst({ amount: 1n }))], DEPLOYED + 40)).toMatchObject({ ok: false, code: 'ESCROWS_NOT_READY' });
    const d = dst();
    expect(judge([final(src()), final(d), reverted(d)], DEPLOYED + 40)).toMatchObject({ ok: false, code: 'ESCROWS_NOT_READY' });
  });

  it('refuses within the margin before destination cancellation', () => {
    const closes = DEPLOYED + order.timelocks.dstCancellation - policy.secretMarginSeconds;
    expect(judge([final(src()), final(dst())], closes - 1)).toEqual({ ok: true });
    expect(judge([final(src()), final(dst())], closes)).toMatchObject({ ok: false, code: 'SECRET_WINDOW_CLOSED' });
  });
});
