/**
 * Sends some topics through a process-local bus and the rest through the shared one.
 * Every instance runs its own price ticker over the same store, so `prices` (one large
 * message per second) stays local instead of crossing Redis once per instance.
 */
import { crashPoint } from '../observability/crash-points.js';
import type { Bus, Topic, TopicMessages, Unsubscribe } from './types.js';

export class RoutedBus implements Bus {
  constructor(
    private readonly shared: Bus,
    private readonly local: Bus,
    private readonly localTopics: ReadonlySet<Topic>,
  ) {}

  private route(topic: Topic): Bus {
    return this.localTopics.has(topic) ? this.local : this.shared;
  }

  async publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void> {
    await this.route(topic).publish(topic, message);
    crashPoint(`bus:${topic}`);
  }

  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe {
    return this.route(topic).subscribe(topic, handler);
  }

  async start(): Promise<void> {
    await Promise.all([this.shared.start(), this.local.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.shared.stop(), this.local.stop()]);
  }
}
