/**
 * The HTTP transport (DESIGN §8): fastify with typebox schemas, one JSON error model, request
 * ids, security headers, CORS, rate limits, request metrics and logs, OpenAPI and its docs UI.
 * Business rules live in OrderService; this module only translates HTTP to calls and back.
 * `buildHttpApp` returns the app ready but not listening (main.ts calls `listen`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { HealthRegistry } from '../../observability/health.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { RelayerError } from '../../orders/errors.js';
import type { OrderService } from '../../orders/service.js';
import { errorBody, sendError, toErrorResponse } from './errors.js';
import { ErrorSchema } from './schemas.js';
import { typeboxValidatorCompiler } from './validation.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerEscrowRoutes } from './routes/escrows.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerPublicActionRoutes, type PublicActionsSource } from './routes/public-actions.js';
import { ApiKeys } from '../api-keys.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import type { WebhookService } from '../../webhooks/service.js';

export interface HttpAppDeps {
  config: Pick<Config, 'corsOrigins' | 'rateLimit' | 'bodyLimitBytes' | 'evm'> & Partial<Pick<Config, 'apiKeys'>>;
  orders: OrderService;
  /** Serves GET /api/public-actions; the route is absent without it. */
  publicActions?: PublicActionsSource;
  /** Serves /api/webhooks; the routes are absent without it. */
  webhooks?: WebhookService;
  health: HealthRegistry;
  metrics: RelayerMetrics;
  logger: Logger;
}

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/** sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}` (swagger-ui 5's logo). */
const SWAGGER_LOGO_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/** A client's request id is reused only if it is a short, plain token (it ends up in logs). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export async function buildHttpApp(deps: HttpAppDeps): Promise<HttpApp> {
  const { config, metrics, health, orders } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request, written by the onResponse hook below (no bodies).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    // A JSON API: numbers stay numbers, strings stay strings; validation is typebox's.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;

  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorSchema);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // prom-client children per (method, route, status), so a request does not re-hash its labels.
  const series = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let s = series.get(key);
    if (s === undefined) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      s = { count: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
      series.set(key, s);
    }
    s.count.inc();
    s.duration.observe(reply.elapsedTime / 1000);
    // Route template and status only: no bodies, no query strings (they may carry keys).
    request.log.info(
      { method: request.method, route, path: request.url.split('?', 1)[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request',
    );
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorResponse(err, request);
    return sendError(reply, status, body);
  });

  await app.register(helmet, { global: true });
  await app.register(cors, {
    origin: config.corsOrigins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-request-id', 'authorization'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    errorResponseBuilder: (_request, context) =>
      new RelayerError('RATE_LIMITED', 429, `rate limit of ${context.max} requests per ${context.after} exceeded; retry after the Retry-After seconds`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Fusion relayer API',
        version: '0.1.0',
        description:
          'Cross-chain atomic swaps between Ethereum and Cardano (Fusion+-style). Amounts are base-unit decimal strings. ' +
          'Every error is `{ error: { code, message, details? } }`; see the x-error-codes of each route.',
      },
      tags: [
        { name: 'orders', description: 'order intake, queries, cancel, secret' },
        { name: 'escrows', description: 'escrows as the chain monitors saw them' },
        { name: 'ops', description: 'health, metrics, documentation' },
        { name: 'webhooks', description: 'signed HTTP notifications (API key)' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI's logo is an inline SVG with one <style> element; allow exactly that element by
    // its hash instead of 'unsafe-inline' (test/dashboard checks /docs in chromium: a new
    // swagger-ui version with another logo shows up there as a CSP error).
    transformStaticCSP: (header) => header.replace("style-src 'self' https:", `style-src 'self' https: ${SWAGGER_LOGO_STYLE_HASH}`),
    uiConfig: { url: '/openapi.json' },
  });

  app.setNotFoundHandler({ preHandler: app.rateLimit() as never }, (request, reply) =>
    sendError(reply, 404, errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?', 1)[0]}`)),
  );

  health.register(
    'intake.makerFunds',
    () =>
      orders.fundsCheckEnabled
        ? { status: 'up' }
        : { status: 'disabled', details: { reason: 'no source chain connected: intake skips the maker balance/allowance check' } },
    { required: false },
  );

  registerOrderRoutes(app, { orders, config });
  registerEscrowRoutes(app, { orders });
  registerOpsRoutes(app, { health, metrics, orders });
  registerDashboardRoutes(app);
  if (deps.webhooks) registerWebhookRoutes(app, { webhooks: deps.webhooks, apiKeys: new ApiKeys(config.apiKeys ?? []) });
  if (deps.publicActions) registerPublicActionRoutes(app, { actions: deps.publicActions, apiKeys: new ApiKeys(config.apiKeys ?? []) });
  return app;
}
