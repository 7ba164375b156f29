/**
 * The resolver API key of a request: `x-api-key`, or `Authorization: Bearer <key>`. Routes that need
 * one call `requireApiKey`; the key is compared in constant time (ApiKeys) and never logged (the
 * logger redacts both headers).
 */
import type { FastifyRequest } from 'fastify';
import { RelayerError } from '../../orders/errors.js';
import type { ApiKeys } from '../api-keys.js';
import { logSecurityEvent } from './security-events.js';

export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const auth = request.headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return bearer?.[1];
}

/**
 * The request's key if it is a configured one; otherwise 401 UNAUTHORIZED with `message`, logged
 * as the security event `api_key_rejected` (reason `missing` or `unknown`; never the key).
 */
export function requireApiKey(request: FastifyRequest, keys: ApiKeys, message: string): string {
  const key = apiKeyOf(request);
  if (key === undefined || !keys.matches(key)) {
    logSecurityEvent(request, 'api_key_rejected', { reason: key === undefined ? 'missing' : 'unknown' });
    throw new RelayerError('UNAUTHORIZED', 401, message);
  }
  return key;
}
