/**
 * What the chains say about one order, folded from its chain-event updates: the source escrow,
 * destination escrow candidates, withdrawals and cancellations, each with its latest status.
 * Reverted events are dropped: after a reorg they no longer exist on chain.
 */
import type {
  ChainEvent,
  ChainEventStatus,
  ChainEventUpdate,
  EscrowCancelledEvent,
  EscrowCreatedEvent,
  EscrowWithdrawnEvent,
} from '../chains/events.js';

export interface Seen<E extends ChainEvent> {
  event: E;
  final: boolean;
}

export interface EscrowView {
  /** Source escrows, oldest first (the factory allows one per order; more means a bug or another chain). */
  src: Seen<EscrowCreatedEvent>[];
  /** Destination escrow candidates, oldest first; anyone can create one, so each is verified. */
  dst: Seen<EscrowCreatedEvent>[];
  withdrawals: Seen<EscrowWithdrawnEvent>[];
  cancellations: Seen<EscrowCancelledEvent>[];
}

/** Folds updates (any order, repeats allowed) into the latest status per event id. */
export function buildEscrowView(updates: readonly ChainEventUpdate[]): EscrowView {
  const latest = new Map<string, { status: ChainEventStatus; event: ChainEvent }>();
  for (const u of updates) latest.set(u.event.id, { status: u.status, event: u.event });

  const view: EscrowView = { src: [], dst: [], withdrawals: [], cancellations: [] };
  const live = [...latest.values()]
    .filter((u) => u.status !== 'reverted')
    .sort((a, b) => compareChainPosition(a.event, b.event));
  for (const { event, status } of live) {
    const final = status === 'final';
    switch (event.type) {
      case 'escrow_created':
        (event.side === 'src' ? view.src : view.dst).push({ event, final });
        break;
      case 'escrow_withdrawn':
        view.withdrawals.push({ event, final });
        break;
      case 'escrow_cancelled':
        view.cancellations.push({ event, final });
        break;
      default:
        break;
    }
  }
  return view;
}

/** Whether a chain event concerns `escrow` (same chain, same escrow id in any case). */
export function isSameEscrow(e: { chain: string; escrow: string }, escrow: { chain: string; escrow: string }): boolean {
  return e.chain === escrow.chain && e.escrow.toLowerCase() === escrow.escrow.toLowerCase();
}

function compareChainPosition(a: ChainEvent, b: ChainEvent): number {
  if (a.blockTime !== b.blockTime) return a.blockTime - b.blockTime;
  if (a.chain !== b.chain) return a.chain < b.chain ? -1 : 1;
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.index - b.index;
}
