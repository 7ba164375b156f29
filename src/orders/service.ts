/**
 * The order use-cases (architecture §2 `orders/`): intake, maker cancel, secret reveal and queries
 * (expiry is the settlement sweep's job). No HTTP here: callers get plain values or a
 * RelayerError with a stable code.
 * The store is the source of truth; bus messages go out only after the store committed.
 */
import type { Logger } from 'pino';
import type { ChainEventUpdate } from '../chains/events.js';
import type { ActiveOrderBook, ActiveOrderSnapshot } from '../auction/types.js';
import type { Bus, TopicMessages } from '../bus/types.js';
import { auctionAmount } from '../domain/auction.js';
import { orderHash as eip712OrderHash } from '../domain/eip712.js';
import { isSecretFor } from '../domain/hashlock.js';
import { DomainError } from '../domain/issues.js';
import { orderFromWire, orderToWire, type Hex, type Order, type WireOrder } from '../domain/order.js';
import { cancelDigest, recoverDigestSigner, recoverOrderSigner } from '../domain/signature.js';
import { allowedFrom, nextStatus, type OrderEvent } from '../domain/state-machine.js';
import type { OrderStatus } from '../domain/status.js';
import { validateOrder, type SupportedChains } from '../domain/validate-order.js';
import { crashPoint } from '../observability/crash-points.js';
import type { RelayerMetrics } from '../observability/metrics.js';
import { carrierOf, inSpan } from '../observability/tracing.js';
import { RelayerError, type ErrorCode } from './errors.js';
import type {
  EscrowQueries,
  MakerFundsCheck,
  OrderFilter,
  OrderPage,
  OrderRepository,
  StoredOrder,
  TimelineEvent,
} from './ports.js';
import { publishAfterCommit, transitionOrder, type TransitionStep } from './transition.js';

export interface OrderServiceDeps {
  repo: OrderRepository;
  bus: Bus;
  /** Unix seconds. */
  clock: () => number;
  supportedChains: SupportedChains;
  /** Balance/allowance check of the source chain; absent when no chain is connected. */
  makerFunds?: MakerFundsCheck;
  escrows?: EscrowQueries;
  /** The priced cache of active orders (the ticker's); absent, prices are computed per request. */
  book?: ActiveOrderBook;
  logger: Logger;
  metrics?: RelayerMetrics;
  /**
   * The settlement's secret gate: re-judges, when the maker reveals, that both escrows are
   * verified, final, and far enough from cancellation (architecture §1). Absent only in tests of intake.
   */
  secretGate?: {
    judge(
      stored: StoredOrder,
      chainEvents: readonly ChainEventUpdate[],
      now: number,
    ): { ok: true } | { ok: false; code: 'ESCROWS_NOT_READY' | 'SECRET_WINDOW_CLOSED'; message: string };
  };
}

export interface SubmitInput {
  order: WireOrder;
  signature?: string;
  lockedOutput?: string;
}

export interface OrderDetail {
  stored: StoredOrder;
  /** Auction price now, only while the order is active. */
  currentAmount: bigint | null;
  escrows: unknown[];
  timeline: TimelineEvent[];
}

const EMPTY_SNAPSHOT: ActiveOrderSnapshot = { at: 0, version: 0, items: [] };

export class OrderService {
  constructor(private readonly deps: OrderServiceDeps) {}

  /** Whether intake checks makers' funds on chain (for /health). */
  get fundsCheckEnabled(): boolean {
    return this.deps.makerFunds !== undefined;
  }

  async submit(input: SubmitInput): Promise<{ orderHash: Hex; status: 'active' }> {
    try {
      const result = await inSpan('order intake', {}, async (span) => {
        const r = await this.intake(input);
        span.setAttribute('order.hash', r.orderHash);
        return r;
      });
      this.deps.metrics?.ordersSubmitted.inc({ result: 'accepted' });
      return result;
    } catch (err) {
      this.deps.metrics?.ordersSubmitted.inc({ result: err instanceof RelayerError ? err.code : 'INTERNAL_ERROR' });
      throw err;
    }
  }

