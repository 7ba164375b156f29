/**
 * What the webhooks part needs from the store (architecture §2: a part owns its ports; the store
 * implements them in src/store/webhooks-repo.ts).
 */
import type { OrderEventRow, PlannedDelivery, WebhookSubscription } from './events.js';

export type { OrderEventRow, PlannedDelivery, WebhookSubscription };

export interface StoredWebhook {
  id: string;
  url: string;
  events: string[];
  maker: string | null;
  createdAt: Date;
}

export interface StoredDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A claimed delivery, with what is needed to send it. */
export interface DueDelivery {
  id: string;
  webhookId: string;
  eventKey: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

export interface WebhookStore {
  create(w: { id: string; owner: string; url: string; events: string[]; maker: string | null; secret: string }): Promise<StoredWebhook>;
  list(owner: string): Promise<StoredWebhook[]>;
  countOf(owner: string): Promise<number>;
  delete(id: string, owner: string): Promise<boolean>;
  exists(id: string, owner: string): Promise<boolean>;
  deliveries(webhookId: string, limit: number): Promise<StoredDelivery[]>;
  subscriptions(): Promise<WebhookSubscription[]>;
  /**
   * One fan-out step in one transaction: order events after the cursor → planned deliveries
   * (inserted once), cursor advanced. A crash before commit leaves both as they were.
   */
  fanOut(
    plan: (events: OrderEventRow[], hooks: WebhookSubscription[]) => PlannedDelivery[],
    advance: (cursor: bigint, events: OrderEventRow[]) => bigint,
    batch?: number,
  ): Promise<{ planned: number; inserted: number }>;
  enqueue(planned: PlannedDelivery[]): Promise<number>;
  /** Leases up to `limit` due deliveries for `leaseMs`; another instance never claims a leased one. */
  claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]>;
  delivered(id: string, status: number): Promise<void>;
  failed(id: string, status: number | null, error: string, retryInMs: number | null): Promise<void>;
  backlog(): Promise<{ pending: number; dead: number }>;
}
