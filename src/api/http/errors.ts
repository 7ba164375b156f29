/**
 * The JSON error model of every failure: `{ error: { code, message, details? } }`. Fastify's
 * own errors (router, bad JSON, wrong content type, body too large), schema failures and the
 * use-cases' RelayerErrors all end here; a 5xx never carries a stack or an internal message,
 * and no message or issue repeats more than ECHO_LIMIT characters of the client's input.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf, RelayerError, type ErrorCode } from '../../orders/errors.js';
import { boundMessage, clipInput } from './echo.js';
import { primaryFailure, type ValidationFailure } from './validation.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Issues listed per response: a 10,000-field body gets the first ones and a count. */
const MAX_ISSUES = 20;

/** Fastify's own error codes → ours, with a fixed message (theirs may quote the input); the status comes with the code. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'the body is larger than this API accepts' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the body is empty but the content type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', message: 'the body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'content-length does not match the body' },
  FST_ERR_BAD_URL: { code: 'MALFORMED_URL', message: 'the path is not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URL_TOO_LONG', message: 'a path segment is longer than any identifier of this API' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'INTERNAL_ERROR', message: 'internal error' },
};

/**
 * The code a 4xx/503 that names nothing more specific gets (a plugin's, or a bare status): the
 * generic code of each status. The statuses themselves are ERROR_CODES'.
 */
const GENERIC_CODES: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'BODY_TOO_LARGE',
  'URL_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'SHUTTING_DOWN',
];
const CODE_BY_STATUS = new Map<number, ErrorCode>(GENERIC_CODES.map((code) => [httpStatusOf(code), code]));

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

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
    const issues = failures
      .slice(0, MAX_ISSUES)
      .map((f) => ({ in: where, path: f.path ?? f.instancePath, code: f.code ?? 'VALIDATION_ERROR', message: f.message }));
    const details = failures.length > MAX_ISSUES ? { issues, omitted: failures.length - MAX_ISSUES } : { issues };
    const code = first?.code ?? 'VALIDATION_ERROR';
    const message = first ? `${where} ${first.path ?? ''}: ${first.message}` : `invalid ${where}`;
    return { status: httpStatusOf('VALIDATION_ERROR'), body: errorBody(code, message, details) };
  }
  const known = typeof e?.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  const status = known ? httpStatusOf(known.code) : (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode <= 599 ? e.statusCode : 500);
  if (status >= 500) {
    request.log.error({ err }, 'unhandled error');
    return replyOf('INTERNAL_ERROR', `internal error (request id ${request.id})`);
  }
  if (known) return { status, body: errorBody(known.code, known.message) };
  // The JSON parser's SyntaxError quotes the body; say what is wrong, not what was sent.
  if (e instanceof SyntaxError) return replyOf('MALFORMED_JSON', 'the body is not valid JSON');
  // Any other 4xx (a plugin's): the stable code of its status, its message bounded.
  return { status, body: errorBody(codeForStatus(status), boundMessage(typeof e?.message === 'string' ? e.message : 'bad request')) };
}

/** A status and error body for `code`: the status is the code's (ERROR_CODES). */
export function replyOf(code: ErrorCode, message: string, details?: unknown): { status: number; body: ErrorBody } {
  return { status: httpStatusOf(code), body: errorBody(code, message, details) };
}

/**
 * Writes an error: JSON, the request id, and nothing longer than ECHO_LIMIT from the input in
 * the message or the listed issues (the rule in echo.ts; the sources clip too).
 */
export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply
    .code(status)
    .header('x-request-id', reply.request.id)
    .type('application/json; charset=utf-8')
    .send(bounded(body));
}

export function bounded(body: ErrorBody): ErrorBody {
  const { code, message, details } = body.error;
  return errorBody(code, boundMessage(message), boundIssues(details));
}

function boundIssues(details: unknown): unknown {
  if (details === null || typeof details !== 'object' || !Array.isArray((details as { issues?: unknown }).issues)) return details;
  const issues = (details as { issues: unknown[] }).issues.map((i) => {
    if (i === null || typeof i !== 'object') return i;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(i)) out[k] = typeof v === 'string' ? (k === 'message' ? boundMessage(v) : clipInput(v)) : v;
    return out;
  });
  return { ...details, issues };
}