  private async intake(input: SubmitInput): Promise<{ orderHash: Hex; status: 'active' }> {
    const { repo, supportedChains } = this.deps;
    if (input.lockedOutput !== undefined) {
      throw new RelayerError(
        'UNSUPPORTED_CHAIN_PAIR',
        'Cardano-source orders ({ order, lockedOutput }) are not accepted yet; only EVM-source orders with a signature are',
      );
    }
    if (input.signature === undefined) {
      throw new RelayerError('VALIDATION_ERROR', 'an EVM-source order needs its EIP-712 `signature`', {
        issues: [{ path: '/signature', message: 'required' }],
      });
    }
    let order: Order;
    try {
      order = orderFromWire(input.order);
    } catch {
      // The HTTP schema guarantees the wire form; other callers get a 400, not a crash.
      throw new RelayerError('VALIDATION_ERROR', 'order is not in wire form (amounts, nonce and salt as decimal-digit strings)');
    }
    const issues = validateOrder(order, { now: this.deps.clock(), supportedChains });
    if (issues.length > 0) {
      const first = issues[0]!;
      throw new RelayerError(first.code, `${first.field}: ${first.message}`, { issues });
    }
    const { chainId, factory } = this.evmDomainOf(order);
    let hash: Hex;
    try {
      hash = eip712OrderHash(order, chainId, factory);
    } catch (err) {
      // validateOrder admits only encodable orders; this is a guard, not a path clients take.
      if (err instanceof DomainError) throw new RelayerError('VALIDATION_ERROR', `order cannot be EIP-712 encoded: ${err.message}`);
      throw err;
    }
    const signer = recoverOrderSigner(order, input.signature, chainId, factory, hash);
    if (signer === null) {
      throw new RelayerError('INVALID_SIGNATURE', 'the signature is malformed or non-canonical and recovers no address');
    }
    if (signer.toLowerCase() !== order.maker.toLowerCase()) {
      throw new RelayerError(
        'SIGNATURE_MISMATCH',
        `the signature does not recover the maker for this order on chain ${order.srcChain} (factory ${factory}); check the key, chain id and verifying contract`,
      );
    }
    if (this.deps.makerFunds) {
      let funds: Awaited<ReturnType<MakerFundsCheck['check']>>;
      try {
        funds = await this.deps.makerFunds.check(order);
      } catch (err) {
        // The chain is unreachable: a retryable refusal, never an order accepted unchecked.
        this.deps.logger.warn({ err }, 'maker funds check failed');
        throw new RelayerError('FUNDS_CHECK_UNAVAILABLE', 'could not check the maker balance and allowance on the source chain; retry later');
      }
      if (!funds.ok) throw new RelayerError(funds.code, funds.message);
    }
    // One instant for the row, its timeline entry and the `order_created` message, so every API
    // view (by hash, by maker, active, WS) reports the same createdAt.
    const createdAt = new Date();
    const inserted = await repo.insert({
      orderHash: hash,
      order,
      signature: input.signature as Hex,
      lockedOutput: null,
      event: { type: 'created' },
      createdAt,
      // The intake's trace and request id: the coordinator's transitions of this order join them.
      traceContext: carrierOf(),
    });
    if (inserted === 'duplicate') {
      throw new RelayerError('DUPLICATE_ORDER', `order ${hash} was already submitted`, { orderHash: hash });
    }
    crashPoint('order:intake');
    await this.publish('orders', {
      kind: 'created',
      data: {
        orderHash: hash,
        maker: order.maker,
        srcChain: order.srcChain,
        dstChain: order.dstChain,
        status: 'active',
        order: orderToWire(order),
        createdAt: createdAt.toISOString(),
        // Lets the active-order book add the order without reading it back from the store.
        signature: input.signature,
        lockedOutput: null,
      },
    });
    return { orderHash: hash, status: 'active' };
  }

  /** The maker's EIP-712 `Cancel(orderHash)` signature cancels an order nobody filled yet. */
  async cancel(orderHash: Hex, input: { signature: string }): Promise<{ orderHash: Hex; status: OrderStatus }> {
    const stored = await this.mustGet(orderHash);
    const { chainId, factory } = this.evmDomainOf(stored.order);
    const signer = recoverDigestSigner(cancelDigest(stored.orderHash, chainId, factory), input.signature);
    if (signer === null) {
      throw new RelayerError('INVALID_SIGNATURE', 'the signature is malformed or non-canonical and recovers no address');
    }
    if (signer.toLowerCase() !== stored.order.maker.toLowerCase()) {
      throw new RelayerError('NOT_MAKER', 'only the maker may cancel an order: the Cancel signature recovers another address');
    }
    const updated = await this.move(stored, { event: 'maker_cancelled', timeline: { type: 'cancelled', data: { by: 'maker' } } });
    return { orderHash: updated.orderHash, status: updated.status };
  }

  /**
   * The maker hands over the secret once both escrows are verified and final. This is the
   * relayer's safety gate (architecture §1): nothing but `ready_for_secret` accepts it.
   */
  async revealSecret(orderHash: Hex, secret: string): Promise<{ orderHash: Hex; status: OrderStatus }> {
    const stored = await this.mustGet(orderHash);
    if (nextStatus(stored.status, 'secret_revealed') === null) {
      throw invalidStatus(stored, 'secret_revealed');
    }
    if (!isSecretFor(secret, stored.order.hashlock)) {
      throw new RelayerError('INVALID_SECRET', 'keccak256(secret) does not equal the order hashlock');
    }
    const gate = this.deps.secretGate;
    // The move records the secret and shares it (secret_shared) once committed.
    const updated = await this.move(stored, {
      event: 'secret_revealed',
      secret: secret as Hex,
      ...(gate
        ? {
            guard: (current: StoredOrder, chainEvents: ChainEventUpdate[]) => {
              // Judged inside the transaction that records the reveal (see transitionGuarded).
              const verdict = gate.judge(current, chainEvents, this.deps.clock());
              return verdict.ok ? null : new RelayerError(verdict.code, verdict.message);
            },
          }
        : {}),
    });
    return { orderHash: updated.orderHash, status: updated.status };
  }

