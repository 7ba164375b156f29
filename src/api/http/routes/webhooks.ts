/**
 * Webhooks (issue 14), API key only: POST/GET /api/webhooks, DELETE /api/webhooks/:id,
 * GET /api/webhooks/:id/deliveries. A key sees and deletes only its own webhooks.
 */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { StoredDelivery, StoredWebhook } from '../../../webhooks/ports.js';
import { WEBHOOK_EVENTS } from '../../../webhooks/events.js';
import { ownerOf, type WebhookService } from '../../../webhooks/service.js';
import type { ApiKeys } from '../../api-keys.js';
import { requireApiKey } from '../api-key.js';
import type { HttpApp } from '../app.js';
import { errorResponses } from '../schemas.js';

const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  maker: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const CreateSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL of a public host' }),
    events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, maxItems: WEBHOOK_EVENTS.length }),
    maker: Type.Optional(
      Type.String({ pattern: '^(0x[0-9a-fA-F]{40}|addr(_test)?1[02-9ac-hj-np-z]{20,200})$', description: "only this maker's order events" }),
    ),
  },
  { additionalProperties: false },
);

const DeliverySchema = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.String({ description: 'pending | delivered | dead' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
});

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, { additionalProperties: false });

const view = (w: StoredWebhook) => ({ id: w.id, url: w.url, events: w.events, maker: w.maker, createdAt: w.createdAt.toISOString() });
const deliveryView = (d: StoredDelivery) => ({
  ...d,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

export function registerWebhookRoutes(app: HttpApp, deps: { webhooks: WebhookService; apiKeys: ApiKeys }): void {
  const owner = (request: FastifyRequest): string => {
    // Only the key's digest is stored as the owner; the key itself is never logged or echoed.
    return ownerOf(requireApiKey(request, deps.apiKeys, 'webhooks need a configured API key in the x-api-key header'));
  };
  const description = 'API key in x-api-key or Authorization: Bearer. See src/webhooks/README.md for signatures and retries.';

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook; the answer holds its signing secret (shown once)',
        description: `${description} Codes: INVALID_WEBHOOK_URL, WEBHOOK_TARGET_FORBIDDEN (400), UNAUTHORIZED (401), WEBHOOK_LIMIT_REACHED (409).`,
        body: CreateSchema,
        response: { 201: Type.Intersect([WebhookSchema, Type.Object({ secret: Type.String() })]), ...errorResponses(400, 401, 409, 429) },
      },
    },
    async (request, reply) => {
      const who = owner(request);
      const created = await deps.webhooks.register(who, request.body);
      return reply.code(201).send({ ...view(created), secret: created.secret });
    },
  );

  app.get(
    '/api/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: "This API key's webhooks (never their secrets)",
        description,
        response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }), ...errorResponses(401, 429) },
      },
    },
    async (request) => ({ items: (await deps.webhooks.list(owner(request))).map(view) }),
  );

  app.delete(
    '/api/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook and its delivery log',
        description: `${description} Codes: WEBHOOK_NOT_FOUND (404).`,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }), ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      await deps.webhooks.delete(owner(request), request.params.id);
      return { id: request.params.id, deleted: true };
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of a webhook, newest first (attempts, last status and error, dead-letters)',
        description: `${description} Codes: WEBHOOK_NOT_FOUND (404).`,
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DeliverySchema) }), ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const limit = Math.min(500, Number(request.query.limit ?? '100'));
      return { items: (await deps.webhooks.deliveries(owner(request), request.params.id, limit)).map(deliveryView) };
    },
  );
}

