/**
 * Typed publish/subscribe between parts (DESIGN §2). In-process by default, Redis pub/sub
 * across instances. The bus is never the source of truth: whatever is published was
 * committed to the store first, and a subscriber that misses a message can re-read the store.
 */
import type { ChainEventUpdate } from '../chains/events.js';
import type { WireOrder } from '../domain/order.js';

export interface OrderCreatedMessage {
  orderHash: string;
  maker: string;
  srcChain: string;
  dstChain: string;
  status: string;
  order: WireOrder;
  createdAt: string;
  /**
   * What a resolver needs to fill (EVM: the maker's signature; Cardano: the locked output).
   * Optional for compatibility: when absent, the active-order book reads the order from the store.
   */
  signature?: string | null;
  lockedOutput?: string | null;
}

export interface OrderUpdatedMessage {
  orderHash: string;
  maker: string;
  status: string;
  previousStatus: string;
  reason?: string;
  at: string;
}

export interface PriceTickMessage {
  /** Unix seconds the prices were computed for. */
  at: number;
  /** Current auction amount (taker asset, base units, decimal string) of every active order. */
  prices: { orderHash: string; amount: string }[];
}

export interface SecretSharedMessage {
  orderHash: string;
  maker: string;
  secret: string;
}

export interface TopicMessages {
  /** Order lifecycle (WS `order_created` / `order_updated`). */
  orders: { kind: 'created'; data: OrderCreatedMessage } | { kind: 'updated'; data: OrderUpdatedMessage };
  /** One message per auction tick (WS `price_update`). */
  prices: PriceTickMessage;
  /** Raw chain observations from the monitors (consumed by settlement and WS `escrow_event`). */
  chain: ChainEventUpdate;
  /** Secrets released by the secret gate (WS `secret_shared`, API-key holders only). */
  secrets: SecretSharedMessage;
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
export const TOPICS = ['orders', 'prices', 'chain', 'secrets'] as const satisfies readonly Topic[];
