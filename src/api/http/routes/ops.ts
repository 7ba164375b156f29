/** Health probes, Prometheus metrics and the OpenAPI document. Not rate limited: probes and scrapers. */
import { Type } from 'typebox';
import type { HealthRegistry } from '../../../observability/health.js';
import type { RelayerMetrics } from '../../../observability/metrics.js';
import type { OrderService } from '../../../orders/service.js';
import type { HttpApp } from '../app.js';
import { errorBody } from '../errors.js';
import { errorResponses } from '../schemas.js';

const noRateLimit = { rateLimit: false } as const;
const healthReport = Type.Object({}, { additionalProperties: true, description: 'HealthReport: status and every check' });

type HealthReport = Awaited<ReturnType<HealthRegistry['report']>>;

const downChecks = (report: HealthReport): string[] =>
  Object.entries(report.checks)
    .filter(([, c]) => c.required && c.status === 'down')
    .map(([name]) => name);

export function registerOpsRoutes(
  app: HttpApp,
  deps: { health: HealthRegistry; metrics: RelayerMetrics; orders: OrderService },
): void {
  const { health, metrics, orders } = deps;

  app.get(
    '/health/live',
    { config: noRateLimit, schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/health/ready',
    {
      config: noRateLimit,
      schema: {
        tags: ['ops'],
        summary: 'Readiness: 200 when no required dependency is down, else 503 NOT_READY',
        response: { 200: Type.Object({ status: Type.String(), report: healthReport }), ...errorResponses(503) },
      },
    },
    async (_request, reply) => {
      const { ready, report } = await health.ready();
      if (ready) return { status: 'ready', report };
      return reply.code(503).send(errorBody('NOT_READY', `required dependencies down: ${downChecks(report).join(', ')}`, report));
    },
  );

  app.get(
    '/health',
    {
      config: noRateLimit,
      schema: {
        tags: ['ops'],
        summary: 'Deep report of every dependency; 503 NOT_READY (the report in error.details) when a required one is down',
        response: { 200: healthReport, ...errorResponses(503) },
      },
    },
    async (_request, reply) => {
      const report = await health.report();
      if (report.status !== 'down') return report;
      // Like every refusal, in the error model; the whole report rides along for operators.
      return reply.code(503).send(errorBody('NOT_READY', `required dependencies down: ${downChecks(report).join(', ')}`, report));
    },
  );

  app.get(
    '/metrics',
    { config: noRateLimit, schema: { tags: ['ops'], summary: 'Prometheus text format', produces: ['text/plain'] } },
    async (_request, reply) => {
      // The orders-by-status gauge is refreshed on scrape, so it is never staler than the scrape.
      try {
        const counts = await orders.countByStatus();
        for (const [status, n] of Object.entries(counts)) metrics.ordersByStatus.set({ status }, n);
      } catch (err) {
        reply.log.warn({ err }, 'could not refresh relayer_orders from the store');
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );

  app.get(
    '/openapi.json',
    { config: noRateLimit, schema: { tags: ['ops'], summary: 'This API as OpenAPI 3.1' } },
    async () => app.swagger(),
  );
}
