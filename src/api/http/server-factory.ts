/**
 * The node server under the fastify app: plain HTTP, or HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are
 * set (the WebSocket path /ws rides on the same server, so it is then WSS).
 *
 * Every request runs inside its own context from its first byte: a server span (a child of the
 * client's `traceparent`, if it sent one) and its request id as baggage, so everything the
 * request causes — its log lines, the bus messages it publishes, the spans of the parts that
 * handle them — is tied to it. The emitters are bound to that context, so body parsing (socket
 * events) cannot lose it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { requestContext, tracer } from '../../observability/tracing.js';
import { requestIdOf } from '../raw-response.js';

export interface TlsMaterial {
  cert: Buffer | string;
  key: Buffer | string;
}

const requestIds = new WeakMap<IncomingMessage, string>();

/** The id given to a request when it arrived (fastify's genReqId), so logs and the context agree. */
export function assignedRequestId(req: IncomingMessage): string {
  return requestIds.get(req) ?? requestIdOf(req);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What fastify passes a server factory and would otherwise apply to the server it creates itself. */
interface FastifyServerOptions {
  http?: ServerOptions;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

export function serverFactory(tls: TlsMaterial | undefined): (handler: Handler, options: FastifyServerOptions) => Server {
  return (handler, options) => {
    const traced: Handler = (req, res) => {
      const reqId = requestIdOf(req);
      requestIds.set(req, reqId);
      const parent = requestContext(req.headers, reqId);
      const path = (req.url ?? '/').split('?', 1)[0]!;
      // Named by method until routing knows the route (the app's onRequest hook renames it).
      const span = tracer().startSpan(
        req.method ?? 'HTTP',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': path, 'http.request.id': reqId } },
        parent,
      );
      const ctx = trace.setSpan(parent, span);
      context.bind(ctx, req);
      context.bind(ctx, res);
      let ended = false;
      const end = (finished: boolean) => {
        if (ended) return;
        ended = true;
        span.setAttribute('http.response.status_code', res.statusCode);
        if (!finished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response was sent' });
        else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
      res.once('finish', () => end(true));
      res.once('close', () => end(res.writableFinished));
      context.with(ctx, () => handler(req, res));
    };
    // The HTTPS server is a tls.Server, not an http.Server; fastify and the WS attach use only
    // what both share (request/upgrade events, listen, address, close).
    const server = (
      tls ? createHttpsServer({ ...options.http, cert: tls.cert, key: tls.key }, traced) : createHttpServer(options.http ?? {}, traced)
    ) as Server;
    // As fastify sets them on a server it creates (lib/server.js getServerInstance).
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}

/** Reads TLS_CERT_FILE and TLS_KEY_FILE (PEM); a file that cannot be read stops the start with its name. */
export async function readTlsMaterial(files: { certFile: string; keyFile: string }): Promise<TlsMaterial> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`${what} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  return { cert: await read(files.certFile, 'TLS_CERT_FILE'), key: await read(files.keyFile, 'TLS_KEY_FILE') };
}
