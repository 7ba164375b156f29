/**
 * An error response written straight to a socket, for the places no fastify reply exists: node's
 * HTTP parser refusing a request (api/http/client-errors.ts) and WebSocket upgrades we decline
 * (api/ws). Same JSON error model and request id as every other response, then the connection
 * is closed.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpStatusOf, type ErrorCode } from '../orders/errors.js';

/** A client's request id is reused only if it is a short, plain token (it ends up in logs and headers). */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function saneRequestId(given: unknown): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export function requestIdOf(req: IncomingMessage): string {
  return saneRequestId(req.headers['x-request-id']);
}

/** One complete HTTP/1.1 response carrying `{ error: { code, message } }`, with the code's status (ERROR_CODES). */
export function rawErrorResponse(code: ErrorCode, message: string, requestId: string): string {
  const status = httpStatusOf(code);
  const json = JSON.stringify({ error: { code, message } });
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
  if (!socket.writable) return void socket.destroy();
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(response);
}
