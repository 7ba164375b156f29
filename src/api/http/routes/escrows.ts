/** Escrow read routes: what the chain monitors recorded, amounts as decimal strings. */
import { Type } from 'typebox';
import type { Hex } from '../../../domain/order.js';
import type { OrderService } from '../../../orders/service.js';
import type { HttpApp } from '../app.js';
import { EscrowParamsSchema, EscrowsQuerySchema, errorResponses } from '../schemas.js';
import { jsonSafe } from '../views.js';

const escrow = Type.Object({}, { additionalProperties: true, description: 'an escrow record; amounts are decimal strings' });

export function registerEscrowRoutes(app: HttpApp, deps: { orders: OrderService }): void {
  app.get(
    '/api/escrows',
    {
      schema: {
        tags: ['escrows'],
        summary: 'Escrows, optionally of one order and/or one chain',
        querystring: EscrowsQuerySchema,
        response: { 200: Type.Object({ items: Type.Array(escrow) }), ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const { orderHash, chain } = request.query;
      const items = await deps.orders.escrowsOf({
        ...(orderHash !== undefined ? { orderHash: orderHash as Hex } : {}),
        ...(chain !== undefined ? { chain } : {}),
      });
      return { items: items.map((e) => jsonSafe(e) as Record<string, unknown>) };
    },
  );

  app.get(
    '/api/escrows/:chain/:id',
    {
      schema: {
        tags: ['escrows'],
        summary: 'One escrow by chain and id (EVM: escrow address; Cardano: "<txHash>#<index>", URL-encoded)',
        description: 'Codes: ESCROW_NOT_FOUND (404).',
        params: EscrowParamsSchema,
        response: { 200: escrow, ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => jsonSafe(await deps.orders.escrow(request.params.chain, request.params.id)) as Record<string, unknown>,
  );
}
