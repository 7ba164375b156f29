/**
 * Typed publish/subscribe between parts (architecture §2). In-process by default, Redis pub/sub
 * across instances. The bus is never the source of truth: whatever is published was
 * committed to the store first, and a subscriber that misses a message can re-read the store.
 */
import type { ChainEventUpdate } from '../chains/events.js';
import type { OrderCreatedData, OrderUpdatedData, PriceUpdateData, PublicActionData, SecretSharedData } from '../domain/wire.js';

/**
 * What each topic carries. Every topic but `chain` carries a wire payload (src/domain/wire.ts)
 * exactly as the WS gateway sends it as an event's `data`.
 */
export interface TopicMessages {
  /** Order lifecycle (WS `order_created` / `order_updated`). */
  orders: { kind: 'created'; data: OrderCreatedData } | { kind: 'updated'; data: OrderUpdatedData };
  /** One message per auction tick (WS `price_update`). */
  prices: PriceUpdateData;
  /** Raw chain observations from the chain followers (consumed by settlement and WS `escrow_event`). */
  chain: ChainEventUpdate;
  /** Secrets released by the secret gate (WS `secret_shared`, API-key holders only). */
  secrets: SecretSharedData;
  /** Public withdrawal/cancellation windows open on escrows still unsettled (WS `public_action`, API-key holders only). */
  actions: PublicActionData;
}

export type Topic = keyof TopicMessages;

export type Unsubscribe = () => void;

export interface Bus {
  publish<T extends Topic>(topic: T, message: TopicMessages[T]): Promise<void>;
  subscribe<T extends Topic>(topic: T, handler: (message: TopicMessages[T]) => void): Unsubscribe;
  start(): Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

/** Told about a subscriber that threw (the other subscribers still get the message). */
export type BusErrorHandler = (err: unknown, topic: Topic) => void;

/** Every topic, e.g. for a transport that subscribes to all of them at start. */
export const TOPICS = ['orders', 'prices', 'chain', 'secrets', 'actions'] as const satisfies readonly Topic[];
