/** Order routes of architecture §8: intake, queries, active book, cancel and secret. */
import { Type } from 'typebox';
import { typedDataDescriptor } from '../../../domain/eip712.js';
import type { Hex, WireOrder } from '../../../domain/order.js';
import { isOrderStatus, type OrderStatus } from '../../../domain/status.js';
import { RelayerError } from '../../../orders/errors.js';
import type { OrderFilter } from '../../../orders/ports.js';
import type { OrderService } from '../../../orders/service.js';
import type { HttpApp, HttpAppDeps } from '../app.js';
import { ActivePageCache, acceptsGzip } from '../active-cache.js';
import {
  ActivePageSchema,
  ActiveQuerySchema,
  CancelBodySchema,
  ListQuerySchema,
  OrderDetailSchema,
  OrderHashParamsSchema,
  OrderPageSchema,
  OrderViewSchema,
  ReadyForSecretQuerySchema,
  SecretBodySchema,
  StatusChangeSchema,
  SubmitBodySchema,
  SubmitResultSchema,
  errorResponses,
  type ListQuery,
} from '../schemas.js';
import { jsonSafe, orderView, timelineView } from '../views.js';
import { logSecurityEvent } from '../security-events.js';

const MAX_HASHES = 100;
const DEFAULT_LIMIT = 100;

