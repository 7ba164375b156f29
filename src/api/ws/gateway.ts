/**
 * The WebSocket gateway (DESIGN §9): one `ws` server in noServer mode behind its own HTTP
 * port and, through attach(), behind the `/ws` path of the HTTP API's server. Bus events are
 * routed through a channel index to the subscribed sockets; each event is serialized once per
 * filter and only the per-connection `seq` is spliced in per socket. A socket that does not
 * keep up is closed (1013) instead of slowing everyone else.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Bus, PriceTickMessage, TopicMessages, Unsubscribe } from '../../bus/types.js';
import type { ChainEventUpdate } from '../../chains/events.js';
import type { Config } from '../../config.js';
import type { HealthResult } from '../../observability/health.js';
import type { Logger } from '../../observability/logger.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { ApiKeys } from '../api-keys.js';
import { answerAndClose, rawErrorResponse, requestIdOf } from '../raw-response.js';
import {
  CLOSE,
  frame,
  frameJson,
  normalizeChannel,
  parseClientMessage,
  wireJson,
  type ClientOp,
  type Frame,
  type ProtocolError,
  type RequestId,
} from './protocol.js';

/** Above this, a frame's tail is encoded once and sent as a shared continuation fragment. */
const LARGE_FRAME_CHARS = 64 * 1024;

export interface WsGatewayOptions {
  config: Pick<Config, 'host' | 'wsPort' | 'apiKeys' | 'ws'>;
  bus: Bus;
  logger: Logger;
  metrics: Pick<RelayerMetrics, 'wsConnections' | 'wsMessagesSent' | 'wsMessagesReceived' | 'wsDisconnects'>;
  /** Listen on config.wsPort (default). false: serve only the servers given to attach(). */
  listen?: boolean;
  /** Invalid messages tolerated on one connection before it is closed with 1008. */
  maxInvalidMessages?: number;
}

export interface WsGatewayStatus {
  listening: boolean;
  port: number | null;
  connections: number;
  authenticated: number;
  subscriptions: number;
}

type DisconnectReason = 'client' | 'abnormal' | 'shutdown' | 'heartbeat_timeout' | 'slow_consumer' | 'message_too_large' | 'policy' | 'error';

/** One connection's state. `mark` dedupes an event for a socket on several matching channels. */
class Client {
  seq = 0;
  mark = 0;
  missedPongs = 0;
  invalid = 0;
  authenticated = false;
  closing = false;
  counted = false;
  corked = false;
  reason: DisconnectReason | null = null;
  readonly channels = new Set<string>();
  constructor(readonly ws: WebSocket) {}
}

