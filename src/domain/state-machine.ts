/**
 * The swap state machine of architecture §7 as a transition table: one row per event, listing the
 * statuses it may fire from and the status it leads to. Anything not in the table is refused
 * (`nextStatus` returns null) and the caller logs it; nothing else in the relayer decides a status.
 */
import { ORDER_STATUSES, type OrderStatus } from './status.js';

export const ORDER_EVENTS = [
  'src_escrow_seen',
  'dst_escrow_verified',
  'dst_escrow_invalid',
  'escrows_final',
  'secret_revealed',
  'withdrawals_complete',
  'expired',
  'maker_cancelled',
  'cancellation_seen',
  'refunds_complete',
  'src_escrow_reverted',
  'dst_escrow_reverted',
] as const;

export type OrderEvent = (typeof ORDER_EVENTS)[number];

interface Transition {
  readonly from: readonly OrderStatus[];
  readonly to: OrderStatus;
}

export const TRANSITIONS: { readonly [E in OrderEvent]: Transition } = {
  // A resolver filled: the source escrow holds the maker's funds.
  src_escrow_seen: { from: ['active'], to: 'src_escrowed' },
  // The destination escrow matches the order (amount >= auction price, receiver, hashlock, timelocks).
  dst_escrow_verified: { from: ['src_escrowed'], to: 'escrowed' },
  // The destination escrow is wrong, or absent past its window: the secret must never be released.
  dst_escrow_invalid: { from: ['src_escrowed'], to: 'invalid_fill' },
  // Both escrows passed their confirmation depth: the maker may now reveal the secret.
  escrows_final: { from: ['escrowed'], to: 'ready_for_secret' },
  // The maker revealed the secret to us. Only from ready_for_secret: this is the safety gate of architecture §1.
  secret_revealed: { from: ['ready_for_secret'], to: 'secret_revealed' },
  withdrawals_complete: { from: ['secret_revealed'], to: 'executed' },
  expired: { from: ['active'], to: 'expired' },
  maker_cancelled: { from: ['active'], to: 'cancelled' },
  // A cancellation was observed on either chain; funds go back to their depositors.
  // Also from secret_revealed: if nobody withdraws in time, the timelocks still end the swap.
  cancellation_seen: {
    from: ['src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'invalid_fill'],
    to: 'refunding',
  },
  refunds_complete: { from: ['refunding'], to: 'refunded' },
  // Reorg/rollback undo (architecture §7). The source escrow vanished: the order is open again
  // (a later, real fill replays src_escrow_seen). Not from secret_revealed: once the maker
  // has revealed the secret it is public and stays public, and a status that pretends
  // otherwise would let the order be filled again under a known hashlock. Not from
  // refunding either: the coordinator applies a cancellation only once its block is final.
  src_escrow_reverted: {
    from: ['src_escrowed', 'escrowed', 'ready_for_secret', 'invalid_fill'],
    to: 'active',
  },
  // The destination escrow vanished: back to waiting for one. Also from invalid_fill (an
  // addition to the brief): when the escrow that was judged invalid is itself rolled back, the
  // verdict rested on a block that no longer exists; the coordinator re-judges from src_escrowed.
  dst_escrow_reverted: { from: ['escrowed', 'ready_for_secret', 'invalid_fill'], to: 'src_escrowed' },
};

// allowedFrom hands these arrays out: freeze them so no caller can edit the machine at runtime.
for (const row of Object.values(TRANSITIONS)) Object.freeze(row.from);
Object.freeze(TRANSITIONS);

/** The status after `event` in `from`, or null if the transition is not allowed. */
export function nextStatus(from: OrderStatus, event: OrderEvent): OrderStatus | null {
  const row = Object.prototype.hasOwnProperty.call(TRANSITIONS, event) ? TRANSITIONS[event] : undefined;
  if (row === undefined) return null;
  return row.from.includes(from) ? row.to : null;
}

/** The statuses in which `event` is accepted. */
export function allowedFrom(event: OrderEvent): readonly OrderStatus[] {
  return Object.prototype.hasOwnProperty.call(TRANSITIONS, event) ? TRANSITIONS[event].from : [];
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['executed', 'expired', 'cancelled', 'refunded']);

/** No event leaves these statuses. */
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Statuses in which at least the source escrow exists on chain and holds funds, so timelock
 * stages (withdrawal, cancellation) matter and the coordinator must watch them.
 */
export const ESCROWED_STATUSES: readonly OrderStatus[] = Object.freeze([
  'src_escrowed',
  'escrowed',
  'ready_for_secret',
  'secret_revealed',
  'invalid_fill',
  'refunding',
] as const);
const ESCROWED: ReadonlySet<OrderStatus> = new Set(ESCROWED_STATUSES);

export function isEscrowedState(status: OrderStatus): boolean {
  return ESCROWED.has(status);
}

/** Re-exported so callers iterating over (status, event) pairs need one import. */
export { ORDER_STATUSES };
