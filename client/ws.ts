/**
 * A WebSocket client of the relayer (architecture §9): subscribes to channels, hands every server
 * message to a listener, and reconnects with backoff, re-subscribing and re-authenticating.
 *
 * Resuming: order, escrow and secret events carry an `eventId`. The client remembers the last
 * one and re-subscribes after a reconnect with `since`, so the relayer (any instance) replays
 * what it missed, in order, each once. If the relayer no longer has those events
 * (`SINCE_EXPIRED`), `onGap` is called and the client subscribes afresh: re-read the state over REST.
 */
import WebSocket from 'ws';

export interface ServerMessage {
  type: string;
  seq: number;
  ts: string | number;
  data: Record<string, unknown>;
  /** Stream event id (decimal string) of order, escrow and secret events: what `since` resumes from. */
  eventId?: string;
}

export interface RelayerSocketOptions {
  apiKey?: string;
  onMessage: (m: ServerMessage) => void;
  onState?: (state: 'open' | 'closed', detail?: string) => void;
  maxBackoffMs?: number;
  /** Resume after this event id on the first connection too (e.g. one saved across restarts). */
  since?: string;
  /** The relayer could not replay what was missed (too old): state must be re-read over REST. */
  onGap?: (detail: string) => void;
}

export class RelayerSocket {
  private ws: WebSocket | null = null;
  private readonly channels = new Set<string>();
  private closed = false;
  private backoffMs = 250;
  private opened: Promise<void>;
  private resolveOpened!: () => void;
  private lastEventId: string | undefined;

  constructor(
    private readonly url: string,
    private readonly opts: RelayerSocketOptions,
  ) {
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
    this.lastEventId = opts.since;
    this.connect();
  }

  /** Resolves once the first connection is open. */
  ready(): Promise<void> {
    return this.opened;
  }

  subscribe(...channels: string[]): void {
    for (const c of channels) this.channels.add(c);
    this.send({ op: 'subscribe', channels });
  }

  /** The last stream event id received (what the next reconnect resumes from). */
  lastEvent(): string | undefined {
    return this.lastEventId;
  }

  private subscribeAll(ws: WebSocket): void {
    if (this.channels.size === 0) return;
    const since = this.lastEventId;
    ws.send(JSON.stringify({ op: 'subscribe', channels: [...this.channels], ...(since !== undefined ? { since } : {}) }));
  }

  unsubscribe(...channels: string[]): void {
    for (const c of channels) this.channels.delete(c);
    this.send({ op: 'unsubscribe', channels });
  }

  close(): void {
    this.closed = true;
    this.ws?.close(1000);
  }

  private send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('open', () => {
      this.backoffMs = 250;
      if (this.opts.apiKey) ws.send(JSON.stringify({ op: 'auth', apiKey: this.opts.apiKey }));
      this.subscribeAll(ws);
      this.opts.onState?.('open');
      this.resolveOpened();
    });
    ws.on('message', (raw) => {
      let m: ServerMessage;
      try {
        m = JSON.parse(raw.toString()) as ServerMessage;
      } catch {
        return; // Not ours to crash on; the relayer only sends JSON.
      }
      if (m.type === 'error' && (m.data.code === 'SINCE_EXPIRED' || m.data.code === 'INVALID_SINCE')) {
        // What was missed cannot be replayed: start afresh and tell the owner to re-read state.
        this.lastEventId = undefined;
        this.opts.onGap?.(String(m.data.message));
        this.subscribeAll(ws);
      }
      if (typeof m.eventId === 'string') this.lastEventId = m.eventId;
      try {
        this.opts.onMessage(m);
      } catch {
        // A listener's bug must not take the connection down.
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      this.opts.onState?.('closed', `${code} ${reason.toString()}`);
      if (this.closed) return;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 10_000);
      setTimeout(() => this.connect(), wait).unref();
    });
  }
}