export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  /** channel → subscribed clients; `order:<hash>` channels are also reachable by bare hash. */
  private readonly index = new Map<string, Set<Client>>();
  private readonly byOrderHash = new Map<string, Set<Client>>();
  private readonly apiKeys: ApiKeys;
  private readonly attached: { server: Server; listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void }[] = [];
  private readonly unsubscribes: Unsubscribe[] = [];
  private server: Server | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private eventMark = 0;
  /** Size of the last full price_update: the slow-consumer check allows one on top of the limit. */
  private tickBytes = 0;
  private readonly corked: Client[] = [];
  private started: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private readonly maxInvalid: number;

  constructor(private readonly opts: WsGatewayOptions) {
    this.apiKeys = new ApiKeys(opts.config.apiKeys);
    this.maxInvalid = opts.maxInvalidMessages ?? 20;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.config.ws.maxMessageBytes,
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

  /** Subscribes to the bus, starts the heartbeat and (unless listen: false) listens on config.wsPort. */
  start(): Promise<void> {
    return (this.started ??= this.open());
  }

  private async open(): Promise<void> {
    const { bus } = this.opts;
    this.unsubscribes.push(
      bus.subscribe('orders', (m) => this.onOrder(m)),
      bus.subscribe('prices', (m) => this.onPrices(m)),
      bus.subscribe('chain', (m) => this.onChain(m)),
      bus.subscribe('secrets', (m) => this.onSecret(m)),
      bus.subscribe('actions', (m) => this.onPublicAction(m)),
    );
    this.heartbeat = setInterval(() => this.beat(), this.opts.config.ws.heartbeatMs);
    if (this.opts.listen === false) return;
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end(JSON.stringify({ error: { code: 'UPGRADE_REQUIRED', message: 'this port speaks WebSocket only' } }));
    });
    server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.config.wsPort, this.opts.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.opts.logger.info({ port: this.port() }, 'WebSocket gateway listening');
  }

  /** Serves the protocol on `path` of an existing HTTP server (the HTTP API's `/ws`). */
  attach(server: Server, path = '/ws'): void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (pathOf(req) === path) {
        this.handleUpgrade(req, socket, head);
      } else if (server.listeners('upgrade').length === 1) {
        // Nobody else handles upgrades on this server: answer instead of leaving it hanging.
        refuse(socket, req, 404, 'NOT_FOUND', 'no WebSocket endpoint on this path; use /ws');
      }
    };
    server.on('upgrade', listener);
    this.attached.push({ server, listener });
  }

  /** The port it listens on (useful with wsPort 0), or null when not listening. */
  port(): number | null {
    const addr = this.server?.address();
    return addr !== null && typeof addr === 'object' ? (addr as AddressInfo).port : null;
  }

  status(): WsGatewayStatus {
    let authenticated = 0;
    let subscriptions = 0;
    for (const c of this.clients) {
      if (c.authenticated) authenticated++;
      subscriptions += c.channels.size;
    }
    return { listening: this.server?.listening ?? false, port: this.port(), connections: this.clients.size, authenticated, subscriptions };
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
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const off of this.unsubscribes.splice(0)) off();
    for (const { server, listener } of this.attached.splice(0)) server.off('upgrade', listener);
    const closed = [...this.clients].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.ws.once('close', () => resolve());
          this.closeClient(c, CLOSE.GOING_AWAY, 'server shutting down', 'shutdown');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const c of this.clients) c.ws.terminate();
    this.wss.close();
    const server = this.server;
    if (server !== null) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  // ── connections ──────────────────────────────────────────────────────────────────────────

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.stopped !== null || this.started === null) return refuse(socket, req, 503, 'SHUTTING_DOWN', 'the WebSocket gateway is not running');
    if (this.clients.size >= this.opts.config.ws.maxConnections) {
      this.opts.metrics.wsDisconnects.inc({ reason: 'max_connections' });
      return refuse(socket, req, 503, 'TOO_MANY_CONNECTIONS', 'the WebSocket gateway is at its connection limit; retry later');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    // A handshake that began before stop() finishes after it: close it right away.
    if (this.stopped !== null) return void ws.close(CLOSE.GOING_AWAY, 'server shutting down');
    const client = new Client(ws);
    this.clients.add(client);
    this.opts.metrics.wsConnections.inc();
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('pong', () => {
      client.missedPongs = 0;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      client.reason ??= err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'message_too_large' : 'error';
      this.opts.logger.debug({ code: err.code, message: err.message }, 'WebSocket connection error');
    });
    ws.on('close', (code) => this.onClose(client, code));
  }

  private onClose(client: Client, code: number): void {
    if (!this.clients.delete(client)) return;
    this.unsubscribeAll(client);
    this.opts.metrics.wsConnections.dec();
    // Closes the server decided were counted when decided (a slow consumer may take long to go).
    if (!client.counted) {
      const reason = client.reason ?? (code === CLOSE.MESSAGE_TOO_BIG ? 'message_too_large' : code === 1006 ? 'abnormal' : 'client');
      this.opts.metrics.wsDisconnects.inc({ reason });
    }
  }

  private countDisconnect(client: Client, reason: DisconnectReason): void {
    client.reason ??= reason;
    if (client.counted) return;
    client.counted = true;
    this.opts.metrics.wsDisconnects.inc({ reason: client.reason });
  }

  /** Stops all delivery to the client at once, then closes it politely. */
  private closeClient(client: Client, code: number, text: string, reason: DisconnectReason): void {
    if (client.closing) return;
    client.closing = true;
    this.countDisconnect(client, reason);
    this.unsubscribeAll(client);
    client.ws.close(code, text);
  }

  private beat(): void {
    const heartbeat = frame('heartbeat', {});
    let sent = 0;
    for (const c of this.clients) {
      if (c.missedPongs >= 2) {
        // Two pings unanswered: the peer is gone or wedged; a close handshake would hang too.
        c.closing = true;
        this.countDisconnect(c, 'heartbeat_timeout');
        c.ws.terminate();
        continue;
      }
      c.missedPongs++;
      c.ws.ping();
      if (this.send(c, heartbeat)) sent++;
    }
    if (sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: 'heartbeat' }, sent);
  }

  // ── client → server ──────────────────────────────────────────────────────────────────────

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.closing) return;
    const parsed: ClientOp | ProtocolError = isBinary
      ? { code: 'INVALID_JSON', message: 'messages must be JSON text frames, not binary' }
      : parseClientMessage(rawText(data));
    if ('code' in parsed) {
      this.opts.metrics.wsMessagesReceived.inc({ op: 'invalid' });
      return this.fail(client, parsed);
    }
    this.opts.metrics.wsMessagesReceived.inc({ op: parsed.op });
    switch (parsed.op) {
      case 'subscribe':
        return this.subscribe(client, parsed.channels, parsed.id);
      case 'unsubscribe':
        return this.unsubscribe(client, parsed.channels, parsed.id);
      case 'ping':
        return this.reply(client, 'pong', withId({}, parsed.id));
      case 'auth':
        // The key is checked and dropped here; it is never logged or echoed.
        if (!this.apiKeys.matches(parsed.apiKey)) {
          return this.fail(client, { code: 'UNAUTHORIZED', message: 'unknown API key', op: 'auth', id: parsed.id });
        }
        client.authenticated = true;
        return this.reply(client, 'authenticated', withId({ ok: true }, parsed.id));
    }
  }

  private subscribe(client: Client, requested: string[], id: RequestId | undefined): void {
    const { maxSubscriptions } = this.opts.config.ws;
    if (requested.length > maxSubscriptions) {
      return this.fail(client, { code: 'TOO_MANY_SUBSCRIPTIONS', message: `at most ${maxSubscriptions} subscriptions per connection`, op: 'subscribe', id });
    }
    const channels = this.normalizeAll(client, requested, 'subscribe', id);
    if (channels === null) return;
    if (channels.includes('secrets') && !client.authenticated) {
      return this.fail(client, {
        code: 'UNAUTHORIZED',
        message: 'the secrets channel needs {"op":"auth","apiKey":…} first',
        op: 'subscribe',
        id,
        channels: ['secrets'],
      });
    }
    const added = channels.filter((ch) => !client.channels.has(ch));
    if (client.channels.size + added.length > maxSubscriptions) {
      return this.fail(client, { code: 'TOO_MANY_SUBSCRIPTIONS', message: `at most ${maxSubscriptions} subscriptions per connection`, op: 'subscribe', id });
    }
    for (const ch of added) this.indexAdd(client, ch);
    this.reply(client, 'subscribed', withId({ channels, subscriptions: [...client.channels] }, id));
  }

  private unsubscribe(client: Client, requested: string[], id: RequestId | undefined): void {
    const channels = this.normalizeAll(client, requested, 'unsubscribe', id);
    if (channels === null) return;
    for (const ch of channels) this.indexRemove(client, ch);
    this.reply(client, 'unsubscribed', withId({ channels, subscriptions: [...client.channels] }, id));
  }

  /** All names canonical, or an INVALID_CHANNEL error naming the bad ones (and nothing applied). */
  private normalizeAll(client: Client, requested: string[], op: string, id: RequestId | undefined): string[] | null {
    const out: string[] = [];
    const invalid: string[] = [];
    for (const raw of requested) {
      const ch = normalizeChannel(raw);
      if (ch === null) invalid.push(raw.slice(0, 100));
      else if (!out.includes(ch)) out.push(ch);
    }
    if (invalid.length === 0) return out;
    this.fail(client, {
      code: 'INVALID_CHANNEL',
      message: 'channels are orders, prices, escrows, secrets, order:<0x + 64 hex>, maker:<address>',
      op,
      id,
      channels: invalid,
    });
    return null;
  }

  private fail(client: Client, err: ProtocolError): void {
    this.reply(client, 'error', err);
    client.invalid++;
    if (client.invalid > this.maxInvalid) {
      this.closeClient(client, CLOSE.POLICY_VIOLATION, 'too many invalid messages', 'policy');
    }
  }

  private reply(client: Client, type: Parameters<typeof frame>[0], data: object): void {
    if (this.send(client, frame(type, data))) this.opts.metrics.wsMessagesSent.inc({ type });
  }

  // ── channel index ────────────────────────────────────────────────────────────────────────

  private indexAdd(client: Client, channel: string): void {
    client.channels.add(channel);
    let set = this.index.get(channel);
    if (set === undefined) {
      this.index.set(channel, (set = new Set()));
      if (channel.startsWith('order:')) this.byOrderHash.set(channel.slice(6), set);
    }
    set.add(client);
  }

  private indexRemove(client: Client, channel: string): void {
    if (!client.channels.delete(channel)) return;
    const set = this.index.get(channel);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) {
      this.index.delete(channel);
      if (channel.startsWith('order:')) this.byOrderHash.delete(channel.slice(6));
    }
  }

  private unsubscribeAll(client: Client): void {
    for (const ch of [...client.channels]) this.indexRemove(client, ch);
  }

  // ── server → client ──────────────────────────────────────────────────────────────────────

  /** Sends one framed message; false if the client is closing. Drops it if its buffer overflows. */
  private send(client: Client, f: Frame): boolean {
    if (client.closing) return false;
    // The backlog is what the client has not read of earlier messages. One full price tick is
    // allowed on top of the limit, so a single large tick never counts as slowness by itself.
    if (client.ws.bufferedAmount > this.opts.config.ws.sendBufferLimitBytes + this.tickBytes) {
      this.closeClient(client, CLOSE.TRY_AGAIN_LATER, 'slow consumer: send buffer limit exceeded', 'slow_consumer');
      return false;
    }
    if (!client.corked) this.cork(client);
    if (f.tail.length < LARGE_FRAME_CHARS) {
      client.ws.send(f.head + ++client.seq + f.tail);
    } else {
      // A large message (a full price tick) goes as two fragments of one text message: the small
      // per-socket head, then the tail encoded once and shared by every socket (no copy per socket).
      f.tailBytes ??= Buffer.from(f.tail, 'utf8');
      client.ws.send(f.head + ++client.seq, { fin: false });
      client.ws.send(f.tailBytes, { fin: true });
    }
    return true;
  }

  /**
   * Holds a socket's writes until the end of this event-loop turn, so a burst of events leaves
   * in one writev per socket instead of one syscall per message (the fan-out's main cost).
   */
  private cork(client: Client): void {
    const socket = (client.ws as unknown as { _socket?: Socket })._socket;
    if (socket === undefined) return;
    socket.cork();
    client.corked = true;
    this.corked.push(client);
    if (this.corked.length === 1) setImmediate(this.uncorkAll);
  }

  private readonly uncorkAll = (): void => {
    for (const c of this.corked) {
      c.corked = false;
      (c.ws as unknown as { _socket?: Socket })._socket?.uncork();
    }
    this.corked.length = 0;
  };

  /**
   * Delivers one event to every client on any of `channels`, once per client, serializing it
   * only if someone is listening. Returns the mark used, so a later, narrower pass can skip
   * the clients this one reached.
   */
  private fanout(channels: readonly string[], build: () => Frame): number {
    const mark = ++this.eventMark;
    let f: Frame | null = null;
    let sent = 0;
    for (const ch of channels) {
      const set = this.index.get(ch);
      if (set === undefined) continue;
      f ??= build();
      for (const c of set) {
        if (c.mark === mark) continue;
        c.mark = mark;
        if (this.send(c, f)) sent++;
      }
    }
    if (f !== null && sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: f.type }, sent);
    return mark;
  }

  private onOrder(m: TopicMessages['orders']): void {
    const channels = ['orders', `order:${m.data.orderHash.toLowerCase()}`, `maker:${m.data.maker.toLowerCase()}`];
    if (m.kind === 'created') this.fanout(channels, () => frame('order_created', m.data));
    else this.fanout(channels, () => frame('order_updated', m.data));
  }

  private onChain(update: ChainEventUpdate): void {
    const orderHash = 'orderHash' in update.event ? update.event.orderHash : undefined;
    const channels = orderHash === undefined ? ['escrows'] : ['escrows', `order:${orderHash.toLowerCase()}`];
    this.fanout(channels, () => frameJson('escrow_event', wireJson({ status: update.status, event: update.event })));
  }

  private onSecret(m: TopicMessages['secrets']): void {
    // Only `secrets` subscribers, all authenticated (subscribe checks it). Order channels learn
    // of the reveal through the order_updated that the same step publishes.
    this.fanout(['secrets'], () => frame('secret_shared', m));
  }

  private onPublicAction(m: TopicMessages['actions']): void {
    // A public withdrawal carries the secret, so public actions go to resolvers only.
    this.fanout(['secrets'], () => frame('public_action', m));
  }

  /**
   * `prices` subscribers get the whole tick in one message. A client on `order:<h>` (and not on
   * `prices`) gets a price_update with just that order's price, one per subscribed order per tick.
   */
  private onPrices(m: PriceTickMessage): void {
    const fullMark = this.fanout(['prices'], () => {
      const f = frame('price_update', m);
      this.tickBytes = f.tail.length;
      return f;
    });
    if (this.byOrderHash.size === 0) return;
    const now = Date.now();
    let sent = 0;
    for (const p of m.prices) {
      const set = this.byOrderHash.get(p.orderHash);
      if (set === undefined) continue;
      const f = frame('price_update', { at: m.at, prices: [p] }, now);
      for (const c of set) {
        if (c.mark !== fullMark && this.send(c, f)) sent++;
      }
    }
    if (sent > 0) this.opts.metrics.wsMessagesSent.inc({ type: 'price_update' }, sent);
  }
}

function withId<T extends object>(data: T, id: RequestId | undefined): T & { id?: RequestId } {
  return id === undefined ? data : { ...data, id };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
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
