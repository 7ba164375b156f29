/**
 * The EVM escrow monitor: scans the factory's and its escrows' logs in bounded block ranges,
 * turns them into chain events, and commits each batch with its cursor through
 * ChainStateStore.apply (one transaction). Only what `apply` returns is published on the bus,
 * after the commit, so a restart (which resumes from the stored cursor) never publishes an
 * update twice.
 *
 * Reorgs: viem's watchers do not report them (DESIGN §12), so every round compares the stored
 * hashes of the cursor block and of blocks holding unconfirmed events with the node's. On a
 * mismatch it walks the recorded blocks back to the newest one the node still has, rolls the
 * store back to it (publishing the 'reverted' updates) and scans again from there.
 */
import { getAddress, createPublicClient, http, type Address, type Hex, type PublicClient } from 'viem';
import { Registry } from 'prom-client';
import type { Bus } from '../../bus/types.js';
import { crashPoint } from '../../observability/crash-points.js';
import type { ChainEvent, ChainEventUpdate } from '../events.js';
import type { BlockRef, ChainBatch, ChainStateStore } from '../ports.js';
import { ALL_TOPICS, TOPIC } from './abi.js';
import { decodeEscrowLog, decodeFactoryLog, logKind, type EscrowRef, type RawLog } from './decode.js';
import { chainEscrowLookup, EscrowRegistry, type EscrowLookup } from './escrow-registry.js';
import { evmMonitorMetrics, type EvmMonitorMetrics } from './metrics.js';
import { NewHeadsSubscription } from './new-heads.js';
import { finalHeight, nextRange, RangeSizer, type BlockRange } from './ranges.js';
import { describeRpcError, isRangeTooLargeError } from './rpc-errors.js';
import { getHeader, getRawLogs, type BlockHeader } from './rpc.js';

export interface MonitorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EvmMonitorOptions {
  chainId: number;
  /** JSON-RPC over HTTP: every read goes through it. */
  rpcUrl: string;
  /** Optional WebSocket endpoint: newHeads wake the monitor at once instead of at the next poll. */
  wsUrl?: string;
  factory: Address;
  /** First block to scan when no cursor is stored (e.g. the factory's deployment block). */
  startBlock: bigint;
  /** EVM_CONFIRMATIONS: an event is final once its block has this many confirmations (itself included). */
  confirmations: number;
  store: ChainStateStore;
  bus: Bus;
  registry?: Registry;
  /** Largest eth_getLogs range, in blocks (shrinks on "too many results"). Default 2,000. */
  maxBlockRange?: number;
  /** Pause between rounds once caught up. Default 2,000 ms. */
  pollIntervalMs?: number;
  /** Retry backoff after an error: starts at minBackoffMs, doubles, capped. Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10,000 ms. */
  rpcTimeoutMs?: number;
  /** Recorded block hashes kept below the cursor for fork-point search. Default max(256, 4 × confirmations). */
  keepBlocks?: number;
  /** Resolves an unknown escrow address (default: from the factory's creation logs on chain). */
  escrowLookup?: EscrowLookup;
  logger?: MonitorLogger;
  /** Wall clock in ms, for status().updatedAt. */
  now?: () => number;
}

export interface EvmMonitorStatus {
  chain: string;
  connected: boolean;
  lastBlock: number | null;
  lastBlockHash: string | null;
  headBlock: number | null;
  lagBlocks: number | null;
  lastError: string | null;
  /** ISO time of the last successful round. */
  updatedAt: string | null;
}

/** Headers recorded per batch inside the confirmation window (exact fork points within it). */
const MAX_WINDOW_HEADERS = 128n;

const silentLogger: MonitorLogger = { info() {}, warn() {}, error() {} };

/** The node's answer moved under us mid-round (a reorg in flight): retry at once. */
class ChainMovedError extends Error {}

export class EvmEscrowMonitor {
  readonly chain: string;
  private readonly client: PublicClient;
  private readonly factory: Address;
  private readonly registry: EscrowRegistry;
  private readonly sizer: RangeSizer;
  private readonly metrics: EvmMonitorMetrics;
  private readonly log: MonitorLogger;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly keepBlocks: number;
  private readonly heads: NewHeadsSubscription | null;

  private running = false;
  private loop: Promise<void> | null = null;
  private cursor: BlockRef | null = null;
  private chainChecked = false;
  private wakeRequested = false;
  private wakeSleeper: (() => void) | null = null;
  private batchesSincePrune = 0;

  private connected = false;
  private head: bigint | null = null;
  private lastError: string | null = null;
  private updatedAt: number | null = null;

