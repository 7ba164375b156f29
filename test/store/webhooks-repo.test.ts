/** WebhookRepository on both engines: fan-out from order_events once, leased claims, retries, dead-letters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/db.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { WebhookRepository } from '../../src/store/webhooks-repo.js';
import { advanceCursor, planOrderEvents } from '../../src/webhooks/events.js';
import { ENGINES } from '../support/db.js';
import { hash32, order } from './support.js';

describe.each(ENGINES)('WebhookRepository on $engine', ({ open }) => {
  let database: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ database, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  it('plans each event once per webhook, leases claims, retries, and dead-letters', async () => {
    const repo = new WebhookRepository(database.db);
    const orders = new OrderRepositoryImpl(database.db);
    const before = hash32(1);
    await orders.insert({ orderHash: before, order: order(1), signature: null, lockedOutput: null, event: { type: 'created', data: {} } });
    const hook = await repo.create({ id: '00000000-0000-4000-8000-000000000001', owner: 'o', url: 'http://x.test/', events: ['order.created'], maker: null, secret: 's' });
    const after = hash32(2);
    await orders.insert({ orderHash: after, order: order(2), signature: null, lockedOutput: null, event: { type: 'created', data: {} } });

    const step = () => repo.fanOut(planOrderEvents, (c, e) => advanceCursor(c, e, Date.now(), 30_000));
    expect(await step()).toEqual({ planned: 1, inserted: 1 }); // only the order after registration
    expect(await step()).toEqual({ planned: 0, inserted: 0 }); // cursor moved: nothing again

    const [first] = await repo.claimDue(10, 60_000);
    expect(first).toMatchObject({ webhookId: hook.id, eventKey: expect.stringMatching(/^order\.created:/), attempts: 1, url: 'http://x.test/', secret: 's' });
    expect((first!.payload as { data: { orderHash: string } }).data.orderHash).toBe(after);
    expect(await repo.claimDue(10, 60_000)).toEqual([]); // leased

    await repo.failed(first!.id, 500, 'HTTP 500', 0);
    const [second] = await repo.claimDue(10, 60_000);
    expect(second!.attempts).toBe(2);
    await repo.failed(second!.id, null, 'timeout', null);
    expect(await repo.claimDue(10, 0)).toEqual([]);
    const [log] = await repo.deliveries(hook.id, 10);
    expect(log).toMatchObject({ status: 'dead', attempts: 2, lastError: 'timeout', lastStatus: null, nextAttemptAt: null });
    expect(await repo.backlog()).toEqual({ pending: 0, dead: 1 });

    expect(await repo.delete(hook.id, 'someone else')).toBe(false);
    expect(await repo.delete(hook.id, 'o')).toBe(true);
    expect(await repo.deliveries(hook.id, 10)).toEqual([]);
  });
});
