/**
 * Where connections come from: the gateway's own port (plain HTTP there is answered 426) and the
 * `/ws` path of servers given to attach(). Every upgrade passes `admit` before the handshake;
 * refused ones, and malformed handshakes, are answered in the API's JSON error model.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerAndClose, rawErrorResponse, requestIdOf } from '../raw-response.js';

export interface WsServerOptions {
  maxMessageBytes: number;
  /** Own port speaks WSS (TLS) with this certificate and key. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Null when an upgrade may proceed now (running, below the connection limit), else why not. */
  admit(): Refusal | null;
  /**
   * A slot for this client (the per-address limit), asked after `admit`: its release, called once
   * when the TCP socket closes (whether or not the handshake completed), or a refusal.
   */
  claim?(req: IncomingMessage): Promise<{ release: () => void } | Refusal>;
  /** A finished handshake; `socket` is the upgraded TCP socket under `ws`. */
  onConnection(ws: WebSocket, socket: Duplex): void;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class WsServer {
  private readonly wss: WebSocketServer;
  private readonly attached: { server: Server; listener: UpgradeListener }[] = [];
  private server: Server | null = null;

  constructor(private readonly opts: WsServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes,
      clientTracking: false,
      perMessageDeflate: false,
    });
    // A malformed handshake (no Sec-WebSocket-Key, wrong version, not GET) is answered in the
    // API's JSON error model instead of ws's plain-text abort.
    this.wss.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
      if (err.message === 'Invalid HTTP method') return refuse(socket, req, 405, 'METHOD_NOT_ALLOWED', 'a WebSocket handshake is a GET');
      refuse(socket, req, 400, 'BAD_HANDSHAKE', 'not a valid WebSocket handshake (RFC 6455 §4.2.1)');
    });
  }

  /** Listens on its own port (TLS when configured); plain HTTP requests there get 426. */
  async listen(port: number, host: string): Promise<void> {
    const onRequest: RequestListener = (_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end(JSON.stringify({ error: { code: 'UPGRADE_REQUIRED', message: 'this port speaks WebSocket only' } }));
    };
    const { tls } = this.opts;
    // An https.Server is a tls.Server; only what it shares with http.Server is used here.
    const server = tls ? (createTlsServer({ cert: tls.cert, key: tls.key }, onRequest) as unknown as Server) : createServer(onRequest);
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Takes the upgrades of `server` on `path`. */
  attach(server: Server, path: string): void {
    const listener: UpgradeListener = (req, socket, head) => {
      if (pathOf(req) === path) {
        this.upgrade(req, socket, head);
      } else if (server.listeners('upgrade').length === 1) {
        // Nobody else handles upgrades on this server: answer instead of leaving it hanging.
        refuse(socket, req, 404, 'NOT_FOUND', 'no WebSocket endpoint on this path; use /ws');
      }
    };
    server.on('upgrade', listener);
    this.attached.push({ server, listener });
  }

  /** Stops taking upgrades from attached servers (it does not close them). */
  detachAll(): void {
    for (const { server, listener } of this.attached.splice(0)) server.off('upgrade', listener);
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** The port of its own server (useful with port 0), or null when not listening. */
  port(): number | null {
    const addr = this.server?.address();
    return addr !== null && typeof addr === 'object' ? (addr as AddressInfo).port : null;
  }

  /** Closes the WebSocket server and its own port (with every connection still on it). */
  async close(): Promise<void> {
    this.wss.close();
    const server = this.server;
    if (server === null) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.opts.admit();
    if (refusal !== null) return refuse(socket, req, refusal.status, refusal.code, refusal.message);
    const claim = this.opts.claim;
    if (claim === undefined) return this.handshake(req, socket, head);
    claim(req).then(
      (slot) => {
        if ('status' in slot) return refuse(socket, req, slot.status, slot.code, slot.message);
        if (socket.destroyed) return slot.release();
        socket.once('close', slot.release);
        this.handshake(req, socket, head);
      },
      () => refuse(socket, req, 503, 'SERVICE_UNAVAILABLE', 'the connection limit cannot be checked right now; retry'),
    );
  }

  private handshake(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.opts.onConnection(ws, socket));
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Answers an upgrade we will not accept in the API's JSON error model (with a request id), then closes the socket. */
function refuse(socket: Duplex, req: IncomingMessage, status: number, code: string, message: string): void {
  answerAndClose(socket, rawErrorResponse(status, code, message, requestIdOf(req)));
}