  async get(orderHash: Hex): Promise<OrderDetail> {
    const stored = await this.mustGet(orderHash);
    const [timeline, escrows] = await Promise.all([
      this.deps.repo.timeline(orderHash),
      this.deps.escrows ? this.deps.escrows.listByOrder(orderHash) : Promise.resolve([]),
    ]);
    return { stored, timeline, escrows, currentAmount: this.currentAmountOf(stored) };
  }

  async list(filter: OrderFilter): Promise<OrderPage> {
    try {
      return await this.deps.repo.list(filter);
    } catch (err) {
      // The store refuses a cursor it did not issue (InvalidCursorError); that is the client's error.
      if (err instanceof Error && err.name === 'InvalidCursorError') {
        throw new RelayerError('INVALID_CURSOR', 'cursor was not produced by GET /api/orders');
      }
      throw err;
    }
  }

  /** Orders of `maker` waiting for the secret (at most 500, oldest first as the store lists them). */
  async readyForSecret(maker: string): Promise<StoredOrder[]> {
    const page = await this.deps.repo.list({ status: ['ready_for_secret'], maker, limit: 500 });
    return page.items;
  }

  /** The priced active orders, from the ticker's book. */
  activeSnapshot(): ActiveOrderSnapshot {
    return this.deps.book?.snapshot() ?? EMPTY_SNAPSHOT;
  }

  currentAmountOf(stored: StoredOrder): bigint | null {
    if (stored.status !== 'active') return null;
    return this.deps.book?.priceOf(stored.orderHash) ?? auctionAmount(stored.order.auction, this.deps.clock());
  }

  countByStatus(): Promise<Record<OrderStatus, number>> {
    return this.deps.repo.countByStatus();
  }

  escrowsOf(filter: { orderHash?: Hex; chain?: string }): Promise<unknown[]> {
    return this.deps.escrows ? this.deps.escrows.list(filter) : Promise.resolve([]);
  }

  async escrow(chain: string, id: string): Promise<unknown> {
    const found = this.deps.escrows ? await this.deps.escrows.get(chain, id) : null;
    if (found === null) throw new RelayerError('ESCROW_NOT_FOUND', `no escrow ${id} on chain ${chain}`);
    return found;
  }

  private async mustGet(orderHash: Hex): Promise<StoredOrder> {
    const stored = await this.deps.repo.get(orderHash);
    if (stored === null) throw new RelayerError('ORDER_NOT_FOUND', `no order ${orderHash}`);
    return stored;
  }

  /** The EIP-712 domain of an EVM-source order: its chain id and that chain's escrow factory. */
  private evmDomainOf(order: Order): { chainId: number; factory: Hex } {
    const evm = this.deps.supportedChains.evm;
    const entry = Object.prototype.hasOwnProperty.call(evm, order.srcChain) ? evm[order.srcChain] : undefined;
    if (entry === undefined) {
      throw new RelayerError('UNSUPPORTED_CHAIN_PAIR', `source chain ${order.srcChain} is not a supported EVM chain`);
    }
    return { chainId: Number(order.srcChain), factory: entry.factory };
  }

  /** One state-machine step (transitionOrder); a move that cannot apply is the client's 409. */
  private async move(
    stored: StoredOrder,
    step: TransitionStep<RelayerError>,
  ): Promise<StoredOrder> {
    const result = await transitionOrder(this.deps, stored, step);
    switch (result.outcome) {
      case 'moved':
        return result.order;
      case 'refused':
        throw result.refusal;
      case 'illegal':
        throw invalidStatus(stored, step.event);
      case 'stale': {
        const now = await this.deps.repo.get(stored.orderHash);
        throw invalidStatus(now ?? stored, step.event);
      }
    }
  }

  private publish<T extends keyof TopicMessages>(topic: T, message: TopicMessages[T]): Promise<void> {
    return publishAfterCommit(this.deps, topic, message);
  }
}

const ACTION_OF: Partial<Record<OrderEvent, string>> = {
  maker_cancelled: 'cancel',
  secret_revealed: 'accept a secret',
  expired: 'expire',
};

function invalidStatus(stored: StoredOrder, event: OrderEvent): RelayerError {
  const allowed = allowedFrom(event);
  return new RelayerError(
    'INVALID_STATUS',
    `order is ${stored.status}; it can ${ACTION_OF[event] ?? event} only when ${allowed.join(' or ')}`,
    { status: stored.status, allowed },
  );
}
