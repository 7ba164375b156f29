/**
 * Wakes the EVM source the moment the node announces a block (eth_subscribe "newHeads" over
 * WebSocket). It only ever triggers a scan — the scan itself reads everything over HTTP — so
 * a dropped socket loses nothing: the source keeps polling while this reconnects with
 * exponential backoff.
 */
import WebSocket from 'ws';

export interface NewHeadsOptions {
  url: string;
  onHead: () => void;
  onStateChange?: (connected: boolean, error?: unknown) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class NewHeadsSubscription {
  private socket: WebSocket | null = null;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(private readonly opts: NewHeadsOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => {});
      s.terminate();
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const s = new WebSocket(this.opts.url, { handshakeTimeout: 10_000 });
    this.socket = s;
    s.on('open', () => {
      s.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
    });
    s.on('message', (raw) => {
      let msg: { id?: number; result?: unknown; error?: unknown; method?: string };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (msg.id === 1) {
        if (msg.error) {
          s.close();
          return;
        }
        this.failures = 0;
        this.opts.onStateChange?.(true);
        this.opts.onHead(); // catch up on anything mined while we were away
      } else if (msg.method === 'eth_subscription') {
        this.opts.onHead();
      }
    });
    s.on('error', (err) => this.opts.onStateChange?.(false, err));
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.opts.onStateChange?.(false);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** Math.min(this.failures, 16));
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}
