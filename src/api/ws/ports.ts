/**
 * What the WebSocket gateway needs from the store (architecture §2: a part owns its ports; the
 * store implements this one in src/store/stream-repo.ts): the numbered event stream clients
 * resume from with `subscribe.since`.
 */
import type { ChainEventUpdate } from '../../chains/events.js';
import type { OrderCreatedData, OrderUpdatedData, SecretSharedData } from '../../domain/wire.js';

export type StreamEvent =
  | { id: bigint; topic: 'orders'; message: { kind: 'created'; data: OrderCreatedData } | { kind: 'updated'; data: OrderUpdatedData } }
  | { id: bigint; topic: 'chain'; message: ChainEventUpdate }
  | { id: bigint; topic: 'secrets'; message: SecretSharedData };

/** What the WebSocket gateway needs of the stream (tests may give their own). */
export interface EventStreamSource {
  /** The highest id written so far (0 when none). */
  head(): Promise<bigint>;
  /** Events with id > `after`, in id order, at most `limit`. */
  after(after: bigint, limit: number): Promise<StreamEvent[]>;
  /** The highest id retention has removed: a resume from below it has lost events. */
  prunedThrough(): Promise<bigint>;
}

