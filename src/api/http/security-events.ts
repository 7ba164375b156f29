/** Security events of HTTP requests: who (ip) and where (route), logged on the request's logger (so with its reqId). */
import type { FastifyRequest } from 'fastify';
import { logSecurityEvent as log, type SecurityEvent } from '../../observability/security-events.js';

export function logSecurityEvent(request: FastifyRequest, event: SecurityEvent, fields: Record<string, unknown> = {}): void {
  log(request.log, event, { ip: request.ip, method: request.method, route: request.routeOptions.url ?? 'unmatched', ...fields });
}
