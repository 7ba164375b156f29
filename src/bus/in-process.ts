import { EventEmitter } from 'node:events';
import type { Bus, BusErrorHandler, Topic, TopicMessages, Unsubscribe } from './types.js';

/** Where a throwing subscriber is reported when the owner passed nothing: stderr, never a crash. */
export const reportToStderr: BusErrorHandler = (err, topic) => {
  console.error(`bus: a '${topic}' subscriber threw:`, err);
};

/** The default bus: one process, synchronous fan-out to subscribers. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter();
  private readonly onError: BusErrorHandler;

  constructor(opts: { onError?: BusErrorHandler } = {}) {
    this.emitter.setMaxListeners(0);
    this.onError = opts.onError ?? reportToStderr;
  }

  async publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    this.emitter.emit(topic, message);
  }

  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe {
    // A throwing subscriber must not break the publisher, the other subscribers or the process.
    const safe = (m: TopicMessages[T]) => {
      try {
        handler(m);
      } catch (err) {
        this.onError(err, topic);
      }
    };
    this.emitter.on(topic, safe);
    return () => this.emitter.off(topic, safe);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
