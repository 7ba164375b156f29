/**
 * A typed client of the relayer's public HTTP API (architecture §8), for makers, resolvers and tools.
 * It depends on the wire format only (src/domain/wire.ts, shared with the server), never on the
 * relayer's internals.
 */
import type { PublicActionData, Timelocks, WireOrder } from '../src/domain/wire.js';
/** The wire contract's dedupe key of a public action (chain + escrow + action). */
export { publicActionKey } from '../src/domain/wire.js';

export type { WireOrder, Timelocks };
/** The `data` of each live WebSocket event, as the relayer sends it. */
export type { OrderCreatedData, OrderUpdatedData, PriceUpdateData, SecretSharedData, PublicActionData } from '../src/domain/wire.js';

export interface TypedDataDescriptor {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
}

export interface TimelineEntry {
  type: string;
  fromStatus: string | null;
  toStatus: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface OrderView {
  orderHash: `0x${string}`;
  status: string;
  order: WireOrder;
  currentAmount?: string | null;
  escrows?: Record<string, unknown>[];
  timeline?: TimelineEntry[];
  [key: string]: unknown;
}

/** An error answered by the relayer: `{ error: { code, message, details } }`. */
export class RelayerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'RelayerApiError';
  }
}

/** An escrow as the relayer's monitors saw it (GET /api/escrows); amounts are decimal strings. */
export interface EscrowRecord {
  chain: string;
  /** EVM: the escrow's address. Cardano: `"<txHash>#<index>"`. */
  escrowId: string;
  orderHash: `0x${string}`;
  side: 'src' | 'dst';
  status: 'created' | 'withdrawn' | 'cancelled' | 'rescued' | 'reverted';
  amount: string;
  /** The creation event: the escrow's terms. */
  created: Record<string, unknown>;
  /** The withdrawal, cancellation or rescue behind the status (`public`, `secret`, `to`, …), if any. */
  statusEvent: (Record<string, unknown> & { type: string; public?: boolean }) | null;
  txHash: string;
  blockNumber: string;
  final: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An escrow anyone may settle now (GET /api/public-actions, WS `public_action`). */
export type PublicAction = PublicActionData & { orderHash: `0x${string}`; secret?: `0x${string}` };

export class RelayerClient {
  constructor(
    readonly baseUrl: string,
    /** `apiKey`: a resolver's key, sent as x-api-key on the routes that need one. */
    private readonly opts: { timeoutMs?: number; apiKey?: string } = {},
  ) {}

  typedData(): Promise<TypedDataDescriptor> {
    return this.request('GET', '/api/orders/typed-data');
  }

  submit(order: WireOrder, signature: string): Promise<{ orderHash: `0x${string}`; status: string }> {
    return this.request('POST', '/api/orders', { order, signature });
  }

  order(orderHash: string): Promise<OrderView> {
    return this.request('GET', `/api/orders/${orderHash}`);
  }

  active(): Promise<{ items: OrderView[] } & Record<string, unknown>> {
    return this.request('GET', '/api/orders/active');
  }

  list(query: Record<string, string | number | undefined> = {}): Promise<{ items: OrderView[]; nextCursor: string | null }> {
    const qs = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]),
    );
    return this.request('GET', `/api/orders${qs.size ? `?${qs}` : ''}`);
  }

  readyForSecret(maker: string): Promise<{ items: OrderView[] }> {
    return this.request('GET', `/api/orders/ready-for-secret?maker=${encodeURIComponent(maker)}`);
  }

  revealSecret(orderHash: string, secret: string): Promise<Record<string, unknown>> {
    return this.request('POST', `/api/orders/${orderHash}/secret`, { secret });
  }

  cancel(orderHash: string, signature: string): Promise<Record<string, unknown>> {
    return this.request('POST', `/api/orders/${orderHash}/cancel`, { signature });
  }

  escrows(query: { orderHash?: string; chain?: string } = {}): Promise<{ items: EscrowRecord[] }> {
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return this.request('GET', `/api/escrows${qs.size ? `?${qs}` : ''}`);
  }

  /** Public withdrawals and cancellations due now; needs the client's `apiKey`. */
  publicActions(): Promise<{ items: PublicAction[] }> {
    return this.request('GET', '/api/public-actions', undefined, true);
  }

  private async request<T>(method: string, path: string, body?: unknown, withKey = false): Promise<T> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (withKey && this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new RelayerApiError(res.status, err?.code ?? 'HTTP_ERROR', err?.message ?? res.statusText, err?.details);
    }
    return json as T;
  }
}
