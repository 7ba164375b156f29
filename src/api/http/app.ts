/**
 * The HTTP transport (architecture §8): fastify with typebox schemas, one JSON error model, request
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
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import type { EvmChainSettings } from '../../chains/settings.js';
import type { Config } from '../../config.js';
import type { HealthRegistry } from '../../observability/health.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { RelayerError } from '../../orders/errors.js';
import type { OrderService } from '../../orders/service.js';
import { trace } from '@opentelemetry/api';
import { activeRequestId } from '../../observability/tracing.js';
import { clientErrorHandler } from './client-errors.js';
import { assignedRequestId, serverFactory, type TlsMaterial } from './server-factory.js';
import { logSecurityEvent } from './security-events.js';
import { clipInput } from './echo.js';
import { codeForStatus, errorBody, replyOf, sendError, toErrorResponse } from './errors.js';
import { ErrorSchema } from './schemas.js';
import { typeboxValidatorCompiler } from './validation.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerEscrowRoutes } from './routes/escrows.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerPublicActionRoutes, type PublicActionsSource } from './routes/public-actions.js';
import { ApiKeys } from '../api-keys.js';
import { apiKeyOf } from './api-key.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import type { WebhookService } from '../../webhooks/service.js';

export interface HttpAppDeps {
  config: Pick<Config, 'corsOrigins' | 'rateLimit' | 'bodyLimitBytes'> & Partial<Pick<Config, 'apiKeys' | 'trustProxy'>>;
  /** The EVM chain followed (resolved settings, src/chains/settings.ts): the EIP-712 domain makers sign under. */
  evm: Pick<EvmChainSettings, 'chainId' | 'factory'>;
  /**
   * Shared rate-limit counters (ioredis), so the limits hold across instances; `prefix` keeps
   * deployments sharing one Redis apart. Without it each instance counts on its own.
   */
  rateLimitStore?: { redis: Redis; prefix: string };
  orders: OrderService;
  /** Serves GET /api/public-actions; the route is absent without it. */
  publicActions?: PublicActionsSource;
  /** Serves /api/webhooks; the routes are absent without it. */
  webhooks?: WebhookService;
  /** The resolver keys (shared with the WS gateway, replaced on SIGHUP); default: config.apiKeys. */
  apiKeys?: ApiKeys;
  /** Serve HTTPS (and WSS on /ws) with this certificate and key. */
  tls?: TlsMaterial;
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
    // HTTP or HTTPS, each request in its own trace context from its first byte (server-factory.ts).
    serverFactory: serverFactory(deps.tls) as never,
    genReqId: assignedRequestId,
    // The logger's mixin already writes the reqId of the request's context: don't bind it twice.
    childLoggerFactory: (logger, bindings, opts) =>
      logger.child(activeRequestId() === bindings.reqId ? {} : bindings, opts),
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
    // request.ip (rate limits, logs): X-Forwarded-For only from the proxies TRUST_PROXY names.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : (config.trustProxy ?? false),
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
    const route = request.routeOptions.url;
    if (route !== undefined) trace.getActiveSpan()?.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
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
    // DELETE: a browser client removes its webhooks; x-api-key: the resolver routes' key header.
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-request-id', 'authorization', 'x-api-key'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  // Resolvers are counted per API key (a configured one: a made-up key is just another
  // anonymous client), everyone else per client address. Keys are hashed before they reach Redis.
  // The one key set of the resolver routes (shared with the WS gateway, replaced on SIGHUP).
  const apiKeys = deps.apiKeys ?? new ApiKeys(config.apiKeys ?? []);
  await app.register(rateLimit, {
    global: true,
    keyGenerator: (request) => {
      const key = apiKeyOf(request);
      if (key !== undefined && apiKeys.matches(key)) return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
      return `ip:${request.ip}`;
    },
    max: async (_request, key) => (key.startsWith('key:') ? config.rateLimit.keyMax : config.rateLimit.max),
    timeWindow: config.rateLimit.windowMs,
    onExceeded: (request) => logSecurityEvent(request, 'rate_limited', { limit: config.rateLimit.max, windowMs: config.rateLimit.windowMs }),
    ...(deps.rateLimitStore
      ? {
          redis: deps.rateLimitStore.redis,
          nameSpace: `${deps.rateLimitStore.prefix}ratelimit:`,
          // Redis down: serve (unlimited) rather than refuse everyone; /health reports Redis down.
          skipOnError: true,
        }
      : {}),
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
  if (deps.webhooks) registerWebhookRoutes(app, { webhooks: deps.webhooks, apiKeys });
  if (deps.publicActions) registerPublicActionRoutes(app, { actions: deps.publicActions, apiKeys });
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

/** fastify's trustProxy as a hop count: the nearest `hops` proxies are believed. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
