/**
 * The channel index: channel → subscribed members, kept in step with each member's own
 * `channels` set. `order:<hash>` channels are also reachable by the bare (lower-case) hash, so a
 * price tick finds an order's subscribers without building a channel name per price.
 */

/** Anything that can subscribe: it keeps the set of its own channels, which the index maintains. */
export interface Subscriber {
  readonly channels: Set<string>;
}

const ORDER_PREFIX = 'order:';

export class ChannelIndex<M extends Subscriber> {
  private readonly byChannel = new Map<string, Set<M>>();
  private readonly byOrder = new Map<string, Set<M>>();

  add(member: M, channel: string): void {
    member.channels.add(channel);
    let set = this.byChannel.get(channel);
    if (set === undefined) {
      this.byChannel.set(channel, (set = new Set()));
      if (channel.startsWith(ORDER_PREFIX)) this.byOrder.set(channel.slice(ORDER_PREFIX.length), set);
    }
    set.add(member);
  }

  remove(member: M, channel: string): void {
    if (!member.channels.delete(channel)) return;
    const set = this.byChannel.get(channel);
    if (set === undefined) return;
    set.delete(member);
    if (set.size === 0) {
      this.byChannel.delete(channel);
      if (channel.startsWith(ORDER_PREFIX)) this.byOrder.delete(channel.slice(ORDER_PREFIX.length));
    }
  }

  removeAll(member: M): void {
    for (const ch of [...member.channels]) this.remove(member, ch);
  }

  /** The members on `channel` (a live set: do not modify), or undefined when none. */
  members(channel: string): ReadonlySet<M> | undefined {
    return this.byChannel.get(channel);
  }

  /** The members on `order:<orderHash>` (hash in lower case), or undefined when none. */
  orderMembers(orderHash: string): ReadonlySet<M> | undefined {
    return this.byOrder.get(orderHash);
  }

  /** Whether anyone is on some `order:<hash>` channel. */
  get hasOrderChannels(): boolean {
    return this.byOrder.size > 0;
  }
}
