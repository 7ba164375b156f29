/** The channel index on its own: members and their own channel sets stay in step. */
import { describe, expect, it } from 'vitest';
import { ChannelIndex } from '../../src/api/ws/channels.js';

const HASH = `0x${'ab'.repeat(32)}`;
const member = () => ({ channels: new Set<string>() });

describe('ChannelIndex', () => {
  it('finds members by channel and order channels by bare hash, and forgets empty channels', () => {
    const index = new ChannelIndex<ReturnType<typeof member>>();
    const a = member();
    const b = member();
    index.add(a, 'orders');
    index.add(a, `order:${HASH}`);
    index.add(b, `order:${HASH}`);
    expect([...(index.members('orders') ?? [])]).toEqual([a]);
    expect([...(index.orderMembers(HASH) ?? [])]).toEqual([a, b]);
    expect(index.hasOrderChannels).toBe(true);
    expect([...a.channels]).toEqual(['orders', `order:${HASH}`]);

    index.remove(a, `order:${HASH}`);
    expect([...(index.orderMembers(HASH) ?? [])]).toEqual([b]);
    index.removeAll(b);
    expect(index.orderMembers(HASH)).toBeUndefined();
    expect(index.members(`order:${HASH}`)).toBeUndefined();
    expect(index.hasOrderChannels).toBe(false);
    expect(b.channels.size).toBe(0);
    expect([...(index.members('orders') ?? [])]).toEqual([a]);
  });

  it('ignores removing a channel the member is not on, and adding one twice', () => {
    const index = new ChannelIndex<ReturnType<typeof member>>();
    const a = member();
    const b = member();
    index.add(b, 'prices');
    index.remove(a, 'prices');
    expect([...(index.members('prices') ?? [])]).toEqual([b]);
    index.add(b, 'prices');
    expect(index.members('prices')?.size).toBe(1);
    expect(b.channels.size).toBe(1);
  });
});
