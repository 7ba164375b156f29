/**
 * Security events: one warn line each, with a stable `security` field to alert and search on
 * (the README's "Operate it" lists them). The fields say who and where (client address, request
 * id, route), never what was presented: no key, no secret, no body.
 */
import type { Logger } from './logger.js';

export const SECURITY_EVENTS = [
  /** A resolver route or the WS `auth` op was given a missing or unknown API key. */
  'api_key_rejected',
  /** The maker's secret was refused (wrong preimage, not ready, the gate said no). */
  'secret_reveal_refused',
  /** A client passed the HTTP rate limit. */
  'rate_limited',
] as const;
export type SecurityEvent = (typeof SECURITY_EVENTS)[number];

export function logSecurityEvent(logger: Pick<Logger, 'warn'>, event: SecurityEvent, fields: Record<string, unknown>): void {
  logger.warn({ security: event, ...fields }, `security event: ${event}`);
}
