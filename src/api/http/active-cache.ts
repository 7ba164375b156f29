/**
 * `GET /api/orders/active` without per-request work: the body of each page is serialized once
 * per snapshot version of the ActiveOrderBook (which changes on every tick and every order
 * added or removed) and then served as a ready string. The part of an order that never changes
 * (everything but the price) is serialized once per order, not once per tick.
 */
import { gzipSync } from 'node:zlib';
import type { ActiveOrderSnapshot, PricedOrder } from '../../auction/types.js';
import { RelayerError } from '../../orders/errors.js';
import { orderToWire } from '../../domain/order.js';

/** More distinct (limit, cursor) pages than this in one version is abuse or a bug: start over. */
const MAX_PAGES_PER_VERSION = 512;

export class ActivePageCache {
  private version = -1;
  private pages = new Map<string, PageBody>();
  private positions: Map<string, number> | null = null;
  /** orderHash → `"order":…,"createdAt":…}` (the constant tail of the item's JSON). */
  private tails = new Map<string, string>();

  constructor(private readonly snapshot: () => ActiveOrderSnapshot) {}

  /**
   * The JSON body of one page, UTF-8 encoded once (a Buffer is written to the socket as is).
   * Throws RelayerError INVALID_CURSOR for a cursor it never issued.
   */
  page(limit: number, cursor: string | undefined): PageBody {
    const snap = this.snapshot();
    if (snap.version !== this.version) this.reset(snap);
    const key = `${limit}|${cursor ?? ''}`;
    let body = this.pages.get(key);
    if (body === undefined) {
      body = new PageBody(Buffer.from(this.render(snap, limit, cursor), 'utf8'));
      if (this.pages.size >= MAX_PAGES_PER_VERSION) this.pages.clear();
      this.pages.set(key, body);
    }
    return body;
  }

  private reset(snap: ActiveOrderSnapshot): void {
    this.version = snap.version;
    this.pages.clear();
    this.positions = null;
    if (this.tails.size > snap.items.length * 2 + 1024) {
      // Drop orders that left the book so the tail cache does not grow forever.
      const live = new Set<string>(snap.items.map((i) => i.stored.orderHash));
      for (const h of this.tails.keys()) if (!live.has(h)) this.tails.delete(h);
    }
  }

  private render(snap: ActiveOrderSnapshot, limit: number, cursor: string | undefined): string {
    const items = snap.items;
    const start = cursor === undefined ? 0 : this.startAfter(snap, cursor);
    const end = Math.min(items.length, start + limit);
    const parts: string[] = [];
    for (let i = start; i < end; i++) parts.push(this.itemJson(items[i]!));
    const last = items[end - 1];
    const next = end < items.length && last !== undefined ? JSON.stringify(cursorOf(last)) : 'null';
    return `{"at":${snap.at},"version":${snap.version},"items":[${parts.join(',')}],"nextCursor":${next}}`;
  }

  private itemJson(p: PricedOrder): string {
    const s = p.stored;
    let tail = this.tails.get(s.orderHash);
    if (tail === undefined) {
      tail = JSON.stringify({
        order: orderToWire(s.order),
        signature: s.signature,
        lockedOutput: s.lockedOutput,
        createdAt: s.createdAt.toISOString(),
        updatedAt: s.updatedAt.toISOString(),
      }).slice(1);
      this.tails.set(s.orderHash, tail);
    }
    return `{"orderHash":"${s.orderHash}","status":"active","currentAmount":"${p.currentAmount}",${tail}`;
  }

  /** Index after the cursor's order; if that order left the book, after its creation time. */
  private startAfter(snap: ActiveOrderSnapshot, cursor: string): number {
    const m = /^(\d{1,16})_(0x[0-9a-fA-F]{64})$/.exec(cursor);
    if (m === null) throw new RelayerError('INVALID_CURSOR', 'cursor was not produced by GET /api/orders/active');
    if (this.positions === null) {
      this.positions = new Map<string, number>(snap.items.map((p, i) => [p.stored.orderHash, i]));
    }
    const at = this.positions.get(m[2]!);
    if (at !== undefined) return at + 1;
    const ms = Number(m[1]);
    const idx = snap.items.findIndex((p) => p.stored.createdAt.getTime() > ms);
    return idx === -1 ? snap.items.length : idx;
  }
}

/** One page's bytes, plus their gzip form made on first demand (a 100-order page shrinks ~2×). */
export class PageBody {
  private gzipped: Buffer | null = null;

  constructor(readonly identity: Buffer) {}

  get gzip(): Buffer {
    return (this.gzipped ??= gzipSync(this.identity, { level: 6 }));
  }
}

/** Whether an Accept-Encoding header admits gzip (present and not `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function cursorOf(p: PricedOrder): string {
  return `${p.stored.createdAt.getTime()}_${p.stored.orderHash}`;
}
