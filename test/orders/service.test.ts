/**
 * OrderService without HTTP, on Postgres: the expiry sweep, the maker-funds gate (422, nothing
 * stored), a bus outage after commit, racing cancels (the CAS lets exactly one win), and pricing
 * without a book.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { Bus } from '../../src/bus/types.js';
import { orderToWire, type Hex } from '../../src/domain/order.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { RelayerError } from '../../src/orders/errors.js';
import type { MakerFundsCheck } from '../../src/orders/ports.js';
import { OrderService } from '../../src/orders/service.js';
import { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { SUPPORTED, makeOrder, newMaker, signCancel, signOrder } from '../api-http/support.js';
import { sql } from 'kysely';

let pg: TestPostgres;
let repo: OrderRepositoryImpl;
const clock = { now: Math.floor(Date.now() / 1000) };
const logger = createLogger({ level: 'silent' });
const maker = newMaker();

beforeAll(async () => {
  pg = await withPostgres();
  repo = new OrderRepositoryImpl(pg.database.db);
});
afterAll(async () => {
  await pg?.drop();
});

function service(over: { bus?: Bus; makerFunds?: MakerFundsCheck } = {}) {
  return new OrderService({
    repo,
    bus: over.bus ?? new InProcessBus(),
    clock: () => clock.now,
    supportedChains: SUPPORTED,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    ...(over.makerFunds ? { makerFunds: over.makerFunds } : {}),
  });
}

async function rows(): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from orders`.execute(pg.database.db);
  return Number(r.rows[0]!.n);
}

async function submitted(svc: OrderService, expiresIn = 3_600): Promise<Hex> {
  const order = makeOrder(maker, clock.now, { expiry: clock.now + expiresIn });
  const { orderHash } = await svc.submit({ order: orderToWire(order), signature: await signOrder(maker, order) });
  return orderHash;
}

describe('maker funds', () => {
  it('a failed balance/allowance check → 422 with its code, nothing stored; a passing one lets the order in', async () => {
    const refusing = service({ makerFunds: { check: async () => ({ ok: false, code: 'INSUFFICIENT_ALLOWANCE', message: 'approve the factory' }) } });
    const order = makeOrder(maker, clock.now);
    const before = await rows();
    const err = await refusing
      .submit({ order: orderToWire(order), signature: await signOrder(maker, order) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayerError);
    expect(err).toMatchObject({ code: 'INSUFFICIENT_ALLOWANCE', httpStatus: 422 });
    expect(await rows()).toBe(before);
    expect(refusing.fundsCheckEnabled).toBe(true);

    const checked: string[] = [];
    const passing = service({ makerFunds: { check: async (o) => (checked.push(o.maker), { ok: true }) } });
    await passing.submit({ order: orderToWire(order), signature: await signOrder(maker, order) });
    expect(checked).toEqual([maker.address]);
    expect(await rows()).toBe(before + 1);
  });
});

describe('callers other than HTTP', () => {
  it('get a 400 VALIDATION_ERROR, not a crash, for an order not in wire form', async () => {
    const wire = orderToWire(makeOrder(maker, clock.now));
    const before = await rows();
    const err = await service()
      .submit({ order: { ...wire, makingAmount: '1.5' }, signature: '0x00' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', httpStatus: 400 });
    expect(await rows()).toBe(before);
  });
});

describe('an unreachable source chain', () => {
  it('makes intake a retryable 503 FUNDS_CHECK_UNAVAILABLE, never an unchecked accept', async () => {
    const svc = service({
      makerFunds: {
        check: async () => {
          throw new Error('ECONNREFUSED 127.0.0.1:8545');
        },
      },
    });
    const order = makeOrder(maker, clock.now);
    const before = await rows();
    const err = await svc.submit({ order: orderToWire(order), signature: await signOrder(maker, order) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FUNDS_CHECK_UNAVAILABLE', httpStatus: 503 });
    expect(String((err as Error).message)).not.toContain('ECONNREFUSED');
    expect(await rows()).toBe(before);
  });
});

describe('bus failures after the commit', () => {
  it('do not turn an accepted order into an error: the store has it', async () => {
    const broken: Bus = {
      publish: async () => {
        throw new Error('redis down');
      },
      subscribe: () => () => {},
      start: async () => {},
      stop: async () => {},
    };
    const hash = await submitted(service({ bus: broken }));
    expect((await repo.get(hash))?.status).toBe('active');
  });
});

describe('racing cancels', () => {
  it('exactly one of two concurrent cancels wins; the other is 409 INVALID_STATUS', async () => {
    const svc = service();
    const hash = await submitted(svc);
    const sig = await signCancel(maker, hash);
    const results = await Promise.allSettled([svc.cancel(hash, { signature: sig }), svc.cancel(hash, { signature: sig })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'INVALID_STATUS', httpStatus: 409 });
    expect((await repo.timeline(hash)).map((e) => e.type)).toEqual(['created', 'cancelled']);
  });
});

describe('pricing without a book', () => {
  it('computes the auction price from the order at the clock', async () => {
    const svc = service();
    const hash = await submitted(svc);
    const detail = await svc.get(hash);
    expect(detail.currentAmount).toBe(2_000_000_000n);
    clock.now += 90;
    try {
      expect((await svc.get(hash)).currentAmount).toBe(1_950_000_000n);
    } finally {
      clock.now -= 90;
    }
    expect(svc.activeSnapshot().items).toEqual([]);
  });
});
