/**
 * One WebSocket connection: its `seq`, its subscriptions, and sending with backpressure. A socket
 * whose unsent backlog passes the limit is closed (1013) instead of slowing everyone else; writes
 * are corked for the rest of the event-loop turn so a burst leaves in one writev per socket.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { CLOSE, type Frame } from './protocol.js';

/** Above this, a frame's tail is encoded once and sent as a shared continuation fragment. */
const LARGE_FRAME_CHARS = 64 * 1024;

export type DisconnectReason = 'client' | 'abnormal' | 'shutdown' | 'heartbeat_timeout' | 'slow_consumer' | 'message_too_large' | 'policy' | 'error';

/** The send-buffer limit, shared by every connection. */
export interface SendLimits {
  bufferLimitBytes: number;
  /** Size of the last full price_update (set by routing): allowed on top of the limit. */
  tickBytes: number;
}

/** What every connection shares with the others and with its owner. */
export interface ConnectionContext {
  readonly limits: SendLimits;
  readonly corks: CorkBatch;
  readonly metrics: Pick<RelayerMetrics, 'wsDisconnects'>;
  /** Called once when the server decides to close a connection: stop all delivery to it at once. */
  release(c: Connection): void;
}

export class Connection {
  seq = 0;
  /** The last event delivered here: dedupes an event for a socket on several matching channels. */
  mark = 0;
  missedPongs = 0;
  invalid = 0;
  authenticated = false;
  closing = false;
  corked = false;
  readonly channels = new Set<string>();
  private counted = false;
  private reason: DisconnectReason | null = null;

  /** `socket` is the upgraded TCP socket under `ws` (corked here; `ws` offers no cork of its own). */
  constructor(
    readonly ws: WebSocket,
    readonly socket: Duplex,
    private readonly ctx: ConnectionContext,
  ) {}

  /** Sends one framed message; false if the connection is closing. Closes it if its buffer overflows. */
  send(f: Frame): boolean {
    if (this.closing) return false;
    const { limits } = this.ctx;
    // The backlog is what the client has not read of earlier messages. One full price tick is
    // allowed on top of the limit, so a single large tick never counts as slowness by itself.
    if (this.ws.bufferedAmount > limits.bufferLimitBytes + limits.tickBytes) {
      this.close(CLOSE.TRY_AGAIN_LATER, 'slow consumer: send buffer limit exceeded', 'slow_consumer');
      return false;
    }
    if (!this.corked) this.ctx.corks.hold(this);
    if (f.tail.length < LARGE_FRAME_CHARS) {
      this.ws.send(f.head + ++this.seq + f.tail);
    } else {
      // A large message (a full price tick) goes as two fragments of one text message: the small
      // per-socket head, then the tail encoded once and shared by every socket (no copy per socket).
      f.tailBytes ??= Buffer.from(f.tail, 'utf8');
      this.ws.send(f.head + ++this.seq, { fin: false });
      this.ws.send(f.tailBytes, { fin: true });
    }
    return true;
  }

  /** Stops all delivery at once, then closes politely. */
  close(code: number, text: string, reason: DisconnectReason): void {
    if (this.closing) return;
    this.closing = true;
    this.countDisconnect(reason);
    this.ctx.release(this);
    this.ws.close(code, text);
  }

  /** Drops the connection without a close handshake (a peer that stopped answering). */
  terminate(reason: DisconnectReason): void {
    this.closing = true;
    this.countDisconnect(reason);
    this.ws.terminate();
  }

  /** Remembers why the connection failed (an error precedes its close). */
  failed(reason: DisconnectReason): void {
    this.reason ??= reason;
  }

  /** The socket has closed with `code`: counts the disconnect unless the server already did. */
  closed(code: number): void {
    // Closes the server decided were counted when decided (a slow consumer may take long to go).
    if (this.counted) return;
    this.counted = true;
    const reason = this.reason ?? (code === CLOSE.MESSAGE_TOO_BIG ? 'message_too_large' : code === 1006 ? 'abnormal' : 'client');
    this.ctx.metrics.wsDisconnects.inc({ reason });
  }

  private countDisconnect(reason: DisconnectReason): void {
    this.reason ??= reason;
    if (this.counted) return;
    this.counted = true;
    this.ctx.metrics.wsDisconnects.inc({ reason: this.reason });
  }
}

/**
 * Holds a connection's writes until the end of this event-loop turn, so a burst of events leaves
 * in one writev per socket instead of one syscall per message (the fan-out's main cost).
 */
export class CorkBatch {
  private readonly held: Connection[] = [];

  hold(c: Connection): void {
    c.socket.cork();
    c.corked = true;
    this.held.push(c);
    if (this.held.length === 1) setImmediate(this.release);
  }

  private readonly release = (): void => {
    for (const c of this.held) {
      c.corked = false;
      c.socket.uncork();
    }
    this.held.length = 0;
  };
}