  constructor(private readonly opts: EvmMonitorOptions) {
    if (!Number.isInteger(opts.chainId) || opts.chainId <= 0) throw new RangeError('chainId must be a positive integer');
    if (!Number.isInteger(opts.confirmations) || opts.confirmations < 0) {
      throw new RangeError('confirmations must be a non-negative integer');
    }
    if (opts.startBlock < 0n) throw new RangeError('startBlock must be >= 0');
    this.chain = String(opts.chainId);
    this.factory = getAddress(opts.factory);
    this.client = createPublicClient({
      transport: http(opts.rpcUrl, { retryCount: 0, timeout: opts.rpcTimeoutMs ?? 10_000 }),
    });
    const maxRange = opts.maxBlockRange ?? 2_000;
    this.sizer = new RangeSizer(maxRange);
    this.registry = new EscrowRegistry(
      opts.escrowLookup ?? chainEscrowLookup(this.client, this.chain, this.factory, opts.startBlock, maxRange),
    );
    this.metrics = evmMonitorMetrics(opts.registry ?? new Registry());
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2_000;
    this.minBackoffMs = opts.minBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.keepBlocks = opts.keepBlocks ?? Math.max(256, 4 * opts.confirmations);
    this.heads = opts.wsUrl
      ? new NewHeadsSubscription({
          url: opts.wsUrl,
          onHead: () => this.wake(),
          onStateChange: (up, err) => {
            if (!up && err) this.log.warn({ chain: this.chain, err: describeRpcError(err) }, 'newHeads socket failed; polling');
          },
          minBackoffMs: this.minBackoffMs,
          maxBackoffMs: this.maxBackoffMs,
        })
      : null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cursor = await this.opts.store.getCursor(this.chain);
    if (this.cursor) this.metrics.processedBlock.set({ chain: this.chain }, Number(this.cursor.height));
    this.heads?.start();
    this.loop = this.run();
  }

