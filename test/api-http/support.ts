/**
 * A whole HTTP stack on a fresh Postgres database: the store's repositories, the in-process
 * bus, the real ActiveOrderBook, OrderService with the real SecretGate (fed by the chain events
 * in the store, as main.ts wires it) and the fastify app (not listening; tests use `inject`, or
 * `listen` on port 0 for real sockets). Plus makers that sign real orders, and the chain events
 * of their escrows for the settlement coordinator and the gate to judge.
 */
import { privateKeyToAccount, generatePrivateKey, type PrivateKeyAccount } from 'viem/accounts';
import { sql } from 'kysely';
import { ActiveOrderBookImpl } from '../../src/auction/book.js';
import { InProcessBus } from '../../src/bus/in-process.js';
import { DEVNET_DEFAULT_FACTORY, loadConfig, type Config } from '../../src/config.js';
import { CANCEL_TYPES, orderDomain, orderTypedData } from '../../src/domain/eip712.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import { orderToWire, type Hex, type Order, type WireOrder } from '../../src/domain/order.js';
import type { SupportedChains } from '../../src/domain/validate-order.js';
import { createLogger } from '../../src/observability/logger.js';
import { HealthRegistry, type HealthResult } from '../../src/observability/health.js';
import { createMetrics, type RelayerMetrics } from '../../src/observability/metrics.js';
import type { MakerFundsCheck } from '../../src/orders/ports.js';
import { OrderService } from '../../src/orders/service.js';
import { buildHttpApp, type HttpApp } from '../../src/api/http/app.js';
import type { PublicActionsSource } from '../../src/api/http/routes/public-actions.js';
import { storeOn } from '../../src/store/index.js';
import type { EscrowRepository } from '../../src/store/escrows-repo.js';
import type { OrderRepositoryImpl } from '../../src/store/orders-repo.js';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import { dstDeadlines, srcDeadlines } from '../../src/domain/timelocks.js';
import { SettlementCoordinator } from '../../src/settlement/coordinator.js';
import { SecretGate } from '../../src/settlement/secret-gate.js';
import type { ChainStateRepository } from '../../src/store/chain-state-repo.js';
import { SettlementRepository } from '../../src/store/settlement-repo.js';
import { dstEscrowEvent, srcEscrowEvent } from '../settlement/support.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { randomBytes } from 'node:crypto';

export const CHAIN_ID = 31337;
export const FACTORY: Hex = DEVNET_DEFAULT_FACTORY;
export const RECEIVER = 'addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae';
export const SUPPORTED: SupportedChains = { evm: { [String(CHAIN_ID)]: { factory: FACTORY } }, cardano: ['cardano:devnet'] };

