/**
 * The bus across instances: Redis pub/sub with one publisher and one subscriber connection
 * (a subscribed Redis connection can do nothing else). Messages cross Redis as bigint-safe
 * JSON inside an envelope that names the publishing instance and carries its trace context.
 *
 * Local subscribers get a message synchronously at publish, like the in-process bus, and the
 * copy that comes back from Redis is skipped; so an instance still serves its own clients while
 * Redis is down, and every instance sees the same messages as if the bus were in-process.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { parseWithBigInt, stringifyWithBigInt } from '../domain/bigint-json.js';
import type { HealthResult } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import { carrierOf, contextFrom, type TraceCarrier } from '../observability/tracing.js';
import { context } from '@opentelemetry/api';
import { TOPICS, type Bus, type BusErrorHandler, type Topic, type TopicMessages, type Unsubscribe } from './types.js';

export interface RedisBusOptions {
  url: string;
  /** Prepended to every channel name (`<prefix>orders`, …), so deployments and tests don't collide. */
  channelPrefix?: string;
  logger: Logger;
  /** A throwing subscriber is reported here (default: logged) and never stops delivery. */
  onError?: BusErrorHandler;
  /** Extra ioredis options (timeouts, TLS); the bus sets its own offline-queue and retry policy. */
  redis?: RedisOptions;
}

interface Envelope {
  /** The publishing instance. */
  o: string;
  m: unknown;
  /** The publisher's trace context and request id (W3C traceparent/tracestate/baggage), if any. */
  t?: TraceCarrier;
}

type Handler = (message: never) => void;

export class RedisBus implements Bus {
  readonly instanceId = randomUUID();
  private readonly prefix: string;
  private readonly handlers = new Map<Topic, Set<Handler>>();
  private readonly onError: BusErrorHandler;
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private lastError: { message: string; at: string } | null = null;
  private started: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private received = 0;
  private reconnects = 0;
  private published = 0;

  constructor(private readonly opts: RedisBusOptions) {
    this.prefix = opts.channelPrefix ?? 'fusion:';
    this.onError =
      opts.onError ?? ((err, topic) => opts.logger.error({ err, topic }, 'bus subscriber threw; other subscribers still got the message'));
  }

  /** Connects both sides and subscribes to every topic; resolves once Redis confirmed the subscription. */
  start(): Promise<void> {
    return (this.started ??= this.connect());
  }

  private async connect(): Promise<void> {
    const base: RedisOptions = {
      ...this.opts.redis,
      lazyConnect: true,
      // Reconnect forever with a capped backoff; the bus must come back on its own.
      retryStrategy: (times) => Math.min(times * 200, 5_000),
    };
    // Publishing fails fast while disconnected (the store is the source of truth; a lost
    // message is re-read from it) instead of queueing and stalling order intake.
    this.pub = new Redis(this.opts.url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // The subscriber resubscribes by itself after a reconnect (ioredis autoResubscribe).
    this.sub = new Redis(this.opts.url, { ...base, autoResubscribe: true });
    for (const [name, conn] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      conn.on('error', (err: Error) => {
        this.lastError = { message: `${name}: ${err.message}`, at: new Date().toISOString() };
      });
      conn.on('reconnecting', () => {
        this.reconnects++;
        this.opts.logger.warn({ connection: name }, 'redis bus reconnecting');
      });
      conn.on('ready', () => this.opts.logger.debug({ connection: name }, 'redis bus connected'));
    }
    this.sub.on('message', (channel: string, text: string) => this.onRedisMessage(channel, text));
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(...TOPICS.map((t) => this.prefix + t));
  }

  async publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    if (this.pub === null || this.stopped !== null) throw new Error('RedisBus is not started');
    this.deliver(topic, message);
    const carrier = carrierOf();
    const envelope: Envelope = carrier ? { o: this.instanceId, m: message, t: carrier } : { o: this.instanceId, m: message };
    await this.pub.publish(this.prefix + topic, stringifyWithBigInt(envelope));
    this.published++;
  }

  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe {
    let set = this.handlers.get(topic);
    if (set === undefined) this.handlers.set(topic, (set = new Set()));
    const h = handler as Handler;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  /** Idempotent: closes both connections (politely if connected) and drops every subscriber. */
  stop(): Promise<void> {
    return (this.stopped ??= this.close());
  }

  private async close(): Promise<void> {
    this.handlers.clear();
    await this.started?.catch(() => undefined);
    await Promise.all([this.pub, this.sub].map((c) => (c ? closeConnection(c) : undefined)));
  }

  /** For /health: up only when both connections are ready. */
  health(): HealthResult {
    const pub = this.pub?.status ?? 'not started';
    const sub = this.sub?.status ?? 'not started';
    const up = this.stopped === null && pub === 'ready' && sub === 'ready';
    return {
      status: up ? 'up' : 'down',
      details: { stopped: this.stopped !== null, publisher: pub, subscriber: sub, channelPrefix: this.prefix, published: this.published, received: this.received, reconnects: this.reconnects, lastError: this.lastError },
      ...(up || this.lastError === null ? {} : { error: this.lastError.message }),
    };
  }

  private onRedisMessage(channel: string, text: string): void {
    if (!channel.startsWith(this.prefix)) return;
    const topic = channel.slice(this.prefix.length) as Topic;
    if (!(TOPICS as readonly string[]).includes(topic)) return;
    let envelope: Envelope;
    try {
      envelope = parseWithBigInt<Envelope>(text);
    } catch (err) {
      this.opts.logger.warn({ err, channel }, 'redis bus: dropped a message that is not valid JSON');
      return;
    }
    this.received++;
    if (envelope.o === this.instanceId) return; // already delivered locally at publish
    const deliver = () => this.deliver(topic, envelope.m as TopicMessages[typeof topic]);
    // Subscribers run in the publisher's context: their spans and log lines join its trace and request.
    if (envelope.t) context.with(contextFrom(envelope.t), deliver);
    else deliver();
  }

  private deliver<T extends Topic>(topic: T, message: TopicMessages[T]): void {
    const set = this.handlers.get(topic);
    if (set === undefined) return;
    for (const handler of set) {
      try {
        (handler as (m: TopicMessages[T]) => void)(message);
      } catch (err) {
        this.onError(err, topic);
      }
    }
  }
}

async function closeConnection(conn: Redis): Promise<void> {
  if (conn.status === 'ready') {
    try {
      await conn.quit();
      return;
    } catch {
      // fall through: the connection went away while quitting
    }
  }
  conn.disconnect();
}
