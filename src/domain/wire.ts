/**
 * The wire format the relayer speaks (architecture §8 REST, §9 WebSocket), as TypeScript types: the
 * order in wire form and the payloads of the live events. The server builds them (the bus carries
 * them between instances and the WS gateway sends them as each event's `data`), and the client
 * library (client/) reads them; neither side defines them again. Pure: types and one pure function.
 *
 * Money and other big integers are decimal strings here, never numbers.
 */
export type { Timelocks, WireAuctionPoint, WireOrder } from './order.js';
import type { WireOrder } from './order.js';

/** WS `order_created` (channels `orders`, `order:<hash>`, `maker:<addr>`). */
export interface OrderCreatedData {
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

/** WS `order_updated`: one status change (architecture §7). */
export interface OrderUpdatedData {
  orderHash: string;
  maker: string;
  status: string;
  previousStatus: string;
  /** The state-machine event that moved it. */
  reason?: string;
  at: string;
}

/** WS `price_update` (channel `prices`): the auction price of every active order at one tick. */
export interface PriceUpdateData {
  /** Unix seconds the prices were computed for. */
  at: number;
  /** Current auction amount (taker asset, base units, decimal string) of every active order. */
  prices: { orderHash: string; amount: string }[];
}

/** WS `secret_shared` (channel `secrets`, API-key holders only). */
export interface SecretSharedData {
  orderHash: string;
  maker: string;
  secret: string;
}

/**
 * An escrow anyone may now settle (architecture §6 public stages): WS `public_action` on `secrets`,
 * and each item of GET /api/public-actions.
 */
export interface PublicActionData {
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
export function publicActionKey(a: Pick<PublicActionData, 'chain' | 'escrow' | 'action'>): string {
  return `${a.chain}:${a.escrow.toLowerCase()}:${a.action}`;
}
