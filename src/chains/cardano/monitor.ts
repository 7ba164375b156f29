/**
 * The Cardano escrow monitor: follows the chain through Ogmios chain-sync (the stock
 * @cardano-ogmios/client) from the stored point, turns transactions that create or spend
 * outputs at the escrow script address into chain events, and commits each batch of blocks
 * with its cursor through ChainStateStore.apply (one transaction). Only what `apply` returns is
 * published on the bus, after the commit, so a restart never publishes an update twice.
 *
 * - Resume: findIntersection with the stored cursor and recent blocks (newest first); the
 *   configured start point (or origin) only when nothing is stored.
 * - RollBackward below the last committed block: ChainStateStore.rollback, and the reversals
 *   are published.
 * - Finality: an event is final once its block has `confirmations` blocks on top of and
 *   including it, counted on the blocks this monitor has committed.
 * - Any failure (socket closed, Ogmios down, store error) ends the session; the next one, after
 *   a backoff, resumes from what the store holds, so nothing is lost or applied twice.
 */
import {
  createChainSynchronizationClient,
  createInteractionContext,
  LedgerStateQuery,
  type InteractionContext,
  type Schema,
} from '@cardano-ogmios/client';
import { Registry } from 'prom-client';
import type { Bus } from '../../bus/types.js';
import { crashPoint } from '../../observability/crash-points.js';
import type { ChainEvent, ChainEventUpdate, EscrowCreatedEvent } from '../events.js';
import type { BlockRef, ChainStateStore } from '../ports.js';
import {
  escrowRef,
  scanCreated,
  spendCandidates,
  spendEvent,
  type BlockInfo,
  type DecodeConfig,
  type OgmiosTx,
} from './decode.js';
import { cardanoMonitorMetrics, type CardanoMonitorMetrics } from './metrics.js';
import { SlotClock } from './slot-time.js';

export interface MonitorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type OgmiosEndpoint = { host: string; port: number; tls?: boolean } | { url: string };

export interface CardanoMonitorOptions {
  /** `"cardano:mainnet"`, `"cardano:preprod"`, `"cardano:preview"`, `"cardano:devnet"`. */
  chain: string;
  ogmios: OgmiosEndpoint;
  /** Hash (28 bytes hex) of the escrow validator: outputs whose payment credential it is are escrows. */
  escrowScriptHash: string;
  /** CARDANO_CONFIRMATIONS: blocks (its own included) before an event is final. */
  confirmations: number;
  store: ChainStateStore;
  bus: Bus;
  registry?: Registry;
  /** Where to start when nothing is stored (default: origin). */
  startPoint?: { slot: bigint | number; id: string } | 'origin';
  /** Address network for bech32 (default: 1 on mainnet, else 0). */
  networkId?: 0 | 1;
  /** Blocks committed together while catching up (at the tip every block is committed). Default 100. */
  maxBatchBlocks?: number;
  /** Recorded blocks kept for intersections and rollbacks. Default 2160 (Cardano's k). */
  keepBlocks?: number;
  /** nextBlock requests kept in flight. Default 100. */
  inFlight?: number;
  /** Reconnect backoff: starts at min, doubles, capped. Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: MonitorLogger;
  now?: () => number;
}

export interface CardanoMonitorStatus {
  chain: string;
  connected: boolean;
  tip: { slot: number; height: number; id: string } | null;
  lastPoint: { slot: number; height: number; id: string } | null;
  lagBlocks: number | null;
  lastError: string | null;
  /** ISO time of the last committed batch or rollback. */
  updatedAt: string | null;
}

const silentLogger: MonitorLogger = { info() {}, warn() {}, error() {} };
const ESCROW_CACHE_LIMIT = 100_000;

type Point = { slot: bigint; id: string };

interface Session {
  context: InteractionContext;
  active: boolean;
  clock: SlotClock;
  closed: Promise<void>;
  failure: unknown;
}

interface PendingBatch {
  blocks: BlockRef[];
  observed: ChainEvent[];
}

export class CardanoEscrowMonitor {
  readonly chain: string;
  private readonly cfg: DecodeConfig;
  private readonly metrics: CardanoMonitorMetrics;
  private readonly log: MonitorLogger;
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly keepBlocks: number;

  private running = false;
  private loop: Promise<void> | null = null;
  private session: Session | null = null;
  private wakeSleeper: (() => void) | null = null;
  /** The handler currently running (serialised by the client), awaited before a session ends. */
  private inflight: Promise<void> = Promise.resolve();

