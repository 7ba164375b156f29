/**
 * One step of settlement: given an order's status, what the chains show for it and the time,
 * the next state-machine event to apply (or none). The coordinator applies steps until none
 * is left. Because the step is computed from stored facts, not from the event that triggered
 * it, replaying after a crash or a duplicate delivery changes nothing.
 *
 * Pure: no I/O, time is a parameter.
 */
import type { EscrowCreatedEvent, EscrowWithdrawnEvent } from '../chains/events.js';
import { isSecretFor } from '../domain/hashlock.js';
import type { Hex, Order } from '../domain/order.js';
import { ESCROWED_STATUSES, type OrderEvent } from '../domain/state-machine.js';
import type { OrderStatus } from '../domain/status.js';
import { isSameEscrow, type EscrowView, type Seen } from './escrow-view.js';
import type { SweepQuery } from './ports.js';
import { verifyDstEscrow, verifySrcEscrow, type EscrowProblem } from './verify-escrows.js';

export interface SettlementPolicy {
  /** Allowed difference between destination deadlines and source deployedAt + offsets (one block). */
  toleranceSeconds: number;
  /**
   * The secret is not offered when less than this remains before either cancellation opens:
   * the resolver needs time to withdraw on both chains before funds can go back.
   */
  secretMarginSeconds: number;
}

/**
 * The orders time alone can move: every order with an escrow on chain (its timelock stages and
 * the destination window, the finality lock) and every active order past its expiry.
 */
export function timeDrivenOrders(now: number): SweepQuery {
  return { statuses: ESCROWED_STATUSES, expiredBefore: now };
}

export interface ReconcileInput {
  orderHash: Hex;
  order: Order;
  status: OrderStatus;
  view: EscrowView;
  /** Unix seconds. */
  now: number;
  policy: SettlementPolicy;
}

export interface Step {
  event: OrderEvent;
  /** Goes into the timeline event. Never contains the secret unless it is already public on chain. */
  data: Record<string, unknown>;
  /** Set when the step records a secret seen on chain. */
  secret?: Hex;
}

