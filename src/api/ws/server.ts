/**
 * Where connections come from: the gateway's own port (plain HTTP there is answered 426) and the
 * `/ws` path of servers given to attach(). Every upgrade passes `admit` before the handshake;
 * refused ones get a plain HTTP status.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsServerOptions {
  maxMessageBytes: number;
  /** Whether an upgrade may proceed now (running, and below the connection limit). */
  admit(): boolean;
  /** A finished handshake; `socket` is the upgraded TCP socket under `ws`. */
  onConnection(ws: WebSocket, socket: Duplex): void;
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
  }

  /** Listens on its own port; plain HTTP requests there get 426. */
  async listen(port: number, host: string): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end(JSON.stringify({ error: { code: 'UPGRADE_REQUIRED', message: 'this port speaks WebSocket only' } }));
    });
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
        refuse(socket, 404, 'Not Found');
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
    if (!this.opts.admit()) return refuse(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.opts.onConnection(ws, socket));
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Answers an upgrade we will not accept with a plain HTTP status, then closes the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.on('error', () => undefined);
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
