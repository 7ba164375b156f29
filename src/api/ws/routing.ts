/**
 * Bus topics → channel messages. Each event is delivered once to every connection on any of its
 * channels, and serialized once (only if someone listens); `seq` is spliced in per socket.
 */
import type { Bus, TopicMessages, Unsubscribe } from '../../bus/types.js';
import type { PriceUpdateData } from '../../domain/wire.js';
import type { ChainEventUpdate } from '../../chains/events.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
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

  /** Subscribes to every topic the gateway serves; returns the unsubscribes. */
  subscribe(bus: Bus): Unsubscribe[] {
    return [
      bus.subscribe('orders', (m) => this.onOrder(m)),
      bus.subscribe('prices', (m) => this.onPrices(m)),
      bus.subscribe('chain', (m) => this.onChain(m)),
      bus.subscribe('secrets', (m) => this.onSecret(m)),
      bus.subscribe('actions', (m) => this.onPublicAction(m)),
    ];
  }

  /**
   * Delivers one event to every connection on any of `channels`, once per connection, serializing
   * it only if someone is listening. Returns the mark used, so a later, narrower pass can skip
   * the connections this one reached.
   */
  private fanout(channels: readonly string[], build: () => Frame): number {
    const mark = ++this.eventMark;
    let f: Frame | null = null;
    let sent = 0;
    for (const ch of channels) {
      const set = this.opts.index.members(ch);
      if (set === undefined) continue;
      f ??= build();
      for (const c of set) {
        if (c.mark === mark) continue;
        c.mark = mark;
        if (c.send(f)) sent++;
      }
    }
    if (f !== null && sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: f.type }, sent);
    return mark;
  }

  private onOrder(m: TopicMessages['orders']): void {
    const channels = ['orders', `order:${m.data.orderHash.toLowerCase()}`, `maker:${m.data.maker.toLowerCase()}`];
    if (m.kind === 'created') this.fanout(channels, () => frame('order_created', m.data));
    else this.fanout(channels, () => frame('order_updated', m.data));
  }

  private onChain(update: ChainEventUpdate): void {
    const orderHash = 'orderHash' in update.event ? update.event.orderHash : undefined;
    const channels = orderHash === undefined ? ['escrows'] : ['escrows', `order:${orderHash.toLowerCase()}`];
    this.fanout(channels, () => frameJson('escrow_event', wireJson({ status: update.status, event: update.event })));
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
    });
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
