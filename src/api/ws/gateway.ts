/**
 * The WebSocket gateway (architecture §9): the facade that wires the parts and owns start/stop.
 * server.ts: where connections come from (own port, attach()); connections.ts / connection.ts:
 * lifecycle, heartbeat, seq and sending with backpressure; ops.ts: what clients ask;
 * channels.ts: who is on which channel; routing.ts: bus events → channel messages.
 */
import type { IncomingMessage, Server } from 'node:http';
import { clientAddressOf } from '../client-address.js';
import { LocalConnectionQuota, type ConnectionQuota } from './ip-quota.js';
import type { Bus, Unsubscribe } from '../../bus/types.js';
import type { Config } from '../../config.js';
import type { HealthResult } from '../../observability/health.js';
import type { Logger } from '../../observability/logger.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { ApiKeys } from '../api-keys.js';
import { ChannelIndex } from './channels.js';
import type { Connection, SendLimits } from './connection.js';
import { Connections } from './connections.js';
import { Ops } from './ops.js';
import { CLOSE } from './protocol.js';
import { Routing } from './routing.js';
import { WsServer } from './server.js';
import { StreamTail } from './stream.js';
import type { EventStreamSource } from './ports.js';

export interface WsGatewayOptions {
  config: Pick<Config, 'host' | 'wsPort' | 'apiKeys' | 'ws'>;
  /** The resolver keys (shared with HTTP, replaced on SIGHUP); default: config.apiKeys. */
  apiKeys?: ApiKeys;
  /** Serve WSS on its own port with this certificate and key. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  bus: Bus;
  logger: Logger;
  metrics: Pick<RelayerMetrics, 'wsConnections' | 'wsMessagesSent' | 'wsMessagesReceived' | 'wsDisconnects'>;
  /** Listen on config.wsPort (default). false: serve only the servers given to attach(). */
  listen?: boolean;
  /** Invalid messages tolerated on one connection before it is closed with 1008. */
  maxInvalidMessages?: number;
  /**
   * The stored event stream: order, escrow and secret events then come from it, numbered
   * (`eventId`), and `subscribe` may resume with `since`. Without it they come from the bus.
   */
  stream?: { source: EventStreamSource; pollMs?: number };
  /** Connections per client address (default: counted in this process, `ws.maxConnectionsPerIp`). */
  quota?: ConnectionQuota;
  /** The client address of an upgrade (default: the socket's peer; see src/api/client-address.ts). */
  clientAddress?: (req: IncomingMessage) => string;
}

export interface WsGatewayStatus {
  listening: boolean;
  port: number | null;
  connections: number;
  authenticated: number;
  subscriptions: number;
}

export class WsGateway {
  private readonly server: WsServer;
  private readonly connections: Connections;
  private readonly routing: Routing;
  private readonly stream: StreamTail | undefined;
  private readonly quota: ConnectionQuota;
  private readonly unsubscribes: Unsubscribe[] = [];
  private started: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;

  constructor(private readonly opts: WsGatewayOptions) {
    const { config, logger, metrics } = opts;
    const index = new ChannelIndex<Connection>();
    const limits: SendLimits = { bufferLimitBytes: config.ws.sendBufferLimitBytes, tickBytes: 0 };
    this.routing = new Routing({ index, limits, metrics });
    const routing = this.routing;
    this.stream = opts.stream
      ? new StreamTail({
          source: opts.stream.source,
          deliver: (e) => routing.deliverStream(e),
          replayTo: (c, e, channels) => routing.replayTo(c, e, channels),
          logger,
          pollMs: opts.stream.pollMs ?? 1_000,
        })
      : undefined;
    const ops = new Ops({
      ...(this.stream ? { stream: this.stream } : {}),
      apiKeys: opts.apiKeys ?? new ApiKeys(config.apiKeys),
      logger,
      index,
      maxSubscriptions: config.ws.maxSubscriptions,
      maxInvalid: opts.maxInvalidMessages ?? 20,
      metrics,
    });
    this.connections = new Connections({
      maxConnections: config.ws.maxConnections,
      heartbeatMs: config.ws.heartbeatMs,
      limits,
      index,
      logger,
      metrics,
      onMessage: (c, data, isBinary) => ops.handle(c, data, isBinary),
    });
    this.quota = opts.quota ?? new LocalConnectionQuota(config.ws.maxConnectionsPerIp);
    const quota = this.quota;
    const clientAddress = opts.clientAddress ?? clientAddressOf(null);
    const perIp = config.ws.maxConnectionsPerIp;
    this.server = new WsServer({
      ...(opts.tls ? { tls: opts.tls } : {}),
      claim: async (req) => {
        const release = await quota.acquire(clientAddress(req));
        if (release !== null) return { release };
        metrics.wsDisconnects.inc({ reason: 'max_connections_per_ip' });
        return { code: 'RATE_LIMITED', message: `at most ${perIp} WebSocket connections per client address; close one first` };
      },
      maxMessageBytes: config.ws.maxMessageBytes,
      admit: () => {
        if (this.started === null || this.stopped !== null) {
          return { code: 'SHUTTING_DOWN', message: 'the WebSocket gateway is not running' };
        }
        if (!this.connections.hasRoom()) {
          return { code: 'TOO_MANY_CONNECTIONS', message: 'the WebSocket gateway is at its connection limit; retry later' };
        }
        return null;
      },
      onConnection: (ws, socket) => {
        // A handshake that began before stop() finishes after it: close it right away.
        if (this.stopped !== null) return void ws.close(CLOSE.GOING_AWAY, 'server shutting down');
        this.connections.accept(ws, socket);
      },
    });
  }

  /** Subscribes to the bus, starts the heartbeat and (unless listen: false) listens on config.wsPort. */
  start(): Promise<void> {
    return (this.started ??= this.open());
  }

  private async open(): Promise<void> {
    if (this.stream) await this.stream.start();
    this.unsubscribes.push(...this.routing.subscribe(this.opts.bus, this.stream));
    this.connections.startHeartbeat();
    if (this.opts.listen === false) return;
    await this.server.listen(this.opts.config.wsPort, this.opts.config.host);
    this.opts.logger.info({ port: this.port() }, 'WebSocket gateway listening');
  }

  /** Serves the protocol on `path` of an existing HTTP server (the HTTP API's `/ws`). */
  attach(server: Server, path = '/ws'): void {
    this.server.attach(server, path);
  }

  /** The port it listens on (useful with wsPort 0), or null when not listening. */
  port(): number | null {
    return this.server.port();
  }

  status(): WsGatewayStatus {
    let authenticated = 0;
    let subscriptions = 0;
    for (const c of this.connections) {
      if (c.authenticated) authenticated++;
      subscriptions += c.channels.size;
    }
    return { listening: this.server.listening, port: this.port(), connections: this.connections.size, authenticated, subscriptions };
  }

  health(): HealthResult {
    const up = this.started !== null && this.stopped === null;
    return { status: up ? 'up' : 'down', details: { ...this.status() } };
  }

  /**
   * Idempotent. Closes every socket with 1001 (terminating those that do not answer within
   * `graceMs`), detaches from attached servers (it does not close them) and closes its own port.
   */
  stop(graceMs = 2_000): Promise<void> {
    return (this.stopped ??= this.close(graceMs));
  }

  private async close(graceMs: number): Promise<void> {
    for (const off of this.unsubscribes.splice(0)) off();
    this.stream?.stop();
    this.quota.stop();
    this.server.detachAll();
    await this.connections.closeAll(graceMs);
    await this.server.close();
  }
}