  /** Idempotent. Lets the round in progress commit, then returns. */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.loop;
      return;
    }
    this.running = false;
    this.heads?.stop();
    this.wake();
    await this.loop;
    this.loop = null;
  }

  status(): EvmMonitorStatus {
    const lastBlock = this.cursor ? Number(this.cursor.height) : null;
    const headBlock = this.head === null ? null : Number(this.head);
    return {
      chain: this.chain,
      connected: this.connected,
      lastBlock,
      lastBlockHash: this.cursor?.hash ?? null,
      headBlock,
      lagBlocks: headBlock === null ? null : Math.max(0, headBlock - (lastBlock ?? Number(this.opts.startBlock) - 1)),
      lastError: this.lastError,
      updatedAt: this.updatedAt === null ? null : new Date(this.updatedAt).toISOString(),
    };
  }

  /** Asks for a round now (e.g. a new head was announced). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let moved = 0;
    while (this.running) {
      let more = false;
      try {
        more = await this.round();
        failures = 0;
        moved = 0;
        this.lastError = null;
        this.updatedAt = this.now();
      } catch (err) {
        // A reorg in flight: retry at once, but not forever (a node answering inconsistently).
        if (err instanceof ChainMovedError && ++moved <= 5) {
          more = true;
        } else {
          moved = 0;
          failures++;
          this.lastError = describeRpcError(err);
          this.log.warn({ chain: this.chain, err: this.lastError, failures }, 'evm monitor round failed; retrying');
          await this.sleep(Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(failures - 1, 16)), false);
          continue;
        }
      }
      if (!more) await this.sleep(this.pollIntervalMs, true);
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeable && this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        this.wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      // Backoff sleeps are only cut short by stop(); poll sleeps also by new heads.
      this.wakeSleeper = wakeable ? done : () => (this.running ? undefined : done());
    });
  }

  /** Calls the node; failures mark the monitor disconnected and count as RPC errors. */
  private async rpc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.connected = true;
      return out;
    } catch (err) {
      if (!isRangeTooLargeError(err)) {
        this.connected = false;
        // Whatever answers after an outage may be another node: check its chain id again.
        this.chainChecked = false;
        this.metrics.rpcErrors.inc({ chain: this.chain });
      }
      throw err;
    }
  }

  /** One round. Returns true when there is more to do right away. */
  private async round(): Promise<boolean> {
    if (!this.chainChecked) {
      const id = await this.rpc(() => this.client.request({ method: 'eth_chainId' }));
      if (Number(BigInt(id)) !== this.opts.chainId) {
        throw new Error(`node reports chain id ${Number(BigInt(id))}, configured ${this.opts.chainId}; refusing to scan`);
      }
      this.chainChecked = true;
    }
    const head = BigInt(await this.rpc(() => this.client.request({ method: 'eth_blockNumber' })));
    this.setHead(head);
    const pending = await this.opts.store.pending(this.chain);

    if (this.cursor && (await this.handleReorg(this.cursor, pending))) return true;

    const finalAt = finalHeight(head, this.opts.confirmations);
    const range = nextRange(this.cursor?.height ?? null, this.opts.startBlock, head, this.sizer.current);
    if (!range) {
      const finalized = pending.filter((e) => e.blockNumber <= finalAt).map((e) => e.id);
      if (finalized.length > 0 && this.cursor) await this.commit({ chain: this.chain, cursor: this.cursor, finalized });
      return false;
    }

    const { logs, to } = await this.fetchLogs(range);
    const batch = await this.buildBatch(range.from, to, logs, finalAt);
    batch.finalized = [...pending, ...(batch.observed ?? [])].filter((e) => e.blockNumber <= finalAt).map((e) => e.id);
    await this.commit(batch);
    await this.maybePrune();
    return to < head;
  }

  private setHead(head: bigint): void {
    this.head = head;
    this.metrics.headBlock.set({ chain: this.chain }, Number(head));
    const processed = this.cursor ? this.cursor.height : this.opts.startBlock - 1n;
    this.metrics.lagBlocks.set({ chain: this.chain }, Math.max(0, Number(head - processed)));
  }

  /** eth_getLogs over the range, halving it while the node refuses it as too large. */
  private async fetchLogs(range: BlockRange): Promise<{ logs: RawLog[]; to: bigint }> {
    let to = range.to;
    for (;;) {
      try {
        const logs = await this.rpc(() =>
          getRawLogs(this.client, { topics: [ALL_TOPICS], fromBlock: range.from, toBlock: to }),
        );
        if (to === range.to) this.sizer.grow();
        return { logs, to };
      } catch (err) {
        if (!isRangeTooLargeError(err) || !this.sizer.shrink()) throw err;
        to = range.from + BigInt(this.sizer.current) - 1n;
        this.log.info({ chain: this.chain, blocks: this.sizer.current }, 'node refused log range; shrinking');
      }
    }
  }

  /** Decodes the logs of [from, to] into events and collects the block hashes to record. */
  private async buildBatch(from: bigint, to: bigint, logs: RawLog[], finalAt: bigint): Promise<ChainBatch> {
    const sorted = [...logs].sort((a, b) =>
      a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber! < b.blockNumber! ? -1 : 1,
    );
    // Pass 1, in chain order: keep the factory's logs and logs of escrows it created. A creation
    // registers its escrow before any later log in the same batch is judged.
    const relevant: { log: RawLog; ref?: EscrowRef }[] = [];
    for (const log of sorted) {
      const kind = logKind(log, this.factory);
      if (kind === 'factory') {
        const topic0 = log.topics[0];
        if ((topic0 === TOPIC.SrcEscrowCreated || topic0 === TOPIC.DstEscrowCreated) && log.topics[1] && log.topics[2]) {
          this.registry.remember({
            escrow: getAddress(`0x${log.topics[2].slice(26)}`),
            orderHash: log.topics[1] as Hex,
            side: topic0 === TOPIC.SrcEscrowCreated ? 'src' : 'dst',
          });
        }
        relevant.push({ log });
      } else if (kind === 'escrow') {
        const ref = await this.rpc(() => this.registry.resolve(log.address, log.blockNumber ?? to));
        if (ref) relevant.push({ log, ref });
        else this.metrics.ignoredLogs.inc({ chain: this.chain });
      } else {
        this.metrics.ignoredLogs.inc({ chain: this.chain });
      }
    }

    // Headers: the batch's last block (the cursor), every block still inside the confirmation
    // window (exact fork points later), and blocks of events whose logs carry no timestamp.
    const need = new Set<bigint>([to]);
    // Capped, so a very deep confirmation setting cannot turn a catch-up batch into thousands of reads.
    let windowStart = finalAt + 1n > from ? finalAt + 1n : from;
    if (to - windowStart >= MAX_WINDOW_HEADERS) windowStart = to - MAX_WINDOW_HEADERS + 1n;
    for (let h = windowStart; h <= to; h++) need.add(h);
    for (const { log } of relevant) if (log.blockTimestamp == null) need.add(log.blockNumber!);
    const headers = await this.fetchHeaders([...need]);

    const observed: ChainEvent[] = [];
    const blocks = new Map<bigint, BlockRef>();
    for (const h of headers.values()) if (h.number > finalAt || h.number === to) blocks.set(h.number, { height: h.number, hash: h.hash });
    for (const { log, ref } of relevant) {
      const header = headers.get(log.blockNumber!);
      if (header && header.hash !== log.blockHash) throw new ChainMovedError('block changed during scan');
      const blockTime = log.blockTimestamp != null ? Number(log.blockTimestamp) : header!.timestamp;
      try {
        observed.push(ref ? decodeEscrowLog(this.chain, log, blockTime, ref) : decodeFactoryLog(this.chain, log, blockTime).event);
      } catch (err) {
        // Cannot come from our contracts; skipping beats stalling the monitor on one log.
        this.metrics.ignoredLogs.inc({ chain: this.chain });
        this.log.warn({ chain: this.chain, txHash: log.transactionHash, err: describeRpcError(err) }, 'undecodable log skipped');
        continue;
      }
      blocks.set(log.blockNumber!, { height: log.blockNumber!, hash: log.blockHash! });
    }
    const cursorHeader = headers.get(to)!;
    return {
      chain: this.chain,
      cursor: { height: to, hash: cursorHeader.hash },
      blocks: [...blocks.values()].sort((a, b) => (a.height < b.height ? -1 : 1)),
      observed,
    };
  }

  private async fetchHeaders(heights: bigint[]): Promise<Map<bigint, BlockHeader>> {
    const out = new Map<bigint, BlockHeader>();
    const CONCURRENCY = 16;
    for (let i = 0; i < heights.length; i += CONCURRENCY) {
      const chunk = heights.slice(i, i + CONCURRENCY);
      const got = await Promise.all(chunk.map((h) => this.rpc(() => getHeader(this.client, h))));
      got.forEach((header, j) => {
        // The node no longer has a block we just saw in its logs: its head went back.
        if (!header) throw new ChainMovedError(`block ${chunk[j]} vanished during scan`);
        out.set(header.number, header);
      });
    }
    return out;
  }

  /**
   * Compares the cursor block and the blocks of unconfirmed events with the node. On a mismatch,
   * rolls back to the newest recorded block below it that the node still has. Returns whether it did.
   */
  private async handleReorg(cursor: BlockRef, pending: ChainEvent[]): Promise<boolean> {
    const expected = new Map<bigint, string>([[cursor.height, cursor.hash]]);
    for (const e of pending) expected.set(e.blockNumber, e.blockHash);
    const heights = [...expected.keys()];
    const actual = await Promise.all(heights.map((h) => this.rpc(() => getHeader(this.client, h))));
    let lowestMismatch: bigint | null = null;
    heights.forEach((h, i) => {
      if (actual[i]?.hash !== expected.get(h) && (lowestMismatch === null || h < lowestMismatch)) lowestMismatch = h;
    });
    if (lowestMismatch === null) return false;

    const forkPoint = await this.findForkPoint(lowestMismatch);
    const updates = await this.opts.store.rollback(this.chain, forkPoint);
    this.cursor = forkPoint;
    this.metrics.reorgs.inc({ chain: this.chain });
    this.metrics.processedBlock.set({ chain: this.chain }, Number(forkPoint.height));
    this.log.warn(
      { chain: this.chain, mismatchAt: String(lowestMismatch), forkPoint: String(forkPoint.height), reverted: updates.length },
      'reorg detected; rolled back',
    );
    await this.publish(updates);
    return true;
  }

  private async findForkPoint(below: bigint): Promise<BlockRef> {
    const recorded = await this.opts.store.recentBlocks(this.chain, this.keepBlocks + 64);
    for (const b of recorded) {
      if (b.height >= below) continue;
      const node = await this.rpc(() => getHeader(this.client, b.height));
      if (node?.hash === b.hash) return b;
    }
    // Deeper than anything recorded: rescan from the start block (events are deduplicated by id).
    const height = this.opts.startBlock > 0n ? this.opts.startBlock - 1n : 0n;
    const node = await this.rpc(() => getHeader(this.client, height));
    if (!node) throw new Error(`node has no block ${height} to roll back to`);
    this.log.error({ chain: this.chain, height: String(height) }, 'reorg deeper than recorded blocks; rescanning from start');
    return { height, hash: node.hash };
  }

  private async commit(batch: ChainBatch): Promise<void> {
    const updates = await this.opts.store.apply(batch);
    crashPoint('evm:commit');
    this.cursor = batch.cursor;
    this.metrics.processedBlock.set({ chain: this.chain }, Number(batch.cursor.height));
    if (this.head !== null) this.metrics.lagBlocks.set({ chain: this.chain }, Math.max(0, Number(this.head - batch.cursor.height)));
    await this.publish(updates);
  }

  private async publish(updates: ChainEventUpdate[]): Promise<void> {
    for (const u of updates) {
      this.metrics.events.inc({ chain: this.chain, type: u.event.type, status: u.status });
      try {
        await this.opts.bus.publish('chain', u);
      } catch (err) {
        // Already committed: subscribers can re-read the store. Never retry (no double publish).
        this.log.error({ chain: this.chain, id: u.event.id, err: describeRpcError(err) }, 'bus publish failed');
      }
    }
  }

  private async maybePrune(): Promise<void> {
    if (++this.batchesSincePrune < 50 || !this.cursor) return;
    this.batchesSincePrune = 0;
    const below = this.cursor.height - BigInt(this.keepBlocks);
    if (below > 0n) await this.opts.store.pruneBlocks(this.chain, below);
  }
}
