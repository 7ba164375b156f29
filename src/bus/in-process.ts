import { EventEmitter } from 'node:events';
import type { Bus, Topic, TopicMessages, Unsubscribe } from './types.js';

/** The default bus: one process, synchronous fan-out to subscribers. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    this.emitter.emit(topic, message);
  }

  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe {
    // A throwing subscriber must not break the publisher or the other subscribers.
    const safe = (m: TopicMessages[T]) => {
      try {
        handler(m);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
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
