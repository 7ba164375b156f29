/** Two relayer instances, each with its own gateway, sharing events over a real Redis. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WsGateway } from '../../src/api/ws/gateway.js';
import { RedisBus } from '../../src/bus/redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { TestClient, wsConfig } from './support/index.js';
import { created, escrowCreated, HASH_A, MAKER_X } from './support/events.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

describe('WsGateway on two instances over Redis', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function instance(channelPrefix: string) {
    const bus = new RedisBus({ url: REDIS_URL, channelPrefix, logger });
    await bus.start();
    const gateway = new WsGateway({ config: wsConfig(), bus, logger, metrics: createMetrics({ defaultMetrics: false }) });
    await gateway.start();
    stops.push(() => bus.stop(), () => gateway.stop());
    const client = await TestClient.connect(`ws://127.0.0.1:${gateway.port()}`);
    stops.push(() => client.close());
    return { bus, client };
  }

  it('delivers an event published on instance A to the clients of A and of B, bigints as decimal strings', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    await a.client.subscribe('orders', 'escrows');
    await b.client.subscribe(`order:${HASH_A}`);
    const amount = 3n ** 60n;

    const onB = b.client.next((m) => m.type === 'escrow_event');
    await a.bus.publish('orders', created(HASH_A, MAKER_X));
    await a.bus.publish('chain', escrowCreated(HASH_A, amount));
    const gotB = await onB;
    expect(gotB.data.event.amount).toBe(amount.toString());
    // One publisher connection, one subscriber connection: Redis keeps the publish order.
    expect(b.client.received.some((m) => m.type === 'order_created' && m.data.orderHash === HASH_A)).toBe(true);
    const aTypes = (await a.client.drain()).map((m) => m.type);
    expect(aTypes).toEqual(['subscribed', 'order_created', 'escrow_event']);
  });
});
