/**
 * The open connections and their lifecycle: admission (the connection limit), wiring a new
 * socket's events, the heartbeat, and closing everything on shutdown.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../observability/logger.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import type { ChannelIndex } from './channels.js';
import { Connection, CorkBatch, type ConnectionContext, type SendLimits } from './connection.js';
import { CLOSE, frame } from './protocol.js';

export interface ConnectionsOptions {
  maxConnections: number;
  heartbeatMs: number;
  limits: SendLimits;
  index: ChannelIndex<Connection>;
  logger: Logger;
  metrics: Pick<RelayerMetrics, 'wsConnections' | 'wsMessagesSent' | 'wsDisconnects'>;
  /** Every message a connection receives (the ops). */
  onMessage(c: Connection, data: RawData, isBinary: boolean): void;
}

export class Connections {
  private readonly open = new Set<Connection>();
  private readonly ctx: ConnectionContext;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ConnectionsOptions) {
    this.ctx = {
      limits: opts.limits,
      corks: new CorkBatch(),
      metrics: opts.metrics,
      release: (c) => opts.index.removeAll(c),
    };
  }

  get size(): number {
    return this.open.size;
  }

  [Symbol.iterator](): IterableIterator<Connection> {
    return this.open.values();
  }

  /** Whether one more connection fits; counts the refusal when not. */
  hasRoom(): boolean {
    if (this.open.size < this.opts.maxConnections) return true;
    this.opts.metrics.wsDisconnects.inc({ reason: 'max_connections' });
    return false;
  }

  /** Takes a socket that finished the WebSocket handshake; `socket` is its upgraded TCP socket. */
  accept(ws: WebSocket, socket: Duplex): void {
    const c = new Connection(ws, socket, this.ctx);
    this.open.add(c);
    this.opts.metrics.wsConnections.inc();
    ws.on('message', (data, isBinary) => this.opts.onMessage(c, data, isBinary));
    ws.on('pong', () => {
      c.missedPongs = 0;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      c.failed(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'message_too_large' : 'error');
      this.opts.logger.debug({ code: err.code, message: err.message }, 'WebSocket connection error');
    });
    ws.on('close', (code) => this.onClose(c, code));
  }

  private onClose(c: Connection, code: number): void {
    if (!this.open.delete(c)) return;
    this.opts.index.removeAll(c);
    this.opts.metrics.wsConnections.dec();
    c.closed(code);
  }

  startHeartbeat(): void {
    this.heartbeat ??= setInterval(() => this.beat(), this.opts.heartbeatMs);
  }

  /** A protocol ping and a `heartbeat` message to each connection; drops those that stopped answering. */
  private beat(): void {
    const heartbeat = frame('heartbeat', {});
    let sent = 0;
    for (const c of this.open) {
      // Two pings unanswered: the peer is gone or wedged; a close handshake would hang too.
      if (c.missedPongs >= 2) {
        c.terminate('heartbeat_timeout');
        continue;
      }
      c.missedPongs++;
      c.ws.ping();
      if (c.send(heartbeat)) sent++;
    }
    if (sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: 'heartbeat' }, sent);
  }

  /** Stops the heartbeat and closes every connection with 1001; terminates those still open after `graceMs`. */
  async closeAll(graceMs: number): Promise<void> {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    const closed = [...this.open].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.ws.once('close', () => resolve());
          c.close(CLOSE.GOING_AWAY, 'server shutting down', 'shutdown');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const c of this.open) c.ws.terminate();
  }
}
