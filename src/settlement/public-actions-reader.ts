/**
 * Lists every public action due now (GET /api/public-actions), from the store alone, so any
 * instance can answer, leader or not. The same rules as the coordinator's announcements.
 */
import type { OrderRepository } from '../orders/ports.js';
import type { SettlementStore } from './ports.js';
import { buildEscrowView } from './escrow-view.js';
import { publicActions, type PublicAction } from './public-actions.js';
import { timeDrivenOrders } from './reconcile.js';

/** At most this many orders with escrows are looked at per call. */
const MAX_ORDERS = 1_000;

export class PublicActionsReader {
  constructor(
    private readonly deps: {
      store: Pick<SettlementStore, 'ordersToSweep' | 'eventsForOrder'>;
      orders: Pick<OrderRepository, 'get'>;
      /** Unix seconds. */
      clock: () => number;
      toleranceSeconds: number;
    },
  ) {}

  async list(): Promise<PublicAction[]> {
    const { store, orders, clock, toleranceSeconds } = this.deps;
    const now = clock();
    const actions: PublicAction[] = [];
    for (const hash of await store.ordersToSweep(timeDrivenOrders(now), MAX_ORDERS)) {
      const stored = await orders.get(hash);
      if (!stored) continue;
      const view = buildEscrowView(await store.eventsForOrder(hash));
      actions.push(
        ...publicActions({ orderHash: stored.orderHash, order: stored.order, status: stored.status, view, secret: stored.secret, now, toleranceSeconds }),
      );
    }
    return actions;
  }
}
