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

/**
 * An escrow anyone may now settle (DESIGN §6 public stages), announced by the coordinator
 * (WS `public_action` on `secrets`) and listed by GET /api/public-actions.
 */
export interface PublicActionMessage {
  orderHash: string;
  chain: string;
  side: 'src' | 'dst';
  action: 'withdraw' | 'cancel';
  /** EVM: the escrow's address. Cardano: `"<txHash>#<index>"` of the escrow output. */
  escrow: string;
  /** Unix seconds: when the window opened, and when it closes (null: it never does). */
  opensAt: number;
  closesAt: number | null;
  /** The preimage, for withdrawals only. */
  secret?: string;
  /**
   * EVM: the immutables the escrow's function takes, every number a decimal string (source:
   * `Immutables` with packed `timelocks`; destination: `DstImmutables` with absolute deadlines).
   * Cardano: null, the datum is on chain with the output.
   */
  immutables: Record<string, string> | null;
}

/** A stable key per escrow and action: announcers and resolvers dedupe by it. */
export function publicActionKey(a: Pick<PublicActionMessage, 'chain' | 'escrow' | 'action'>): string {
  return `${a.chain}:${a.escrow.toLowerCase()}:${a.action}`;
}

export interface TopicMessages {
  /** Order lifecycle (WS `order_created` / `order_updated`). */
  orders: { kind: 'created'; data: OrderCreatedMessage } | { kind: 'updated'; data: OrderUpdatedMessage };
  /** One message per auction tick (WS `price_update`). */
  prices: PriceTickMessage;
  /** Raw chain observations from the chain followers (consumed by settlement and WS `escrow_event`). */
  chain: ChainEventUpdate;
  /** Secrets released by the secret gate (WS `secret_shared`, API-key holders only). */
  secrets: SecretSharedMessage;
  /** Public withdrawal/cancellation windows open on escrows still unsettled (WS `public_action`, API-key holders only). */
  actions: PublicActionMessage;
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