  private cursor: BlockRef | null = null;
  /** Recently committed blocks, oldest first (intersection points, rollback heights). */
  private recent: BlockRef[] = [];
  private batch: PendingBatch = { blocks: [], observed: [] };
  /** Events committed as observed, not final yet. */
  private pending = new Map<string, ChainEvent>();
  /** Escrow outputs seen created (ref → event), so a spend needs no store lookup. */
  private escrows = new Map<string, EscrowCreatedEvent>();
  private flushes = 0;

  private connected = false;
  private tip: { slot: number; height: number; id: string } | null = null;
  private lastError: string | null = null;
  private updatedAt: number | null = null;

  constructor(private readonly opts: CardanoMonitorOptions) {
    if (!/^[0-9a-f]{56}$/.test(opts.escrowScriptHash)) throw new RangeError('escrowScriptHash must be 28 bytes of lowercase hex');
    if (!Number.isInteger(opts.confirmations) || opts.confirmations < 0) {
      throw new RangeError('confirmations must be a non-negative integer');
    }
    this.chain = opts.chain;
    this.cfg = {
      chain: opts.chain,
      scriptHash: opts.escrowScriptHash,
      networkId: opts.networkId ?? (opts.chain === 'cardano:mainnet' ? 1 : 0),
    };
    this.metrics = cardanoMonitorMetrics(opts.registry ?? new Registry());
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.maxBatch = opts.maxBatchBlocks ?? 100;
    this.keepBlocks = opts.keepBlocks ?? 2160;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const store = this.opts.store;
    this.cursor = await store.getCursor(this.chain);
    this.recent = (await store.recentBlocks(this.chain, this.keepBlocks)).reverse();
    this.pending = new Map((await store.pending(this.chain)).map((e) => [e.id, e]));
    if (this.cursor) this.metrics.processedHeight.set({ chain: this.chain }, Number(this.cursor.height));
    this.loop = this.run();
  }

