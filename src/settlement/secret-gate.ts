/**
 * The secret gate the order use-cases call before accepting a maker's secret: it re-judges the
 * release rule from the stored chain facts at that moment (the status alone could be stale by
 * the time the maker answers).
 */
import type { Hex } from '../domain/order.js';
import type { StoredOrder } from '../orders/ports.js';
import type { SettlementStore } from './coordinator.js';
import { buildEscrowView } from './escrow-view.js';
import { secretRelease, type ReleaseVerdict, type SettlementPolicy } from './reconcile.js';

export class SecretGate {
  constructor(
    private readonly store: Pick<SettlementStore, 'eventsForOrder'>,
    private readonly policy: SettlementPolicy,
  ) {}

  async check(stored: StoredOrder, now: number): Promise<ReleaseVerdict> {
    const view = buildEscrowView(await this.store.eventsForOrder(stored.orderHash as Hex));
    return secretRelease({ orderHash: stored.orderHash, order: stored.order, view, now, policy: this.policy });
  }
}
