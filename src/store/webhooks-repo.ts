/**
 * Webhooks in the store (migration 0002): subscriptions per owner (sha256 of the API key), the
 * delivery outbox/log, and the fan-out from order_events. See src/webhooks/README.md.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  DueDelivery,
  OrderEventRow,
  PlannedDelivery,
  StoredDelivery,
  StoredWebhook,
  WebhookStore,
  WebhookSubscription,
} from '../webhooks/ports.js';
import type { DB, WebhookDeliveriesTable, WebhooksTable } from './schema.js';

const CURSOR = 'order_events';

export class WebhookRepository implements WebhookStore {
  constructor(private readonly db: Kysely<DB>) {}

  async create(w: { id: string; owner: string; url: string; events: string[]; maker: string | null; secret: string }): Promise<StoredWebhook> {
    const row = await this.db
      .insertInto('webhooks')
      .values({
        id: w.id,
        owner: w.owner,
        url: w.url,
        events: JSON.stringify(w.events),
        maker: w.maker,
        secret: w.secret,
        after_event_id: sql<string>`(select coalesce(max(id), 0) from order_events)`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  async list(owner: string): Promise<StoredWebhook[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('owner', '=', owner).orderBy('created_at', 'desc').execute();
    return rows.map(toWebhook);
  }

  async countOf(owner: string): Promise<number> {
    const r = await this.db.selectFrom('webhooks').select((eb) => eb.fn.countAll<string>().as('n')).where('owner', '=', owner).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Deletes the owner's webhook and its log; false if there is none (or it is someone else's). */
  async delete(id: string, owner: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhooks').where('id', '=', id).where('owner', '=', owner).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async exists(id: string, owner: string): Promise<boolean> {
    return (await this.db.selectFrom('webhooks').select('id').where('id', '=', id).where('owner', '=', owner).executeTakeFirst()) !== undefined;
  }

  /** The delivery log of one webhook, newest first. */
  async deliveries(webhookId: string, limit: number): Promise<StoredDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  async subscriptions(): Promise<WebhookSubscription[]> {
    const rows = await this.db.selectFrom('webhooks').select(['id', 'events', 'maker', 'after_event_id']).execute();
    return rows.map((r) => ({ id: r.id, events: r.events, maker: r.maker, afterEventId: BigInt(r.after_event_id) }));
  }

  /**
   * One fan-out step in one transaction: order_events after the cursor → planned deliveries
   * (inserted once), cursor advanced. A crash before commit leaves both as they were.
   */
  async fanOut(
    plan: (events: OrderEventRow[], hooks: WebhookSubscription[]) => PlannedDelivery[],
    advance: (cursor: bigint, events: OrderEventRow[]) => bigint,
    batch = 500,
  ): Promise<{ planned: number; inserted: number }> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('webhook_cursor').values({ name: CURSOR, last_id: '0' }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const cur = await trx.selectFrom('webhook_cursor').select('last_id').where('name', '=', CURSOR).forUpdate().executeTakeFirstOrThrow();
      const cursor = BigInt(cur.last_id);
      const rows = await trx
        .selectFrom('order_events as e')
        .innerJoin('orders as o', 'o.order_hash', 'e.order_hash')
        .select(['e.id', 'e.order_hash', 'o.maker', 'e.from_status', 'e.to_status', 'e.created_at'])
        .where(sql<boolean>`e.id > ${cursor.toString()}::numeric`)
        .orderBy('e.id')
        .limit(batch)
        .execute();
      if (rows.length === 0) return { planned: 0, inserted: 0 };
      const events: OrderEventRow[] = rows.map((r) => ({
        id: BigInt(r.id),
        orderHash: r.order_hash,
        maker: r.maker,
        fromStatus: r.from_status,
        toStatus: r.to_status,
        at: r.created_at,
      }));
      const hooks = await trx.selectFrom('webhooks').select(['id', 'events', 'maker', 'after_event_id']).execute();
      const planned = plan(
        events,
        hooks.map((r) => ({ id: r.id, events: r.events, maker: r.maker, afterEventId: BigInt(r.after_event_id) })),
      );
      const inserted = await insertPlanned(trx, planned);
      const next = advance(cursor, events);
      if (next !== cursor) await trx.updateTable('webhook_cursor').set({ last_id: next.toString() }).where('name', '=', CURSOR).execute();
      return { planned: planned.length, inserted };
    });
  }

  /** Deliveries for events that are not order_events rows (public actions); once per key. */
  async enqueue(planned: PlannedDelivery[]): Promise<number> {
    return insertPlanned(this.db, planned);
  }

  /**
   * Claims up to `limit` due deliveries: each gets `attempts + 1` and a lease (next_attempt_at
   * pushed by `leaseMs`), so another instance skips it; a worker that dies mid-attempt leaves it
   * to be retried when the lease ends (at-least-once).
   */
  async claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const rows = await sql<{ id: string; webhook_id: string; event_key: string; payload: unknown; attempts: number; url: string; secret: string }>`
      with due as (
        select id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= now()
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      )
      update webhook_deliveries d
      set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
      from due, webhooks w
      where d.id = due.id and w.id = d.webhook_id
      returning d.id::text as id, d.webhook_id, d.event_key, d.payload, d.attempts, w.url, w.secret`.execute(this.db);
    return rows.rows.map((r) => ({
      id: r.id,
      webhookId: r.webhook_id,
      eventKey: r.event_key,
      payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      attempts: Number(r.attempts),
      url: r.url,
      secret: r.secret,
    }));
  }

  async delivered(id: string, status: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', last_status: status, last_error: null, delivered_at: sql`now()` as never })
      .where('id', '=', id)
      .execute();
  }

  /** A failed attempt: retry at `retryInMs`, or dead-letter when `retryInMs` is null. */
  async failed(id: string, status: number | null, error: string, retryInMs: number | null): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: retryInMs === null ? 'dead' : 'pending',
        last_status: status,
        last_error: error.slice(0, 500),
        ...(retryInMs === null ? {} : { next_attempt_at: sql`now() + make_interval(secs => ${retryInMs / 1000})` as never }),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Pending and dead counts (metrics). */
  async backlog(): Promise<{ pending: number; dead: number }> {
    const r = await sql<{ pending: string; dead: string }>`
      select count(*) filter (where status = 'pending')::text as pending, count(*) filter (where status = 'dead')::text as dead
      from webhook_deliveries`.execute(this.db);
    return { pending: Number(r.rows[0]!.pending), dead: Number(r.rows[0]!.dead) };
  }
}

async function insertPlanned(db: Kysely<DB>, planned: PlannedDelivery[]): Promise<number> {
  if (planned.length === 0) return 0;
  const r = await db
    .insertInto('webhook_deliveries')
    .values(
      planned.map((p) => ({
        webhook_id: p.webhookId,
        event_key: p.eventKey,
        event_type: p.eventType,
        payload: JSON.stringify(p.payload),
        status: 'pending',
      })),
    )
    .onConflict((oc) => oc.columns(['webhook_id', 'event_key']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n);
}

function toWebhook(r: Selectable<WebhooksTable>): StoredWebhook {
  return { id: r.id, url: r.url, events: r.events, maker: r.maker, createdAt: r.created_at };
}

function toDelivery(r: Selectable<WebhookDeliveriesTable>): StoredDelivery {
  return {
    id: String(r.id),
    webhookId: r.webhook_id,
    eventId: r.event_key,
    eventType: r.event_type,
    status: r.status as StoredDelivery['status'],
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}
