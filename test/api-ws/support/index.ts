/** A gateway on a free loopback port and real `ws` clients that queue what they receive. */
import { WebSocket, type ClientOptions } from 'ws';
import { InProcessBus } from '../../../src/bus/in-process.js';
import { WsGateway, type WsGatewayOptions } from '../../../src/api/ws/gateway.js';
import type { Config } from '../../../src/config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics, type RelayerMetrics } from '../../../src/observability/metrics.js';

export const API_KEY = 'resolver-key-0123456789abcdef';

export interface ServerMessage {
  type: string;
  seq: number;
  ts: number;
  data: any;
}

export function wsConfig(ws: Partial<Config['ws']> = {}): Pick<Config, 'host' | 'wsPort' | 'apiKeys' | 'ws'> {
  return {
    host: '127.0.0.1',
    wsPort: 0,
    apiKeys: [API_KEY, 'another-resolver-key-000000'],
    ws: {
      maxMessageBytes: 16 * 1024,
      maxSubscriptions: 100,
      sendBufferLimitBytes: 4 * 1024 * 1024,
      heartbeatMs: 30_000,
      maxConnections: 10_000,
      maxConnectionsPerIp: 10_000,
      ...ws,
    },
  };
}

export interface TestGateway {
  gateway: WsGateway;
  bus: InProcessBus;
  metrics: RelayerMetrics;
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(
  ws: Partial<Config['ws']> = {},
  extra: Partial<WsGatewayOptions> = {},
): Promise<TestGateway> {
  const bus = new InProcessBus();
  const metrics = createMetrics({ defaultMetrics: false });
  const gateway = new WsGateway({ config: wsConfig(ws), bus, logger: createLogger({ level: 'silent' }), metrics, ...extra });
  await gateway.start();
  return {
    gateway,
    bus,
    metrics,
    url: `ws://127.0.0.1:${gateway.port()}`,
    stop: async () => {
      await gateway.stop();
      await bus.stop();
    },
  };
}

export class TestClient {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined); // surfaced through `closed`
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static connect(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts);
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after the last one returned by next/request) that matches. */
  next(pred: (m: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
    for (; this.cursor < this.received.length; this.cursor++) {
      const m = this.received[this.cursor]!;
      if (pred(m)) {
        this.cursor++;
        return Promise.resolve(m);
      }
    }
    return new Promise((resolve) => {
      this.waiters.push({
        pred,
        resolve: (m) => {
          this.cursor = this.received.indexOf(m) + 1;
          resolve(m);
        },
      });
    });
  }

  /** Sends an op tagged with a fresh id and resolves with the answer (ack or error) carrying it. */
  async request(message: Record<string, unknown>): Promise<ServerMessage> {
    const id = `r${Math.random().toString(36).slice(2)}`;
    const answer = this.next((m) => m.data?.id === id);
    this.send({ ...message, id });
    return answer;
  }

  /**
   * Everything the server sent before it answered a ping sent now. Events are written to the
   * socket synchronously at publish, so after `await bus.publish(...)` this is a complete view.
   */
  async drain(): Promise<ServerMessage[]> {
    await this.request({ op: 'ping' });
    return this.received.filter((m) => m.type !== 'pong');
  }

  async subscribe(...channels: string[]): Promise<ServerMessage> {
    return this.request({ op: 'subscribe', channels });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (this.ws.readyState !== WebSocket.CLOSING) this.ws.close();
    await this.closed;
  }
}
