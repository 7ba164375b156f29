/**
 * A WebSocket client of the relayer (DESIGN §9): subscribes to channels, hands every server
 * message to a listener, and reconnects with backoff, re-subscribing and re-authenticating.
 */
import WebSocket from 'ws';

export interface ServerMessage {
  type: string;
  seq: number;
  ts: string | number;
  data: Record<string, unknown>;
}

export interface RelayerSocketOptions {
  apiKey?: string;
  onMessage: (m: ServerMessage) => void;
  onState?: (state: 'open' | 'closed', detail?: string) => void;
  maxBackoffMs?: number;
}

export class RelayerSocket {
  private ws: WebSocket | null = null;
  private readonly channels = new Set<string>();
  private closed = false;
  private backoffMs = 250;
  private opened: Promise<void>;
  private resolveOpened!: () => void;

  constructor(
    private readonly url: string,
    private readonly opts: RelayerSocketOptions,
  ) {
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
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
      if (this.channels.size > 0) ws.send(JSON.stringify({ op: 'subscribe', channels: [...this.channels] }));
      this.opts.onState?.('open');
      this.resolveOpened();
    });
    ws.on('message', (raw) => {
      try {
        this.opts.onMessage(JSON.parse(raw.toString()) as ServerMessage);
      } catch {
        // Not ours to crash on; the relayer only sends JSON.
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
