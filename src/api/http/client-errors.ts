/**
 * Requests node's HTTP parser rejects before fastify sees them (headers or URL over 16 KiB,
 * malformed HTTP, a request that took too long): answered on the raw socket in the same JSON
 * error model, with a request id, then the connection is closed. Node emits `clientError` for
 * these; fastify passes it to `clientErrorHandler`.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ErrorCode } from '../../orders/errors.js';
import { answerAndClose, rawErrorResponse, saneRequestId } from '../raw-response.js';

/** The x-request-id line, if the part of the request node handed over contains a sane one. */
function requestIdIn(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return randomUUID();
  const m = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(rawPacket.subarray(0, 65_536).toString('latin1'));
  return saneRequestId(m?.[1]);
}

/** Node's parser error codes → ours (the status comes with the code, from ERROR_CODES). */
const PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers exceed 16 KiB; send fewer or shorter headers, or a shorter URL',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time' },
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'the request headers were not received in time' },
};
const NOT_HTTP = { code: 'BAD_REQUEST', message: 'the request is not valid HTTP/1.1' } as const;

export function clientErrorHandler(logger: Logger) {
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    logger.debug({ code: err.code }, 'HTTP parser rejected a request');
    // Only if no response has started on this connection (as node's own handler does).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inFlight?.headersSent) return void socket.destroy();
    const { code, message } = PARSER_ERRORS[err.code ?? ''] ?? NOT_HTTP;
    answerAndClose(socket, rawErrorResponse(code, message, requestIdIn(err.rawPacket)));
  };
}
