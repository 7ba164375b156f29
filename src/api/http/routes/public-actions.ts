/**
 * GET /api/public-actions: escrows anyone may now settle (architecture §6 public stages), for
 * resolvers, like Fusion+'s ready-to-execute-public-actions. API-key only: a public withdrawal
 * carries the maker's secret.
 */
import { Type } from 'typebox';
import type { PublicActionData } from '../../../domain/wire.js';
import type { ApiKeys } from '../../api-keys.js';
import { requireApiKey } from '../api-key.js';
import type { HttpApp } from '../app.js';
import { errorResponses } from '../schemas.js';

export interface PublicActionsSource {
  list(): Promise<PublicActionData[]>;
}

const PublicActionSchema = Type.Object({
  orderHash: Type.String(),
  chain: Type.String(),
  side: Type.Union([Type.Literal('src'), Type.Literal('dst')]),
  action: Type.Union([Type.Literal('withdraw'), Type.Literal('cancel')]),
  escrow: Type.String({ description: 'EVM: escrow address; Cardano: "<txHash>#<index>"' }),
  opensAt: Type.Integer({ description: 'unix seconds the window opened' }),
  closesAt: Type.Union([Type.Integer(), Type.Null()], { description: 'unix seconds it closes; null: never' }),
  secret: Type.Optional(Type.String({ description: 'the preimage (withdrawals only)' })),
  immutables: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], {
    description: 'EVM: the escrow function’s immutables, numbers as decimal strings; Cardano: null (the datum is on chain)',
  }),
});

export function registerPublicActionRoutes(app: HttpApp, deps: { actions: PublicActionsSource; apiKeys: ApiKeys }): void {
  app.get(
    '/api/public-actions',
    {
      schema: {
        tags: ['resolvers'],
        summary: 'Public withdrawals and cancellations due now (API key)',
        description: 'Send the key in x-api-key or Authorization: Bearer. Codes: UNAUTHORIZED (401).',
        response: { 200: Type.Object({ items: Type.Array(PublicActionSchema) }), ...errorResponses(401, 429) },
      },
    },
    async (request) => {
      requireApiKey(request, deps.apiKeys, 'this route needs a configured API key in the x-api-key header');
      return { items: await deps.actions.list() };
    },
  );
}

