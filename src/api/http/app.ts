/**
 * The HTTP transport (DESIGN §8): fastify with typebox schemas, one JSON error model, request
 * ids, security headers, CORS, rate limits, request metrics and logs, OpenAPI and its docs UI.
 * Business rules live in OrderService; this module only translates HTTP to calls and back.
 * `buildHttpApp` returns the app ready but not listening (main.ts calls `listen`).
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { EvmChainSettings } from '../../chains/settings.js';
import type { Config } from '../../config.js';
import type { HealthRegistry } from '../../observability/health.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { RelayerError } from '../../orders/errors.js';
import type { OrderService } from '../../orders/service.js';
import { clientErrorHandler } from './client-errors.js';
import { requestIdOf } from '../raw-response.js';
import { clipInput } from './echo.js';
import { codeForStatus, errorBody, replyOf, sendError, toErrorResponse } from './errors.js';
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
  config: Pick<Config, 'corsOrigins' | 'rateLimit' | 'bodyLimitBytes'> & Partial<Pick<Config, 'apiKeys'>>;
  /** The EVM chain followed (resolved settings, src/chains/settings.ts): the EIP-712 domain makers sign under. */
  evm: Pick<EvmChainSettings, 'chainId' | 'factory'>;
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

/** Longest path parameter (an order hash is 66, an encoded Cardano escrow id ≤ 75): longer is 414. */
const MAX_PARAM_LENGTH = 100;
/** sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}` (swagger-ui 5's logo). */
const SWAGGER_LOGO_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

export interface RouteEntry {
  method: string;
  url: string;
}
const routeTables = new WeakMap<object, RouteEntry[]>();

/** Every route the app serves (method and URL pattern), as registered: what tests enumerate. */
export function routeTableOf(app: HttpApp): readonly RouteEntry[] {
  return routeTables.get(app) ?? [];
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
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors the router raises before any route or hook (bad percent-encoding, a too-long parameter).
    frameworkErrors: (err, request, reply) => {
      const { status, body } = toErrorResponse(err, request);
      return sendError(reply, status, body);
    },
    // Requests node's parser refuses (431, malformed HTTP) are answered in the same model.
    clientErrorHandler: clientErrorHandler(deps.logger),
    // Our own 503 while closing (fastify's is not in the error model): see the preClose hook.
    return503OnClosing: false,
    // Node would answer a Host-less HTTP/1.1 request with a bare 400 of its own; the onRequest hook does it in our model.
    http: { requireHostHeader: false },
    // A JSON API: numbers stay numbers, strings stay strings; validation is typebox's.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;

  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const allowedMethods = methodsByPath(routes);

  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorSchema);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw new RelayerError('SHUTTING_DOWN', 'the relayer is shutting down; retry on another instance');
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new RelayerError('BAD_REQUEST', 'an HTTP/1.1 request needs a Host header');
    }
  });
  // The net under every plugin that answers on its own (CORS preflight, static files): an error
  // status always leaves as our JSON error model, never as text or HTML.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || /^application\/json/.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    const preflight = request.method === 'OPTIONS' && reply.statusCode === 400;
    const body = preflight
      ? errorBody('INVALID_PREFLIGHT', 'OPTIONS is answered only as a CORS preflight: send Origin and Access-Control-Request-Method')
      : errorBody(codeForStatus(reply.statusCode), `request refused (status ${reply.statusCode})`);
    reply.removeHeader('content-length');
    reply.type('application/json; charset=utf-8');
    return JSON.stringify(body);
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
      { method: request.method, route, path: clipInput(request.url.split('?', 1)[0] ?? ''), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
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
      new RelayerError('RATE_LIMITED', `rate limit of ${context.max} requests per ${context.after} exceeded; retry after the Retry-After seconds`),
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

  app.setNotFoundHandler({ preHandler: app.rateLimit() as never }, (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allow = allowedMethods(path);
    if (allow.length > 0) {
      reply.header('allow', allow.join(', '));
      const { status, body } = replyOf('METHOD_NOT_ALLOWED', `${request.method} is not served on this path; allowed: ${allow.join(', ')}`);
      return sendError(reply, status, body);
    }
    const { status, body } = replyOf('NOT_FOUND', `no route ${request.method} ${clipInput(path)}`);
    return sendError(reply, status, body);
  });

  health.register(
    'intake.makerFunds',
    () =>
      orders.fundsCheckEnabled
        ? { status: 'up' }
        : { status: 'disabled', details: { reason: 'no source chain connected: intake skips the maker balance/allowance check' } },
    { required: false },
  );

  registerOrderRoutes(app, { orders, evm: deps.evm });
  registerEscrowRoutes(app, { orders });
  registerOpsRoutes(app, { health, metrics, orders });
  registerDashboardRoutes(app);
  if (deps.webhooks) registerWebhookRoutes(app, { webhooks: deps.webhooks, apiKeys: new ApiKeys(config.apiKeys ?? []) });
  if (deps.publicActions) registerPublicActionRoutes(app, { actions: deps.publicActions, apiKeys: new ApiKeys(config.apiKeys ?? []) });
  return app;
}

/**
 * The methods other routes serve on a concrete path (a 405's Allow header). The CORS plugin's
 * catch-all OPTIONS route is left out: it matches every path.
 */
function methodsByPath(routes: readonly RouteEntry[]): (path: string) => string[] {
  let compiled: { method: string; re: RegExp }[] | null = null;
  return (path) => {
    compiled ??= routes
      .filter((r) => !(r.method === 'OPTIONS' && r.url === '*'))
      .map((r) => ({ method: r.method, re: patternOf(r.url) }));
    return [...new Set(compiled.filter((r) => r.re.test(path)).map((r) => r.method))];
  };
}

function patternOf(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*/g, '.*')))
    .join('/');
  return new RegExp(`^${body}$`);
}