export function registerOrderRoutes(app: HttpApp, deps: { orders: OrderService; evm: HttpAppDeps['evm'] }): void {
  const { orders } = deps;
  // A plain JSON copy: what eth_signTypedData_v4 takes (the domain module's arrays are readonly).
  const typedData = JSON.parse(JSON.stringify(typedDataDescriptor(deps.evm.chainId, deps.evm.factory))) as {
    domain: { name: string; version: string; chainId: number; verifyingContract: string };
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
  };
  const activePages = new ActivePageCache(() => orders.activeSnapshot());

  app.post(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Submit a signed order',
        description:
          'EVM-source: `{ order, signature }` (EIP-712, see /api/orders/typed-data). Cardano-source `{ order, lockedOutput }` is answered UNSUPPORTED_CHAIN_PAIR for now. ' +
          'Codes: VALIDATION_ERROR, UNKNOWN_FIELD, MALFORMED_JSON, INVALID_AMOUNT, INVALID_ADDRESS, INVALID_ASSET, INVALID_HASHLOCK, INVALID_AUCTION, ' +
          'INVALID_TIMELOCKS, INVALID_FIELD, ORDER_EXPIRED, EXPIRY_TOO_FAR, UNSUPPORTED_CHAIN_PAIR, INVALID_SIGNATURE, SIGNATURE_MISMATCH (400); ' +
          'DUPLICATE_ORDER (409); BODY_TOO_LARGE (413); UNSUPPORTED_MEDIA_TYPE (415); INSUFFICIENT_BALANCE, INSUFFICIENT_ALLOWANCE (422); RATE_LIMITED (429); FUNDS_CHECK_UNAVAILABLE (503).',
        body: SubmitBodySchema,
        response: { 201: SubmitResultSchema, ...errorResponses(400, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { order, signature, lockedOutput } = request.body;
      const result = await orders.submit({
        order: order as WireOrder,
        ...(signature !== undefined ? { signature } : {}),
        ...(lockedOutput !== undefined ? { lockedOutput } : {}),
      });
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'List orders',
        description:
          'Filters combine with AND. `hashes` looks up to 100 orders at once. Codes: INVALID_LIMIT, INVALID_CURSOR, INVALID_STATUS_FILTER, TOO_MANY_HASHES, INVALID_ORDER_HASH, UNKNOWN_FIELD (400).',
        querystring: ListQuerySchema,
        response: { 200: OrderPageSchema, ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const page = await orders.list(toFilter(request.query));
      return {
        items: page.items.map((s) => orderView(s, orders.currentAmountOf(s))),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/api/orders/typed-data',
    {
      schema: {
        tags: ['orders'],
        summary: 'EIP-712 domain and types makers sign (eth_signTypedData_v4 shape, without `message`)',
        response: {
          200: Type.Object({
            domain: Type.Object({ name: Type.String(), version: Type.String(), chainId: Type.Integer(), verifyingContract: Type.String() }),
            types: Type.Record(Type.String(), Type.Array(Type.Object({ name: Type.String(), type: Type.String() }))),
            primaryType: Type.String(),
          }),
        },
      },
    },
    async () => typedData,
  );

  app.get(
    '/api/orders/active',
    {
      schema: {
        tags: ['orders'],
        summary: 'Orders accepting fills, oldest first, each with its auction price now (`currentAmount`)',
        description: 'Served from the price ticker’s book; `version` changes on every tick. Codes: INVALID_LIMIT, INVALID_CURSOR (400).',
        querystring: ActiveQuerySchema,
        response: { 200: ActivePageSchema, ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const limit = request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit);
      const body = activePages.page(limit, request.query.cursor);
      // Already JSON bytes: fastify writes a Buffer without serializing it.
      reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (acceptsGzip(request.headers['accept-encoding'])) {
        return reply.header('content-encoding', 'gzip').send(body.gzip as never);
      }
      return reply.send(body.identity as never);
    },
  );

  app.get(
    '/api/orders/ready-for-secret',
    {
      schema: {
        tags: ['orders'],
        summary: "The maker's orders whose escrows are verified and final: reveal the secret now",
        querystring: ReadyForSecretQuerySchema,
        response: { 200: Type.Object({ items: Type.Array(OrderViewSchema) }), ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const items = await orders.readyForSecret(request.query.maker);
      return { items: items.map((s) => orderView(s, null)) };
    },
  );

  app.get(
    '/api/orders/:orderHash',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order with its status, escrows, current price (while active) and timeline',
        description: 'Codes: INVALID_ORDER_HASH (400), ORDER_NOT_FOUND (404).',
        params: OrderHashParamsSchema,
        response: { 200: OrderDetailSchema, ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => {
      const detail = await orders.get(request.params.orderHash as Hex);
      return {
        ...orderView(detail.stored, detail.currentAmount),
        escrows: detail.escrows.map((e) => jsonSafe(e) as Record<string, unknown>),
        timeline: detail.timeline.map(timelineView),
      };
    },
  );

  app.post(
    '/api/orders/:orderHash/secret',
    {
      schema: {
        tags: ['orders'],
        summary: 'The maker reveals the secret (only in ready_for_secret, only if keccak256(secret) = hashlock)',
        description: 'Codes: INVALID_SECRET (400), ORDER_NOT_FOUND (404), INVALID_STATUS, ESCROWS_NOT_READY, SECRET_WINDOW_CLOSED (409).',
        params: OrderHashParamsSchema,
        body: SecretBodySchema,
        response: { 200: StatusChangeSchema, ...errorResponses(400, 404, 409, 413, 415, 429) },
      },
      // Every refused reveal (a wrong preimage, too early, the gate's no, a malformed body) is a security event.
      onError: async (request, _reply, err) => {
        const code = err instanceof RelayerError ? (err.httpStatus < 500 ? err.code : null) : Array.isArray(err.validation) ? 'VALIDATION_ERROR' : null;
        if (code !== null) logSecurityEvent(request, 'secret_reveal_refused', { orderHash: request.params.orderHash, code });
      },
    },
    async (request) => orders.revealSecret(request.params.orderHash as Hex, request.body.secret),
  );

  app.post(
    '/api/orders/:orderHash/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: "The maker cancels an unfilled order with an EIP-712 Cancel(bytes32 orderHash) signature under the order's domain",
        description: 'Codes: INVALID_SIGNATURE (400), NOT_MAKER (403), ORDER_NOT_FOUND (404), INVALID_STATUS (409).',
        params: OrderHashParamsSchema,
        body: CancelBodySchema,
        response: { 200: StatusChangeSchema, ...errorResponses(400, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request) => orders.cancel(request.params.orderHash as Hex, { signature: request.body.signature }),
  );
}

function toFilter(q: ListQuery): OrderFilter {
  const filter: OrderFilter = { limit: q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit) };
  if (q.status !== undefined) {
    const statuses = [...new Set(q.status.split(','))];
    const unknown = statuses.filter((s) => !isOrderStatus(s));
    if (unknown.length > 0) {
      throw new RelayerError('INVALID_STATUS_FILTER', `unknown status ${unknown.join(', ')}`);
    }
    filter.status = statuses as OrderStatus[];
  }
  if (q.hashes !== undefined) {
    const hashes = [...new Set(q.hashes.split(',').map((h) => h.toLowerCase()))];
    if (hashes.length > MAX_HASHES) {
      throw new RelayerError('TOO_MANY_HASHES', `at most ${MAX_HASHES} hashes per lookup, got ${hashes.length}`);
    }
    filter.hashes = hashes as Hex[];
  }
  if (q.maker !== undefined) filter.maker = q.maker;
  if (q.srcChain !== undefined) filter.srcChain = q.srcChain;
  if (q.dstChain !== undefined) filter.dstChain = q.dstChain;
  if (q.makerAsset !== undefined) filter.makerAsset = q.makerAsset;
  if (q.takerAsset !== undefined) filter.takerAsset = q.takerAsset;
  if (q.cursor !== undefined) filter.cursor = q.cursor;
  return filter;
}
