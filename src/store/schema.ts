/**
 * Kysely table types of the store (migration 0001). Numeric and int8 columns come back as
 * decimal strings on both engines (see db.ts); repositories convert them to bigint.
 */
import type { ColumnType, Generated } from 'kysely';

/** numeric / bigint / bigserial: decimal string in and out; never a JS number. */
export type Decimal = ColumnType<string, string, string>;
export type GeneratedDecimal = ColumnType<string, string | undefined, string>;
export type CreatedAt = ColumnType<Date, never, never>;
export type UpdatedAt = ColumnType<Date, never, Date | string>;
/** jsonb: objects go in as JSON text (the driver casts), come out parsed. */
export type Jsonb<T = unknown> = ColumnType<T, string, string>;

export interface OrdersTable {
  order_hash: string;
  seq: GeneratedDecimal;
  src_chain: string;
  dst_chain: string;
  /** lower-cased, for case-insensitive lookup (the order jsonb keeps the original). */
  maker: string;
  receiver: string;
  /** lower-cased, like maker. */
  maker_asset: string;
  /** lower-cased, like maker. */
  taker_asset: string;
  making_amount: Decimal;
  status: string;
  /** The order in wire form (WireOrder). */
  order: Jsonb;
  signature: string | null;
  locked_output: string | null;
  secret: string | null;
  expiry: Decimal;
  auction_start: Decimal;
  auction_end: Decimal;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** W3C carrier of the submitting request (traceparent, baggage with its request id); null: none. */
  trace_context: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

export interface OrderEventsTable {
  id: GeneratedDecimal;
  order_hash: string;
  type: string;
  from_status: string | null;
  to_status: string;
  data: Jsonb;
  created_at: CreatedAt;
}

export interface EscrowsTable {
  chain: string;
  escrow_id: string;
  order_hash: string;
  side: string;
  status: string;
  amount: Decimal;
  /** The escrow_created event (the escrow's terms), bigint-tagged. */
  data: Jsonb;
  /** The withdrawn/cancelled/rescued event behind the current status, if any, bigint-tagged. */
  status_event: Jsonb | null;
  /** Creation transaction and block. */
  tx_hash: string;
  block_number: Decimal;
  /** Whether the event behind the current status is past its confirmation depth. */
  final: boolean;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ChainCursorsTable {
  chain: string;
  height: Decimal;
  hash: string;
  slot: Decimal | null;
  updated_at: UpdatedAt;
}

export interface ChainBlocksTable {
  chain: string;
  height: Decimal;
  hash: string;
  slot: Decimal | null;
}

export interface ChainEventsTable {
  /** Change sequence: renewed on every status change, so consumers can follow by seq. */
  seq: GeneratedDecimal;
  id: string;
  chain: string;
  type: string;
  order_hash: string | null;
  block_number: Decimal;
  block_hash: string;
  status: string;
  event: Jsonb;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Migration 0002 (webhooks). */
export interface WebhooksTable {
  id: string;
  owner: string;
  url: string;
  events: Jsonb<string[]>;
  maker: string | null;
  secret: string;
  after_event_id: Decimal;
  created_at: CreatedAt;
}

export interface WebhookDeliveriesTable {
  id: GeneratedDecimal;
  webhook_id: string;
  event_key: string;
  event_type: string;
  payload: Jsonb;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_status: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface WebhookCursorTable {
  name: string;
  last_id: Decimal;
}

export interface DB {
  orders: OrdersTable;
  order_events: OrderEventsTable;
  escrows: EscrowsTable;
  chain_cursors: ChainCursorsTable;
  chain_blocks: ChainBlocksTable;
  chain_events: ChainEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_cursor: WebhookCursorTable;
}

export type { Generated };
