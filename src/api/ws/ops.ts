/**
 * What a client may ask (subscribe, unsubscribe, ping, auth) and the answers. Every refusal is an
 * `error` message that changes nothing; too many of them close the connection (1008).
 */
import type { RawData } from 'ws';
import type { Logger } from '../../observability/logger.js';
import type { RelayerMetrics } from '../../observability/metrics.js';
import { logSecurityEvent } from '../../observability/security-events.js';
import type { ApiKeys } from '../api-keys.js';
import type { ChannelIndex } from './channels.js';
import type { Connection } from './connection.js';
import type { StreamTail } from './stream.js';
import { CLOSE, frame, normalizeChannel, parseClientMessage, type ClientOp, type MessageType, type ProtocolError, type RequestId } from './protocol.js';

export interface OpsOptions {
  apiKeys: ApiKeys;
  index: ChannelIndex<Connection>;
  maxSubscriptions: number;
  /** Invalid messages tolerated on one connection before it is closed with 1008. */
  maxInvalid: number;
  metrics: Pick<RelayerMetrics, 'wsMessagesSent' | 'wsMessagesReceived'>;
  /** Where refused `auth` ops are logged as the security event `api_key_rejected`. */
  logger?: Pick<Logger, 'warn'>;
  /** The event stream, when the gateway has one: `subscribe` with `since` resumes from it. */
  stream?: StreamTail;
}

export class Ops {
  constructor(private readonly opts: OpsOptions) {}

  /** One frame from `c`. */
  handle(c: Connection, data: RawData, isBinary: boolean): void {
    if (c.closing) return;
    const parsed: ClientOp | ProtocolError = isBinary
      ? { code: 'INVALID_JSON', message: 'messages must be JSON text frames, not binary' }
      : parseClientMessage(rawText(data));
    if ('code' in parsed) {
      this.opts.metrics.wsMessagesReceived.inc({ op: 'invalid' });
      return this.fail(c, parsed);
    }
    this.opts.metrics.wsMessagesReceived.inc({ op: parsed.op });
    switch (parsed.op) {
      case 'subscribe':
        return this.subscribe(c, parsed.channels, parsed.id, parsed.since);
      case 'unsubscribe':
        return this.unsubscribe(c, parsed.channels, parsed.id);
      case 'ping':
        return this.reply(c, 'pong', withId({}, parsed.id));
      case 'auth':
        // The key is checked and dropped here; it is never logged or echoed.
        if (!this.opts.apiKeys.matches(parsed.apiKey)) {
          if (this.opts.logger) logSecurityEvent(this.opts.logger, 'api_key_rejected', { transport: 'ws', ip: remoteAddressOf(c), reason: 'unknown' });
          return this.fail(c, { code: 'UNAUTHORIZED', message: 'unknown API key', op: 'auth', id: parsed.id });
        }
        c.authenticated = true;
        return this.reply(c, 'authenticated', withId({ ok: true }, parsed.id));
    }
  }

  private subscribe(c: Connection, requested: string[], id: RequestId | undefined, since?: bigint): void {
    const { maxSubscriptions } = this.opts;
    if (requested.length > maxSubscriptions) return this.tooMany(c, id);
    const channels = this.normalizeAll(c, requested, 'subscribe', id);
    if (channels === null) return;
    if (channels.includes('secrets') && !c.authenticated) {
      return this.fail(c, {
        code: 'UNAUTHORIZED',
        message: 'the secrets channel needs {"op":"auth","apiKey":…} first',
        op: 'subscribe',
        id,
        channels: ['secrets'],
      });
    }
    const added = channels.filter((ch) => !c.channels.has(ch));
    if (c.channels.size + added.length > maxSubscriptions) return this.tooMany(c, id);
    if (since === undefined) {
      for (const ch of added) this.opts.index.add(c, ch);
      return this.reply(c, 'subscribed', withId({ channels, subscriptions: [...c.channels] }, id));
    }
    const stream = this.opts.stream;
    if (stream === undefined) {
      return this.fail(c, { code: 'RESUME_UNAVAILABLE', message: 'this relayer keeps no event stream to resume from', op: 'subscribe', id });
    }
    // Subscribed and acknowledged in the stream's queue, then the missed events of the added
    // channels follow (after the ack, before any live event).
    void stream.resume(c, since, {
      apply: () => {
        const fresh = channels.filter((ch) => !c.channels.has(ch));
        for (const ch of fresh) this.opts.index.add(c, ch);
        this.reply(c, 'subscribed', withId({ channels, subscriptions: [...c.channels], since: since.toString() }, id));
        return new Set(fresh);
      },
      refuse: (err) => this.fail(c, { ...err, op: 'subscribe', id }),
    });
  }

  private unsubscribe(c: Connection, requested: string[], id: RequestId | undefined): void {
    const channels = this.normalizeAll(c, requested, 'unsubscribe', id);
    if (channels === null) return;
    for (const ch of channels) this.opts.index.remove(c, ch);
    this.reply(c, 'unsubscribed', withId({ channels, subscriptions: [...c.channels] }, id));
  }

  private tooMany(c: Connection, id: RequestId | undefined): void {
    const { maxSubscriptions } = this.opts;
    this.fail(c, { code: 'TOO_MANY_SUBSCRIPTIONS', message: `at most ${maxSubscriptions} subscriptions per connection`, op: 'subscribe', id });
  }

  /** All names canonical, or an INVALID_CHANNEL error naming the bad ones (and nothing applied). */
  private normalizeAll(c: Connection, requested: string[], op: string, id: RequestId | undefined): string[] | null {
    const out: string[] = [];
    const invalid: string[] = [];
    for (const raw of requested) {
      const ch = normalizeChannel(raw);
      if (ch === null) invalid.push(raw.slice(0, 100));
      else if (!out.includes(ch)) out.push(ch);
    }
    if (invalid.length === 0) return out;
    this.fail(c, {
      code: 'INVALID_CHANNEL',
      message: 'channels are orders, prices, escrows, secrets, order:<0x + 64 hex>, maker:<address>',
      op,
      id,
      channels: invalid,
    });
    return null;
  }

  private fail(c: Connection, err: ProtocolError): void {
    this.reply(c, 'error', err);
    c.invalid++;
    if (c.invalid > this.opts.maxInvalid) c.close(CLOSE.POLICY_VIOLATION, 'too many invalid messages', 'policy');
  }

  private reply(c: Connection, type: MessageType, data: object): void {
    if (c.send(frame(type, data))) this.opts.metrics.wsMessagesSent.inc({ type });
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

function remoteAddressOf(c: Connection): string | undefined {
  return (c.socket as { remoteAddress?: string }).remoteAddress;
}
