/**
 * Public actions (architecture §6 "public withdrawal" and "public cancellation"): which escrows of an
 * order anyone may now settle, and with what. The coordinator announces them to resolvers and
 * GET /api/public-actions lists them, like Fusion+'s ready-to-execute-public-actions.
 *
 * - withdraw: the maker's secret is out (status secret_revealed) and an escrow is still open
 *   in [publicWithdrawal, cancellation): the destination pays the receiver, the source the taker.
 * - cancel: a source escrow is still open past publicCancellation: it goes back to the maker.
 *   The destination side has no public cancellation.
 *
 * Withdrawals are never offered once the order is refunding: with the destination cancelled,
 * withdrawing the source would pay the resolver for nothing.
 *
 * Pure: no I/O, time is a parameter.
 */
import type { EscrowCreatedEvent, EscrowSide } from '../chains/events.js';
import type { Hex, Order } from '../domain/order.js';
import { isEscrowedState } from '../domain/state-machine.js';
import type { OrderStatus } from '../domain/status.js';
import type { PublicActionData } from '../domain/wire.js';
import { packTimelocks } from '../domain/timelocks.js';
import { isSameEscrow, type EscrowView } from './escrow-view.js';
import { verifiedEscrows } from './reconcile.js';

export type PublicActionKind = PublicActionData['action'];

/** The wire shape (src/domain/wire.ts), with the order hash typed. */
export type PublicAction = PublicActionData & { orderHash: Hex; side: EscrowSide; secret?: Hex };

export interface PublicActionsInput {
  orderHash: Hex;
  order: Order;
  status: OrderStatus;
  view: EscrowView;
  /** Set once the maker revealed it. */
  secret: Hex | null;
  /** Unix seconds. */
  now: number;
  toleranceSeconds: number;
}

export function publicActions(input: PublicActionsInput): PublicAction[] {
  const { status, view, now, secret, orderHash, order } = input;
  // Only while an escrow may still be open on chain.
  if (!isEscrowedState(status)) return [];
  // Every public action hangs off a verified source escrow: it fixes the deadlines and which
  // destination escrow is the real one.
  const { src, dst } = verifiedEscrows(view, orderHash, order, input.toleranceSeconds);
  if (!src) return [];
  const actions: PublicAction[] = [];
  const srcOpen = !isSettled(view, src.event);

  if (status === 'secret_revealed' && secret) {
    for (const escrow of [dst?.event, src.event]) {
      if (!escrow || isSettled(view, escrow)) continue;
      const { publicWithdrawal, cancellation } = escrow.deadlines;
      if (now >= publicWithdrawal && now < cancellation) {
        actions.push(action(input, escrow, 'withdraw', publicWithdrawal, cancellation, secret));
      }
    }
  }

  const publicCancellation = src.event.deadlines.publicCancellation;
  if (srcOpen && publicCancellation !== undefined && now >= publicCancellation) {
    actions.push(action(input, src.event, 'cancel', publicCancellation, null));
  }
  return actions;
}

function action(
  input: PublicActionsInput,
  escrow: EscrowCreatedEvent,
  kind: PublicActionKind,
  opensAt: number,
  closesAt: number | null,
  secret?: Hex,
): PublicAction {
  return {
    orderHash: input.orderHash,
    chain: escrow.chain,
    side: escrow.side,
    action: kind,
    escrow: escrow.escrow,
    opensAt,
    closesAt,
    ...(secret ? { secret } : {}),
    immutables: isEvmChain(escrow.chain) ? evmImmutables(input.order, escrow) : null,
  };
}

/** EVM chains are named by their numeric chain id (architecture §3). */
function isEvmChain(chain: string): boolean {
  return /^\d+$/.test(chain);
}

function evmImmutables(order: Order, e: EscrowCreatedEvent): Record<string, string> {
  const common = { orderHash: e.orderHash, hashlock: e.hashlock, taker: e.taker, token: e.token, amount: e.amount.toString(), safetyDeposit: e.safetyDeposit.toString() };
  if (e.side === 'src') {
    return { ...common, maker: e.maker, timelocks: packTimelocks(order.timelocks, e.deployedAt).toString() };
  }
  return {
    ...common,
    receiver: e.maker,
    withdrawalAt: String(e.deadlines.withdrawal),
    publicWithdrawalAt: String(e.deadlines.publicWithdrawal),
    cancellationAt: String(e.deadlines.cancellation),
  };
}

/** Withdrawn or cancelled, seen on chain (final or not: either way it is no longer for anyone to take). */
function isSettled(view: EscrowView, escrow: EscrowCreatedEvent): boolean {
  return view.withdrawals.some((w) => isSameEscrow(w.event, escrow)) || view.cancellations.some((c) => isSameEscrow(c.event, escrow));
}
