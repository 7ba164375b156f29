/**
 * The secret gate the order use-cases apply when a maker reveals: it re-judges the release rule
 * (architecture §1) from the chain events as stored at that moment, since the status alone could be
 * stale by the time the maker answers. The store runs it inside the transaction that records the
 * reveal (OrderRepository.transitionGuarded), so no rollback can slip between check and change.
 */
import type { ChainEventUpdate } from '../chains/events.js';
import type { StoredOrder } from '../orders/ports.js';
import { buildEscrowView } from './escrow-view.js';
import { secretRelease, type ReleaseVerdict, type SettlementPolicy } from './reconcile.js';

export class SecretGate {
  constructor(private readonly policy: SettlementPolicy) {}

  judge(stored: StoredOrder, chainEvents: readonly ChainEventUpdate[], now: number): ReleaseVerdict {
    return secretRelease({ orderHash: stored.orderHash, order: stored.order, view: buildEscrowView(chainEvents), now, policy: this.policy });
  }
}
