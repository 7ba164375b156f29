/**
 * The JSON error model of every failure: `{ error: { code, message, details? } }`. Fastify's
 * own errors (bad JSON, wrong content type, body too large), schema failures and the
 * use-cases' RelayerErrors all end here; a 5xx never carries a stack or an internal message.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RelayerError } from '../../orders/errors.js';
import { primaryFailure, type ValidationFailure } from './validation.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const FASTIFY_CODES: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the body is empty but the content type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_ERROR' },
};

/** Maps any thrown error to a status and an error body. */
export function toErrorResponse(err: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (err instanceof RelayerError) {
    return { status: err.httpStatus, body: errorBody(err.code, err.message, err.details) };
  }
  const e = err as FastifyError;
  if (Array.isArray(e.validation)) {
    const failures = e.validation as unknown as ValidationFailure[];
    const where = e.validationContext ?? 'request';
    const first = primaryFailure(failures);
    const issues = failures.map((f) => ({ in: where, path: f.path ?? f.instancePath, code: f.code ?? 'VALIDATION_ERROR', message: f.message }));
    const code = first?.code ?? 'VALIDATION_ERROR';
    const message = first ? `${where} ${first.path ?? ''}: ${first.message}` : `invalid ${where}`;
    return { status: 400, body: errorBody(code, message, { issues }) };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err }, 'unhandled error');
    return { status: 500, body: errorBody('INTERNAL_ERROR', `internal error (request id ${request.id})`) };
  }
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status, body: errorBody(known.code, known.message ?? e.message) };
  if (status === 400 && e instanceof SyntaxError) return { status, body: errorBody('MALFORMED_JSON', e.message) };
  const byStatus: Record<number, string> = { 400: 'VALIDATION_ERROR', 404: 'NOT_FOUND', 413: 'BODY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };
  return { status, body: errorBody(byStatus[status] ?? 'BAD_REQUEST', e.message) };
}

export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
