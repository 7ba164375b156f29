/**
 * Requests node's HTTP parser rejects before fastify sees them (headers or URL over 16 KiB,
 * malformed HTTP, a request that took too long): answered on the raw socket in the same JSON
 * error model, with a request id, then the connection is closed. Node emits `clientError` for
 * these; fastify passes it to `clientErrorHandler`.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { errorBody, type ErrorBody } from './errors.js';

/** A client's request id is reused only if it is a short, plain token (it ends up in logs and headers). */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function saneRequestId(given: unknown): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The x-request-id line, if the part of the request node handed over contains a sane one. */
function requestIdIn(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return randomUUID();
  const m = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(rawPacket.subarray(0, 65_536).toString('latin1'));
  return saneRequestId(m?.[1]);
}

const PARSER_ERRORS: Record<string, { status: number; body: ErrorBody }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    body: errorBody('HEADERS_TOO_LARGE', 'the request line and headers exceed 16 KiB; send fewer or shorter headers, or a shorter URL'),
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, body: errorBody('REQUEST_TIMEOUT', 'the request was not received in time') },
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: { status: 408, body: errorBody('REQUEST_TIMEOUT', 'the request headers were not received in time') },
};
const NOT_HTTP = { status: 400, body: errorBody('BAD_REQUEST', 'the request is not valid HTTP/1.1') };

/** One complete HTTP/1.1 error response as bytes, for a socket no fastify reply exists on. */
export function rawErrorResponse(status: number, body: ErrorBody, requestId: string): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(json)}\r\n` +
    `x-request-id: ${requestId}\r\n` +
    'x-content-type-options: nosniff\r\n' +
    'cache-control: no-store\r\n' +
    'connection: close\r\n\r\n' +
    json
  );
}

/**
 * Writes `response` and closes the socket once it is flushed (or after `graceMs`, so a client
 * that keeps sending cannot hold it open). Ending, not destroying, lets the client read it.
 */
export function answerAndClose(socket: Duplex, response: string, graceMs = 2_000): void {
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(response);
}

export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    logger.debug({ code: err.code }, 'HTTP parser rejected a request');
    // Only if no response has started on this connection (as node's own handler does).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) return void socket.destroy();
    const { status, body } = PARSER_ERRORS[err.code ?? ''] ?? NOT_HTTP;
    answerAndClose(socket, rawErrorResponse(status, body, requestIdIn(err.rawPacket)));
  };
}
