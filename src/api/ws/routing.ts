/**
 * Bus topics → channel messages. Each event is delivered once to every connection on any of its
 * channels, and serialized once (only if someone listens); `seq` is spliced in per socket.
 */
import type { Bus, TopicMessages, Unsubscribe } from '../../bus/types.js';
import type { PriceUpdateData } from '../../domain/wire.js';
import type { StreamEvent } from './ports.js';
import type { ChainEventUpdate } from '../../chains/events.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { SpanKind, tracer } from '../../observability/tracing.js';
import type { Span } from '@opentelemetry/api';
import type { ChannelIndex } from './channels.js';
import type { Connection, SendLimits } from './connection.js';
import { frame, frameJson, wireJson, type Frame } from './protocol.js';

export interface RoutingOptions {
  index: ChannelIndex<Connection>;
  /** Routing records the size of each full price tick here (the slow-consumer allowance). */
  limits: SendLimits;
  metrics: Pick<RelayerMetrics, 'wsMessagesSent'>;
}

export class Routing {
  private eventMark = 0;

  constructor(private readonly opts: RoutingOptions) {}

  /**
   * Subscribes to every topic the gateway serves; returns the unsubscribes. With `stream`, order
   * and chain events come from the event stream instead (numbered, resumable): their bus
   * messages only wake the stream up. Bus secrets are still passed on live (without an eventId):
   * they are the coordinator's re-announcements.
   */
  subscribe(bus: Bus, stream?: { wake(): void }): Unsubscribe[] {
    return [
      stream ? bus.subscribe('orders', () => stream.wake()) : bus.subscribe('orders', (m) => this.onOrder(m)),
      bus.subscribe('prices', (m) => this.onPrices(m)),
      stream ? bus.subscribe('chain', () => stream.wake()) : bus.subscribe('chain', (m) => this.onChain(m)),
      bus.subscribe('secrets', (m) => {
        stream?.wake();
        this.onSecret(m);
      }),
      bus.subscribe('actions', (m) => this.onPublicAction(m)),
    ];
  }

  /** One event of the stream, live: to every connection on its channels, with its eventId. */
  deliverStream(e: StreamEvent): void {
    this.fanout(streamChannels(e), () => streamFrame(e));
  }

  /**
   * One event of the stream replayed to `c` alone, if it is on one of `channels` (the channels a
   * resuming subscribe added). Returns whether it was sent.
   */
  replayTo(c: Connection, e: StreamEvent, channels: ReadonlySet<string>): boolean {
    if (!streamChannels(e).some((ch) => channels.has(ch))) return false;
    const f = streamFrame(e);
    if (!c.send(f)) return false;
    this.opts.metrics.wsMessagesSent.inc({ type: f.type });
    return true;
  }

  /**
   * Delivers one event to every connection on any of `channels`, once per connection, serializing
   * it only if someone is listening. Returns the mark used, so a later, narrower pass can skip
   * the connections this one reached.
   */
  private fanout(channels: readonly string[], build: () => Frame, traced = true): number {
    const mark = ++this.eventMark;
    let f: Frame | null = null;
    let span: Span | null = null;
    let sent = 0;
    for (const ch of channels) {
      const set = this.opts.index.members(ch);
      if (set === undefined) continue;
      if (f === null) {
        f = build();
        // A span in the trace of the work that published the event (the bus delivers in its context).
        if (traced) span = tracer().startSpan(`ws send ${f.type}`, { kind: SpanKind.PRODUCER, attributes: { 'ws.message.type': f.type } });
      }
      for (const c of set) {
        if (c.mark === mark) continue;
        c.mark = mark;
        if (c.send(f)) sent++;
      }
    }
    if (f !== null && sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: f.type }, sent);
    span?.setAttribute('ws.recipients', sent).end();
    return mark;
  }

  private onOrder(m: TopicMessages['orders']): void {
    this.fanout(orderChannels(m), () => frame(m.kind === 'created' ? 'order_created' : 'order_updated', m.data));
  }

  private onChain(update: ChainEventUpdate): void {
    this.fanout(chainChannels(update), () => frameJson('escrow_event', wireJson({ status: update.status, event: update.event })));
  }

  private onSecret(m: TopicMessages['secrets']): void {
    // Only `secrets` subscribers, all authenticated (subscribe checks it). Order channels learn
    // of the reveal through the order_updated that the same step publishes.
    this.fanout(['secrets'], () => frame('secret_shared', m));
  }

  private onPublicAction(m: TopicMessages['actions']): void {
    // A public withdrawal carries the secret, so public actions go to resolvers only.
    this.fanout(['secrets'], () => frame('public_action', m));
  }

  /**
   * `prices` subscribers get the whole tick in one message. A connection on `order:<h>` (and not
   * on `prices`) gets a price_update with just that order's price, one per subscribed order per tick.
   */
  private onPrices(m: PriceUpdateData): void {
    const fullMark = this.fanout(['prices'], () => {
      const f = frame('price_update', m);
      this.opts.limits.tickBytes = f.tail.length;
      return f;
    }, false); // a tick a second belongs to no request's trace
    const { index } = this.opts;
    if (!index.hasOrderChannels) return;
    const now = Date.now();
    let sent = 0;
    for (const p of m.prices) {
      const set = index.orderMembers(p.orderHash);
      if (set === undefined) continue;
      const f = frame('price_update', { at: m.at, prices: [p] }, now);
      for (const c of set) {
        if (c.mark !== fullMark && c.send(f)) sent++;
      }
    }
    if (sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: 'price_update' }, sent);
  }
}

function orderChannels(m: TopicMessages['orders']): string[] {
  return ['orders', `order:${m.data.orderHash.toLowerCase()}`, `maker:${m.data.maker.toLowerCase()}`];
}

function chainChannels(update: ChainEventUpdate): string[] {
  const orderHash = 'orderHash' in update.event ? update.event.orderHash : undefined;
  return orderHash === undefined ? ['escrows'] : ['escrows', `order:${orderHash.toLowerCase()}`];
}

function streamChannels(e: StreamEvent): string[] {
  switch (e.topic) {
    case 'orders':
      return orderChannels(e.message);
    case 'chain':
      return chainChannels(e.message);
    case 'secrets':
      // Only `secrets` subscribers, all authenticated (subscribe checks it).
      return ['secrets'];
  }
}

/** The same message the live bus path frames, plus the event's stream id. */
function streamFrame(e: StreamEvent): Frame {
  switch (e.topic) {
    case 'orders':
      return frameJson(e.message.kind === 'created' ? 'order_created' : 'order_updated', JSON.stringify(e.message.data), Date.now(), e.id);
    case 'chain':
      return frameJson('escrow_event', wireJson({ status: e.message.status, event: e.message.event }), Date.now(), e.id);
    case 'secrets':
      return frameJson('secret_shared', JSON.stringify(e.message), Date.now(), e.id);
  }
}
