/**
 * A bus that traces what it carries: each publish is a producer span, and subscribers run inside
 * it (the in-process bus delivers synchronously; the Redis bus carries the span's context in its
 * envelope and delivers remote copies inside it), so what a subscriber does — a WS send, a log
 * line — belongs to the trace and the request that published. `prices` (a tick a second,
 * started by no request) is left out.
 */
import { SpanKind, inSpan } from '../observability/tracing.js';
import type { Bus, Topic, TopicMessages, Unsubscribe } from './types.js';

export class TracedBus implements Bus {
  constructor(
    private readonly inner: Bus,
    private readonly untraced: ReadonlySet<Topic> = new Set(['prices']),
  ) {}

  publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    if (this.untraced.has(topic)) return this.inner.publish(topic, message);
    const orderHash = orderHashOf(message);
    return inSpan(
      `publish ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'fusion-bus', 'messaging.destination.name': topic, ...(orderHash ? { 'order.hash': orderHash } : {}) },
      },
      () => this.inner.publish(topic, message),
    );
  }

  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe {
    return this.inner.subscribe(topic, handler);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}

function orderHashOf(message: unknown): string | undefined {
  const m = message as { orderHash?: unknown; data?: { orderHash?: unknown }; event?: { orderHash?: unknown } };
  const h = m.orderHash ?? m.data?.orderHash ?? m.event?.orderHash;
  return typeof h === 'string' ? h : undefined;
}