export function nextStep(input: ReconcileInput): Step | null {
  const { status, order, now } = input;
  const { src, dst } = verifiedEscrows(input.view, input.orderHash, order, input.policy.toleranceSeconds);

  switch (status) {
    case 'active': {
      if (src) return { event: 'src_escrow_seen', data: escrowRef(src.event) };
      if (now > order.expiry) return { event: 'expired', data: { expiry: order.expiry } };
      return null;
    }
    case 'src_escrowed': {
      if (!src) return { event: 'src_escrow_reverted', data: { reason: 'source escrow no longer on chain' } };
      const cancel = finalCancellation(input);
      if (cancel) return cancel;
      if (dst) return { event: 'dst_escrow_verified', data: escrowRef(dst.event) };
      const windowEnd = src.event.deployedAt + order.timelocks.dstPublicWithdrawal;
      if (now >= windowEnd) {
        return { event: 'dst_escrow_invalid', data: { deadline: windowEnd, candidates: dstProblems(input, src.event) } };
      }
      return null;
    }
    case 'escrowed': {
      if (!src) return { event: 'src_escrow_reverted', data: { reason: 'source escrow no longer on chain' } };
      if (!dst) return { event: 'dst_escrow_reverted', data: { reason: 'destination escrow no longer on chain' } };
      const cancel = finalCancellation(input);
      if (cancel) return cancel;
      if (src.final && dst.final && secretWindowOpen(input, src.event, dst.event)) {
        return { event: 'escrows_final', data: { src: escrowRef(src.event), dst: escrowRef(dst.event) } };
      }
      return null;
    }
    case 'ready_for_secret': {
      if (!src) return { event: 'src_escrow_reverted', data: { reason: 'source escrow no longer on chain' } };
      if (!dst) return { event: 'dst_escrow_reverted', data: { reason: 'destination escrow no longer on chain' } };
      // Someone already used the secret on chain: it is public, record it.
      const onChain = withdrawalWithSecret(input);
      if (onChain) {
        return {
          event: 'secret_revealed',
          data: { source: 'chain', ...eventRef(onChain) },
          secret: onChain.secret,
        };
      }
      return finalCancellation(input);
    }
    case 'secret_revealed': {
      const cancel = finalCancellation(input);
      if (src && dst && isSettledBy(input, src.event, 'withdrawn') && isSettledBy(input, dst.event, 'withdrawn')) {
        return { event: 'withdrawals_complete', data: { src: escrowRef(src.event), dst: escrowRef(dst.event) } };
      }
      return cancel;
    }
    case 'invalid_fill': {
      if (!src) return { event: 'src_escrow_reverted', data: { reason: 'source escrow no longer on chain' } };
      return finalCancellation(input);
    }
    case 'refunding': {
      const escrows = [src, dst].filter((e): e is Seen<EscrowCreatedEvent> => e !== undefined);
      if (escrows.length > 0 && escrows.every((e) => isSettledBy(input, e.event, 'any'))) {
        return { event: 'refunds_complete', data: { escrows: escrows.map((e) => escrowRef(e.event)) } };
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * The first source escrow that matches the order, and the first destination escrow that pays
 * what the order and that source fill promised (anyone can create one, so each is verified).
 */
export function verifiedEscrows(
  view: EscrowView,
  orderHash: Hex,
  order: Order,
  toleranceSeconds: number,
): { src?: Seen<EscrowCreatedEvent>; dst?: Seen<EscrowCreatedEvent> } {
  const src = view.src.find((s) => verifySrcEscrow(orderHash, order, s.event).length === 0);
  if (!src) return {};
  const dst = view.dst.find((d) => verifyDstEscrow(orderHash, order, src.event, d.event, toleranceSeconds).length === 0);
  return dst ? { src, dst } : { src };
}

function dstProblems(input: ReconcileInput, src: EscrowCreatedEvent): { escrow: string; problems: EscrowProblem[] }[] {
  return input.view.dst.map((d) => ({
    escrow: d.event.escrow,
    problems: verifyDstEscrow(input.orderHash, input.order, src, d.event, input.policy.toleranceSeconds),
  }));
}

/**
 * Both escrows are past their finality lock (withdrawal is possible on both chains) and enough
 * time remains before either cancellation for the resolver to finish.
 */
function secretWindowOpen(input: ReconcileInput, src: EscrowCreatedEvent, dst: EscrowCreatedEvent): boolean {
  const { now, policy } = input;
  const opens = Math.max(src.deadlines.withdrawal, dst.deadlines.withdrawal);
  const closes = Math.min(src.deadlines.cancellation, dst.deadlines.cancellation) - policy.secretMarginSeconds;
  return now >= opens && now < closes;
}

/**
 * A final cancellation (a reorg can no longer undo it) of one of *the* escrows verified for this
 * order. Anyone can lock a look-alike output carrying the order hash and cancel it at once: a
 * cancellation of any other escrow is noise and never moves the order.
 */
function finalCancellation(input: ReconcileInput): Step | null {
  const { src, dst } = verifiedEscrows(input.view, input.orderHash, input.order, input.policy.toleranceSeconds);
  const ours = [src, dst].filter((e): e is Seen<EscrowCreatedEvent> => e !== undefined);
  const c = input.view.cancellations.find((x) => x.final && ours.some((e) => isSameEscrow(x.event, e.event)));
  return c ? { event: 'cancellation_seen', data: { ...eventRef(c.event), side: c.event.side, public: c.event.public } } : null;
}

function withdrawalWithSecret(input: ReconcileInput): EscrowWithdrawnEvent | undefined {
  return input.view.withdrawals.find((w) => isSecretFor(w.event.secret, input.order.hashlock))?.event;
}

function isSettledBy(input: ReconcileInput, escrow: EscrowCreatedEvent, how: 'withdrawn' | 'any'): boolean {
  const withdrawn = input.view.withdrawals.some((w) => w.final && isSameEscrow(w.event, escrow));
  if (how === 'withdrawn') return withdrawn;
  return withdrawn || input.view.cancellations.some((c) => c.final && isSameEscrow(c.event, escrow));
}

function escrowRef(e: EscrowCreatedEvent): Record<string, unknown> {
  return { chain: e.chain, escrow: e.escrow, txHash: e.txHash, blockNumber: e.blockNumber.toString(), side: e.side };
}

function eventRef(e: { chain: string; escrow: string; txHash: string; blockNumber: bigint }): Record<string, unknown> {
  return { chain: e.chain, escrow: e.escrow, txHash: e.txHash, blockNumber: e.blockNumber.toString() };
}

export type ReleaseVerdict = { ok: true } | { ok: false; code: 'ESCROWS_NOT_READY' | 'SECRET_WINDOW_CLOSED'; message: string };

/**
 * The secret gate of architecture §1, judged at the moment the maker reveals: a verified source and
 * destination escrow, both final, and the window still open (past both finality locks, and more
 * than the margin left before either cancellation). A maker who reveals too late could otherwise
 * let a resolver cancel the destination escrow and still withdraw the source with the secret.
 */
export function secretRelease(input: Omit<ReconcileInput, 'status'>): ReleaseVerdict {
  const full: ReconcileInput = { ...input, status: 'ready_for_secret' };
  const { src, dst } = verifiedEscrows(input.view, input.orderHash, input.order, input.policy.toleranceSeconds);
  if (!src || !dst || !src.final || !dst.final) {
    return { ok: false, code: 'ESCROWS_NOT_READY', message: 'both escrows must be verified and final before the secret is released' };
  }
  if (!secretWindowOpen(full, src.event, dst.event)) {
    return {
      ok: false,
      code: 'SECRET_WINDOW_CLOSED',
      message: 'too little time is left before a cancellation opens; keep the secret, the timelocks will refund you',
    };
  }
  return { ok: true };
}
