import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';

describe('InProcessBus', () => {
  it('reports a throwing subscriber to onError and still delivers to the others', async () => {
    const errors: [string, string][] = [];
    const bus = new InProcessBus({ onError: (err, topic) => errors.push([topic, (err as Error).message]) });
    const seen: string[] = [];
    bus.subscribe('secrets', () => {
      throw new Error('boom');
    });
    bus.subscribe('secrets', (m) => seen.push(m.orderHash));
    await bus.publish('secrets', { orderHash: '0x01', maker: 'm', secret: '0x02' });
    expect(seen).toEqual(['0x01']);
    expect(errors).toEqual([['secrets', 'boom']]);
    await bus.stop();
    await bus.stop();
    await bus.publish('secrets', { orderHash: '0x03', maker: 'm', secret: '0x02' });
    expect(seen).toEqual(['0x01']);
  });
});