  /** Idempotent. Lets the block being processed commit, then closes the connection. */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.loop;
      return;
    }
    this.running = false;
    this.wakeSleeper?.();
    this.endSession(this.session);
    await this.loop;
    this.loop = null;
  }

  status(): CardanoMonitorStatus {
    const c = this.cursor;
    const lastPoint = c ? { slot: Number(c.slot ?? 0n), height: Number(c.height), id: c.hash } : null;
    return {
      chain: this.chain,
      connected: this.connected,
      tip: this.tip,
      lastPoint,
      lagBlocks: this.tip ? Math.max(0, this.tip.height - (lastPoint?.height ?? 0)) : null,
      lastError: this.lastError,
      updatedAt: this.updatedAt === null ? null : new Date(this.updatedAt).toISOString(),
    };
  }

  // ---- session loop -------------------------------------------------------------------------

  private async run(): Promise<void> {
    let backoff = this.opts.minBackoffMs ?? 250;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    while (this.running) {
      let progressed = false;
      try {
        progressed = await this.runSession();
      } catch (err) {
        this.lastError = describe(err);
        this.log.warn({ chain: this.chain, err: this.lastError }, 'cardano chain-sync session failed');
      }
      this.setConnected(false);
      if (!this.running) break;
      this.metrics.reconnects.inc({ chain: this.chain });
      if (progressed) backoff = this.opts.minBackoffMs ?? 250;
      await this.sleep(backoff);
      backoff = Math.min(maxBackoff, backoff * 2);
    }
  }

  /** One connection, from intersection to close. Resolves true if it committed anything. */
  private async runSession(): Promise<boolean> {
    let session: Session | null = null;
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    const context = await createInteractionContext(
      (err) => {
        if (session) session.failure ??= err;
        closedResolve();
      },
      () => closedResolve(),
      { connection: connectionOf(this.opts.ogmios) },
    );
    const updatedBefore = this.updatedAt;
    try {
      const [start, eras] = await Promise.all([
        LedgerStateQuery.networkStartTime(context),
        LedgerStateQuery.eraSummaries(context),
      ]);
      session = { context, active: true, clock: new SlotClock(start, eras), closed, failure: null };
      this.session = session;
      if (!this.running) return false;
      const s = session;
      const client = await createChainSynchronizationClient(context, {
        rollForward: (res, next) => this.handle(s, () => this.onForward(s, res.block, res.tip as Schema.TipOrOrigin), next),
        rollBackward: (res, next) => this.handle(s, () => this.onBackward(res.point, res.tip), next),
      });
      await client.resume(this.intersectionPoints() as unknown as Schema.Point[], this.opts.inFlight ?? 100);
      this.setConnected(true);
      this.lastError = null;
      await closed;
      session.active = false;
      await this.inflight;
      await this.flush();
      if (session.failure) throw session.failure;
      return this.updatedAt !== updatedBefore;
    } finally {
      if (session) session.active = false;
      this.session = null;
      closeSocket(context);
    }
  }

  /** Runs a handler for the current session only; a failure ends the session. */
  private handle(s: Session, work: () => Promise<void>, next: () => void): Promise<void> {
    if (!s.active || !this.running) return Promise.resolve();
    const run = (async () => {
      try {
        await work();
        if (s.active && this.running) next();
      } catch (err) {
        s.failure ??= err;
        this.endSession(s);
      }
    })();
    this.inflight = run;
    return run;
  }

  private endSession(s: Session | null): void {
    if (!s) return;
    s.active = false;
    closeSocket(s.context);
  }

  private intersectionPoints(): (Point | 'origin')[] {
    const refs = [...this.recent].reverse();
    if (this.cursor && !refs.some((r) => r.hash === this.cursor!.hash)) refs.unshift(this.cursor);
    const points = refs
      .filter((r) => r.slot !== undefined && /^[0-9a-f]{64}$/.test(r.hash))
      .slice(0, 64)
      .map((r) => ({ slot: r.slot!, id: r.hash }));
    if (points.length) return points;
    const start = this.opts.startPoint ?? 'origin';
    return [start === 'origin' ? 'origin' : { slot: BigInt(start.slot), id: start.id }];
  }

  // ---- chain-sync handlers ------------------------------------------------------------------

  private setTip(tip: Schema.TipOrOrigin): void {
    if (tip === 'origin') return;
    this.tip = { slot: Number(tip.slot), height: Number(tip.height), id: tip.id };
    this.metrics.tipHeight.set({ chain: this.chain }, this.tip.height);
    this.metrics.lagBlocks.set({ chain: this.chain }, Math.max(0, this.tip.height - this.lastHeight()));
  }

  private lastHeight(): number {
    const last = this.batch.blocks[this.batch.blocks.length - 1] ?? this.cursor;
    return last ? Number(last.height) : 0;
  }

  private async onForward(s: Session, block: Schema.Block, tip: Schema.TipOrOrigin): Promise<void> {
    this.setTip(tip);
    if (block.type === 'ebb' || !('height' in block)) return; // Byron boundary blocks hold no escrows
    const b = block as Schema.BlockPraos;
    const slot = BigInt(b.slot);
    const info: BlockInfo = { height: BigInt(b.height), hash: b.id, time: s.clock.slotToUnix(slot) };
    for (const raw of b.transactions ?? []) {
      const tx = raw as unknown as OgmiosTx;
      for (const c of spendCandidates(tx)) {
        const created = await this.createdEscrow(c.ref);
        if (!created) continue; // not one of ours (another script's input)
        const r = spendEvent(c, created, tx, info, this.cfg);
        if (!r.ok) {
          this.metrics.ignored.inc({ chain: this.chain, reason: r.reason });
          this.log.error({ chain: this.chain, escrow: c.ref, tx: tx.id }, 'escrow spent with a secret that does not match its hashlock');
          continue;
        }
        this.batch.observed.push(r.event);
        this.escrows.delete(c.ref);
      }
      const scan = scanCreated(tx, info, this.cfg);
      for (const e of scan.events) {
        this.batch.observed.push(e);
        this.remember(e);
      }
      for (const i of scan.ignored) {
        this.metrics.ignored.inc({ chain: this.chain, reason: i.reason });
        this.log.warn({ chain: this.chain, output: i.ref, reason: i.reason, detail: i.detail }, 'output at the escrow address ignored');
      }
    }
    this.batch.blocks.push({ height: info.height, hash: info.hash, slot });
    this.metrics.blocks.inc({ chain: this.chain });
    const atTip = tip === 'origin' || BigInt(tip.height) <= info.height;
    if (atTip || this.batch.blocks.length >= this.maxBatch) await this.flush();
  }

  private async onBackward(point: Schema.PointOrOrigin, tip: Schema.TipOrOrigin): Promise<void> {
    this.setTip(tip);
    await this.flush();
    const to = await this.blockOf(point);
    if (this.cursor === null || to.height >= this.cursor.height) return; // back to where we are: nothing to undo
    const reversals = await this.opts.store.rollback(this.chain, to);
    this.metrics.rollbacks.inc({ chain: this.chain });
    this.cursor = to;
    this.recent = this.recent.filter((r) => r.height <= to.height);
    for (const [id, e] of this.pending) if (e.blockNumber > to.height) this.pending.delete(id);
    this.updatedAt = this.now();
    this.metrics.processedHeight.set({ chain: this.chain }, Number(to.height));
    this.log.info({ chain: this.chain, to: Number(to.height), reverted: reversals.length }, 'cardano rollback');
    await this.publish(reversals);
  }

  /** The height of a rollback point, from the blocks we committed. */
  private async blockOf(point: Schema.PointOrOrigin): Promise<BlockRef> {
    if (point === 'origin') return { height: 0n, hash: 'origin', slot: 0n };
    if (this.cursor?.hash === point.id) return this.cursor;
    const known = this.recent.find((r) => r.hash === point.id);
    if (known) return known;
    const stored = (await this.opts.store.recentBlocks(this.chain, this.keepBlocks)).find((r) => r.hash === point.id);
    if (stored) return stored;
    throw new Error(`rollback to an unknown point (slot ${String(point.slot)}, ${point.id}): deeper than ${this.keepBlocks} recorded blocks`);
  }

  private async createdEscrow(ref: string): Promise<EscrowCreatedEvent | null> {
    const cached = this.escrows.get(ref);
    if (cached) return cached;
    const [txId, index] = ref.split('#') as [string, string];
    const stored = await this.opts.store.eventById(this.chain, `${this.chain}:${txId}:${index}`);
    return stored?.type === 'escrow_created' && stored.escrow === escrowRef(txId, Number(index)) ? stored : null;
  }

  private remember(e: EscrowCreatedEvent): void {
    this.escrows.set(e.escrow, e);
    if (this.escrows.size > ESCROW_CACHE_LIMIT) {
      const oldest = this.escrows.keys().next().value;
      if (oldest !== undefined) this.escrows.delete(oldest);
    }
  }

  // ---- commit -------------------------------------------------------------------------------

  private async flush(): Promise<void> {
    const { blocks, observed } = this.batch;
    if (blocks.length === 0) return;
    const cursor = blocks[blocks.length - 1]!;
    const finalized = this.finalAt(cursor.height, observed);
    const updates = await this.opts.store.apply({ chain: this.chain, cursor, blocks, observed, finalized });
    crashPoint('cardano:commit');
    this.batch = { blocks: [], observed: [] };
    this.cursor = cursor;
    this.recent.push(...blocks);
    if (this.recent.length > this.keepBlocks) this.recent.splice(0, this.recent.length - this.keepBlocks);
    for (const e of observed) this.pending.set(e.id, e);
    for (const id of finalized) this.pending.delete(id);
    this.updatedAt = this.now();
    this.metrics.processedHeight.set({ chain: this.chain }, Number(cursor.height));
    if (this.tip) this.metrics.lagBlocks.set({ chain: this.chain }, Math.max(0, this.tip.height - Number(cursor.height)));
    if (++this.flushes % 100 === 0 && cursor.height > BigInt(this.keepBlocks)) {
      await this.opts.store.pruneBlocks(this.chain, cursor.height - BigInt(this.keepBlocks));
    }
    await this.publish(updates);
  }

  /** Ids of observed events (stored or in this batch) with enough confirmations at `height`. */
  private finalAt(height: bigint, batch: ChainEvent[]): string[] {
    const depth = BigInt(this.opts.confirmations);
    const isFinal = (e: ChainEvent) => height - e.blockNumber + 1n >= depth;
    return [...[...this.pending.values()].filter(isFinal), ...batch.filter(isFinal)].map((e) => e.id);
  }

  private async publish(updates: ChainEventUpdate[]): Promise<void> {
    for (const u of updates) {
      this.metrics.events.inc({ chain: this.chain, type: u.event.type, status: u.status });
      await this.opts.bus.publish('chain', u);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private setConnected(up: boolean): void {
    this.connected = up;
    this.metrics.connected.set({ chain: this.chain }, up ? 1 : 0);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wakeSleeper = null;
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}

function connectionOf(e: OgmiosEndpoint): { host: string; port: number; tls?: boolean } | { address: { http: string; webSocket: string } } {
  if ('url' in e) {
    const u = new URL(e.url);
    const secure = u.protocol === 'wss:' || u.protocol === 'https:';
    const base = `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    return { address: { http: `${secure ? 'https' : 'http'}://${base}`, webSocket: `${secure ? 'wss' : 'ws'}://${base}` } };
  }
  return { host: e.host, port: e.port, ...(e.tls ? { tls: true } : {}) };
}

function closeSocket(context: InteractionContext): void {
  const s = context.socket;
  if (s.readyState === s.OPEN || s.readyState === s.CONNECTING) s.close();
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (err && typeof err === 'object') {
    const e = (err as { error?: { message?: string; code?: number } }).error;
    if (e?.message) return `${e.code ?? ''} ${e.message}`.trim();
    return JSON.stringify(err).slice(0, 300);
  }
  return String(err);
}
