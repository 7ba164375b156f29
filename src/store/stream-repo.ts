/**
 * Reads the event stream (migration 0003): the numbered journal of order, escrow and secret
 * events that WebSocket clients resume from. Rows are written by triggers with the change they
 * describe; here they are turned back into the bus messages the gateway frames, so a replayed
 * event and a live one are the same bytes.
 */
import { sql, type Kysely } from 'kysely';
import type { EventStreamSource, StreamEvent } from '../api/ws/ports.js';
import type { ChainEvent, ChainEventStatus, ChainEventUpdate } from '../chains/events.js';
import type { WireOrder } from '../domain/order.js';
import { fromTagged, toBigInt } from './convert.js';
import type { DB } from './schema.js';

export class StreamRepository implements EventStreamSource {
  constructor(private readonly db: Kysely<DB>) {}

  async head(): Promise<bigint> {
    const r = await sql<{ id: string | null }>`select max(id)::text as id from stream_events`.execute(this.db);
    return BigInt(r.rows[0]?.id ?? '0');
  }

  async prunedThrough(): Promise<bigint> {
    const r = await sql<{ p: string }>`select pruned_through::text as p from stream_horizon where name = 'events'`.execute(this.db);
    return BigInt(r.rows[0]?.p ?? '0');
  }

  async after(after: bigint, limit: number): Promise<StreamEvent[]> {
    const r = await sql<StreamRow>`
      select s.id::text as id, s.kind, s.order_hash, s.chain_status, s.chain_event, s.created_at as stream_at,
             e.type as event_type, e.from_status, e.to_status, e.created_at as event_at,
             o.order as order_json, o.signature, o.locked_output, o.secret, o.created_at as order_at
        from stream_events s
        left join order_events e on e.id = s.order_event_id
        left join orders o on o.order_hash = s.order_hash and s.kind <> 'escrow_event'
       where s.id > ${after.toString()}::bigint
       order by s.id
       limit ${limit}`.execute(this.db);
    return r.rows.map(toStreamEvent);
  }

  /**
   * Removes events older than `maxAgeMs` and moves the horizon past them, in one transaction.
   * Safe on every instance at once (the horizon only moves forward). Returns how many went.
   */
  async prune(maxAgeMs: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const gone = await sql<{ id: string }>`
        delete from stream_events where created_at < now() - make_interval(secs => ${maxAgeMs / 1000}) returning id::text as id`.execute(trx);
      if (gone.rows.length === 0) return 0;
      const top = gone.rows.reduce((m, r) => (BigInt(r.id) > m ? BigInt(r.id) : m), 0n);
      await sql`update stream_horizon set pruned_through = greatest(pruned_through, ${top.toString()}::bigint) where name = 'events'`.execute(trx);
      return gone.rows.length;
    });
  }
}

interface StreamRow {
  id: string;
  kind: 'order_created' | 'order_updated' | 'escrow_event' | 'secret_shared';
  order_hash: string | null;
  chain_status: string | null;
  chain_event: unknown;
  stream_at: Date;
  event_type: string | null;
  from_status: string | null;
  to_status: string | null;
  event_at: Date | null;
  order_json: WireOrder | null;
  signature: string | null;
  locked_output: string | null;
  secret: string | null;
  order_at: Date | null;
}

function toStreamEvent(r: StreamRow): StreamEvent {
  const id = toBigInt(r.id);
  switch (r.kind) {
    case 'escrow_event':
      return { id, topic: 'chain', message: { status: r.chain_status as ChainEventStatus, event: fromTagged<ChainEvent>(r.chain_event) } };
    case 'secret_shared':
      return { id, topic: 'secrets', message: { orderHash: r.order_hash!, maker: r.order_json!.maker, secret: r.secret! } };
    case 'order_created': {
      const order = r.order_json!;
      return {
        id,
        topic: 'orders',
        message: {
          kind: 'created',
          data: {
            orderHash: r.order_hash!,
            maker: order.maker,
            srcChain: order.srcChain,
            dstChain: order.dstChain,
            status: r.to_status!,
            order,
            createdAt: (r.order_at ?? r.stream_at).toISOString(),
            signature: r.signature,
            lockedOutput: r.locked_output,
          },
        },
      };
    }
    case 'order_updated':
      return {
        id,
        topic: 'orders',
        message: {
          kind: 'updated',
          data: {
            orderHash: r.order_hash!,
            maker: r.order_json!.maker,
            status: r.to_status!,
            previousStatus: r.from_status!,
            reason: r.event_type!,
            at: (r.event_at ?? r.stream_at).toISOString(),
          },
        },
      };
  }
}

/** Prunes the stream every 10 minutes (and once now) on this instance; returns the stop. */
export function startStreamRetention(
  repo: Pick<StreamRepository, 'prune'>,
  maxAgeMs: number,
  logger: { warn(obj: object, msg: string): void },
  everyMs = 600_000,
): () => void {
  const run = () => void repo.prune(maxAgeMs).catch((err: unknown) => logger.warn({ err }, 'event stream pruning failed; will retry'));
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