export interface Harness {
  app: HttpApp;
  pg: TestPostgres;
  repo: OrderRepositoryImpl;
  escrows: EscrowRepository;
  chainState: ChainStateRepository;
  bus: InProcessBus;
  book: ActiveOrderBookImpl;
  orders: OrderService;
  metrics: RelayerMetrics;
  health: HealthRegistry;
  config: Config;
  /** Unix seconds the whole stack sees; tests move it. */
  clock: { now: number };
  /** Stores a chain event as a monitor would (observed, and final unless `final: false`). */
  putChainEvent(e: ChainEvent, opts?: { final?: boolean }): Promise<void>;
  /** One pass of the real settlement coordinator over the stored chain events, at `clock.now`. */
  settle(): Promise<void>;
  /** Rows in orders and order_events: what "changes nothing" is checked against. */
  counts(): Promise<{ orders: number; events: number }>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    env?: Record<string, string>;
    makerFunds?: MakerFundsCheck;
    storeCheck?: () => HealthResult;
    /** Receives every log line (JSON text) at info level; silent otherwise. */
    logLines?: string[];
    /** Serves GET /api/public-actions. */
    publicActions?: PublicActionsSource;
  } = {},
): Promise<Harness> {
  const pg = await withPostgres();
  const clock = { now: Math.floor(Date.now() / 1000) };
  const now = () => clock.now;
  const store = storeOn(pg.database);
  const repo = store.orders;
  const escrows = store.escrows;
  const bus = new InProcessBus();
  const lines = opts.logLines;
  const logger = lines
    ? createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
    : createLogger({ level: 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const health = new HealthRegistry(1_000);
  health.register(
    'store',
    opts.storeCheck ??
      (async () => {
        await pg.database.ping();
        return { status: 'up' as const };
      }),
    { required: true },
  );
  const book = new ActiveOrderBookImpl({ repo, bus, logger, clock: now });
  await book.start();
  const config = loadConfig({ EVM_CHAIN_ID: String(CHAIN_ID), ...opts.env });
  const settlement = new SettlementRepository(pg.database.db, store.chainState, escrows);
  const orders = new OrderService({
    repo,
    bus,
    clock: now,
    supportedChains: SUPPORTED,
    escrows,
    book,
    logger,
    metrics,
    ...(opts.makerFunds ? { makerFunds: opts.makerFunds } : {}),
    // The real gate, as main.ts wires it: a reveal is judged from the stored chain events, in the reveal's transaction.
    secretGate: new SecretGate(config.settlement),
  });
  const app = await buildHttpApp({ config, evm: config.evm, orders, health, metrics, logger, ...(opts.publicActions ? { publicActions: opts.publicActions } : {}) });
  await app.ready();
  const counts = async () => {
    const r = await sql<{ orders: string; events: string }>`
      select (select count(*) from orders)::text as orders, (select count(*) from order_events)::text as events`.execute(pg.database.db);
    return { orders: Number(r.rows[0]!.orders), events: Number(r.rows[0]!.events) };
  };
  return {
    app,
    pg,
    repo,
    escrows,
    chainState: store.chainState,
    bus,
    book,
    orders,
    metrics,
    health,
    config,
    clock,
    counts,
    putChainEvent: async (e, o = {}) => {
      await store.chainState.apply({
        chain: e.chain,
        cursor: { height: e.blockNumber, hash: e.blockHash },
        observed: [e],
        ...(o.final === false ? {} : { finalized: [e.id] }),
      });
    },
    settle: async () => {
      await new SettlementCoordinator({ store: settlement, orders: repo, bus, clock: now, policy: config.settlement, logger }).drain();
    },
    close: async () => {
      await app.close();
      await book.stop();
      await bus.stop();
      await pg.drop();
    },
  };
}

export interface Maker {
  account: PrivateKeyAccount;
  address: Hex;
}

export function newMaker(): Maker {
  const account = privateKeyToAccount(generatePrivateKey());
  return { account, address: account.address };
}

export function newSecret(): Hex {
  return `0x${randomBytes(32).toString('hex')}`;
}

/** A valid EVM → Cardano devnet order of `maker`, starting at `now`. */
export function makeOrder(maker: Maker, now: number, over: Partial<Order> = {}): Order {
  return {
    srcChain: String(CHAIN_ID),
    dstChain: 'cardano:devnet',
    maker: maker.address,
    receiver: RECEIVER,
    makerAsset: '0x0000000000000000000000000000000000000000',
    makingAmount: 1_000_000_000_000_000_000n,
    takerAsset: 'lovelace',
    auction: { startTime: now, duration: 180, startAmount: 2_000_000_000n, endAmount: 1_900_000_000n, points: [] },
    hashlock: hashlockOf(newSecret()),
    timelocks: {
      srcWithdrawal: 36,
      srcPublicWithdrawal: 336,
      srcCancellation: 492,
      srcPublicCancellation: 612,
      dstWithdrawal: 30,
      dstPublicWithdrawal: 300,
      dstCancellation: 420,
    },
    srcSafetyDeposit: 10_000_000_000_000_000n,
    dstSafetyDeposit: 2_000_000n,
    nonce: BigInt(Math.floor(Math.random() * 1e12)),
    salt: BigInt(`0x${randomBytes(16).toString('hex')}`),
    expiry: now + 3_600,
    ...over,
  };
}

export async function signOrder(signer: Maker, order: Order, chainId = CHAIN_ID, factory: Hex = FACTORY): Promise<Hex> {
  return signer.account.signTypedData(orderTypedData(order, chainId, factory));
}

export async function signCancel(signer: Maker, orderHash: Hex, chainId = CHAIN_ID, factory: Hex = FACTORY): Promise<Hex> {
  return signer.account.signTypedData({
    domain: orderDomain(chainId, factory),
    types: CANCEL_TYPES,
    primaryType: 'Cancel',
    message: { orderHash },
  });
}

/** A signed submission body for `order`. */
export async function submission(maker: Maker, order: Order): Promise<{ order: WireOrder; signature: Hex }> {
  return { order: orderToWire(order), signature: await signOrder(maker, order) };
}

export function json<T = any>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}

/**
 * The escrows a resolver creates for `order`, as the monitors would report them: the source
 * escrow deployed at `deployedAt` (committing the auction's start amount), and the matching
 * destination escrow 10 s later. Escrow ids are derived from the order hash.
 */
export function escrowEventsFor(orderHash: Hex, order: Order, deployedAt: number): { src: EscrowCreatedEvent; dst: EscrowCreatedEvent } {
  const src = srcEscrowEvent(orderHash, order, {
    blockTime: deployedAt,
    escrow: `0x${orderHash.slice(-40)}`,
    safetyDeposit: order.srcSafetyDeposit,
    deployedAt,
    deadlines: srcDeadlines(order.timelocks, deployedAt),
    dst: { chain: order.dstChain, receiver: order.receiver, asset: order.takerAsset, amount: order.auction.startAmount, safetyDeposit: order.dstSafetyDeposit },
  });
  const dst = dstEscrowEvent(orderHash, order, {
    blockTime: deployedAt + 10,
    escrow: `${orderHash.slice(2)}#0`,
    maker: order.receiver,
    token: order.takerAsset,
    amount: order.auction.startAmount,
    safetyDeposit: order.dstSafetyDeposit,
    deployedAt: deployedAt + 10,
    deadlines: dstDeadlines(order.timelocks, deployedAt),
  });
  return { src, dst };
}

/**
 * What a resolver's fill looks like to the relayer: both escrows of `order` on chain and final
 * (deployed at the harness's now), then the real coordinator moves the order to ready_for_secret
 * once the withdrawal window is open (40 s later).
 */
export async function fillToReady(h: Harness, orderHash: Hex, order: Order): Promise<{ src: EscrowCreatedEvent; dst: EscrowCreatedEvent; deployedAt: number }> {
  const deployedAt = h.clock.now;
  const { src, dst } = escrowEventsFor(orderHash, order, deployedAt);
  await h.putChainEvent(src);
  await h.putChainEvent(dst);
  h.clock.now = deployedAt + 40;
  await h.settle();
  const status = (await h.repo.get(orderHash))?.status;
  if (status !== 'ready_for_secret') throw new Error(`fillToReady: order is ${status}, not ready_for_secret`);
  return { src, dst, deployedAt };
}
