/**
 * The EVM chain source: the logs with the escrow event topics, read in bounded block ranges over
 * JSON-RPC, and the reorgs the node went through (a `ChainSource` for the follower).
 *
 * Each `next()`: check the node's chain id (once per connection), read its head, then
 * - reorg check: viem's watchers do not report reorgs (architecture §12), so the hashes of the cursor
 *   block and of blocks holding unconfirmed events are compared with the node's. On a mismatch the
 *   recorded blocks are walked back to the newest one the node still has: a `rollback` step to it;
 * - otherwise the next range after the cursor: one `eth_getLogs` filtered on the topics (halved
 *   while the node refuses the range as too large), the headers of the confirmation window and of
 *   logs without a timestamp: a `forward` step (committed at once);
 * - caught up: an `idle` step, and the next call waits for the poll interval or a newHeads wake.
 * A block that changes under a read (a reorg in flight) makes the round start again at once.
 */
import { createPublicClient, http, type Hex, type PublicClient } from 'viem';
import { finalHeight } from '../finality.js';
import type { BlockRef, ChainSource, FollowerView, SourceStep } from '../ports.js';
import { ALL_TOPICS } from './abi.js';
import type { RawLog } from './decode.js';
import { NewHeadsSubscription } from './new-heads.js';
import { nextRange, RangeSizer, type BlockRange } from './ranges.js';
import { describeRpcError, isRangeTooLargeError } from './rpc-errors.js';
import { getHeader, getRawLogs, type BlockHeader } from './rpc.js';

/** A log with its block's time (unix seconds): what the EVM decoder reads. */
export type TimedLog = RawLog & { blockNumber: bigint; blockHash: Hex; blockTime: number };

/** The logs of one block range, in the node's order. */
export interface EvmLogBatch {
  logs: TimedLog[];
}

export interface EvmSourceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EvmSourceOptions {
  chainId: number;
  /** JSON-RPC over HTTP: every read goes through it. */
  rpcUrl: string;
  /** Optional WebSocket endpoint: newHeads wake the source at once instead of at the next poll. */
  wsUrl?: string;
  /** First block to scan when no cursor is stored (e.g. the factory's deployment block). */
  startBlock: bigint;
  /** Blocks inside this depth get their hashes recorded (exact fork points). */
  confirmations: number;
  /** Recorded blocks searched for a fork point. */
  keepBlocks: number;
  /** Largest eth_getLogs range, in blocks (shrinks on "too many results"). Default 2,000. */
  maxBlockRange?: number;
  /** Pause between rounds once caught up. Default 2,000 ms. */
  pollIntervalMs?: number;
  /** newHeads socket reconnect backoff. Defaults 250 / 30,000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10,000 ms. */
  rpcTimeoutMs?: number;
  logger?: EvmSourceLogger;
}

/** Headers recorded per batch inside the confirmation window (exact fork points within it). */
const MAX_WINDOW_HEADERS = 128n;
/** Immediate retries of a round whose blocks changed under it, before it counts as a failure. */
const MAX_MOVED_RETRIES = 5;

const silentLogger: EvmSourceLogger = { info() {}, warn() {}, error() {} };

/** The node's answer moved under us mid-round (a reorg in flight): retry at once. */
class ChainMovedError extends Error {}

export class EvmChainSource implements ChainSource<EvmLogBatch> {
  readonly chain: string;
  readonly startHeight: bigint;
  /** The client every read goes through (the escrow lookup of the decoder uses it too). */
  readonly client: PublicClient;
  private readonly sizer: RangeSizer;
  private readonly log: EvmSourceLogger;
  private readonly pollIntervalMs: number;
  private readonly heads: NewHeadsSubscription | null;

  private chainChecked = false;
  private caughtUp = false;
  private closed = false;
  private headsStarted = false;
  private wakeRequested = false;
  private wakeSleeper: (() => void) | null = null;
  private up = false;

  constructor(private readonly opts: EvmSourceOptions) {
    if (!Number.isInteger(opts.chainId) || opts.chainId <= 0) throw new RangeError('chainId must be a positive integer');
    if (opts.startBlock < 0n) throw new RangeError('startBlock must be >= 0');
    this.chain = String(opts.chainId);
    this.startHeight = opts.startBlock - 1n;
    this.client = createPublicClient({
      transport: http(opts.rpcUrl, { retryCount: 0, timeout: opts.rpcTimeoutMs ?? 10_000 }),
    });
    this.sizer = new RangeSizer(opts.maxBlockRange ?? 2_000);
    this.log = opts.logger ?? silentLogger;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2_000;
    this.heads = opts.wsUrl
      ? new NewHeadsSubscription({
          url: opts.wsUrl,
          onHead: () => this.wake(),
          onStateChange: (up, err) => {
            if (!up && err) this.log.warn({ chain: this.chain, err: describeRpcError(err) }, 'newHeads socket failed; polling');
          },
          minBackoffMs: opts.minBackoffMs,
          maxBackoffMs: opts.maxBackoffMs,
        })
      : null;
  }

  get connected(): boolean {
    return this.up;
  }

  async next(view: FollowerView): Promise<SourceStep<EvmLogBatch>> {
    if (!this.headsStarted && !this.closed) {
      this.headsStarted = true;
      this.heads?.start();
    }
    if (this.caughtUp) await this.waitForHead();
    if (this.closed) return { kind: 'idle', head: null };
    for (let moved = 0; ; moved++) {
      try {
        return await this.round(view);
      } catch (err) {
        if (!(err instanceof ChainMovedError) || moved >= MAX_MOVED_RETRIES) throw err;
      }
    }
  }

  /** Stateless between steps: every round starts from the view. */
  async reset(): Promise<void> {
    this.caughtUp = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heads?.stop();
    this.wake();
  }

  /** Asks for a round now (e.g. a new head was announced). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  private waitForHead(): Promise<void> {
    if (this.wakeRequested || this.closed) {
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
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wakeSleeper = done;
    });
  }

  /** Calls the node; a failure marks it disconnected (a refused range is an answer, not an outage). */
  private async rpc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.up = true;
      return out;
    } catch (err) {
      if (!isRangeTooLargeError(err)) {
        this.up = false;
        // Whatever answers after an outage may be another node: check its chain id again.
        this.chainChecked = false;
      }
      throw err;
    }
  }

  private async round(view: FollowerView): Promise<SourceStep<EvmLogBatch>> {
    this.caughtUp = false;
    if (!this.chainChecked) {
      const id = await this.rpc(() => this.client.request({ method: 'eth_chainId' }));
      if (Number(BigInt(id)) !== this.opts.chainId) {
        throw new Error(`node reports chain id ${Number(BigInt(id))}, configured ${this.opts.chainId}; refusing to scan`);
      }
      this.chainChecked = true;
    }
    const headHeight = BigInt(await this.rpc(() => this.client.request({ method: 'eth_blockNumber' })));
    const head = { height: headHeight };
    const cursor = view.cursor();

    if (cursor) {
      const forkPoint = await this.checkReorg(view, cursor);
      if (forkPoint) return { kind: 'rollback', to: forkPoint, head };
    }

    const range = nextRange(cursor?.height ?? null, this.opts.startBlock, headHeight, this.sizer.current);
    if (!range) {
      this.caughtUp = true;
      return { kind: 'idle', head };
    }
    const { logs, to } = await this.fetchLogs(range);
    const finalAt = finalHeight(headHeight, this.opts.confirmations);

    // Headers: the range's last block (the cursor), every block still inside the confirmation
    // window (exact fork points later), and blocks of logs that carry no timestamp. The window
    // is capped, so a very deep confirmation setting cannot turn a catch-up batch into thousands of reads.
    const need = new Set<bigint>([to]);
    let windowStart = finalAt + 1n > range.from ? finalAt + 1n : range.from;
    if (to - windowStart >= MAX_WINDOW_HEADERS) windowStart = to - MAX_WINDOW_HEADERS + 1n;
    for (let h = windowStart; h <= to; h++) need.add(h);
    for (const log of logs) if (log.blockTimestamp == null) need.add(log.blockNumber!);
    const headers = await this.fetchHeaders([...need]);

    const timed: TimedLog[] = logs.map((log) => {
      const header = headers.get(log.blockNumber!);
      if (header && header.hash !== log.blockHash) throw new ChainMovedError('block changed during scan');
      const blockTime = log.blockTimestamp != null ? Number(log.blockTimestamp) : header!.timestamp;
      return { ...log, blockNumber: log.blockNumber!, blockHash: log.blockHash!, blockTime };
    });
    const blocks: BlockRef[] = [];
    for (const h of headers.values()) if (h.number > finalAt || h.number === to) blocks.push({ height: h.number, hash: h.hash });
    this.caughtUp = to >= headHeight;
    return { kind: 'forward', raw: { logs: timed }, cursor: { height: to, hash: headers.get(to)!.hash }, blocks, head, flush: true };
  }

  /**
   * Compares the cursor block and the blocks of unconfirmed events with the node. On a mismatch,
   * returns the newest recorded block below it that the node still has; null when all match.
   */
  private async checkReorg(view: FollowerView, cursor: BlockRef): Promise<BlockRef | null> {
    const expected = new Map<bigint, string>([[cursor.height, cursor.hash]]);
    for (const e of view.pending()) expected.set(e.blockNumber, e.blockHash);
    const heights = [...expected.keys()];
    const actual = await Promise.all(heights.map((h) => this.rpc(() => getHeader(this.client, h))));
    let lowestMismatch: bigint | null = null;
    heights.forEach((h, i) => {
      if (actual[i]?.hash !== expected.get(h) && (lowestMismatch === null || h < lowestMismatch)) lowestMismatch = h;
    });
    if (lowestMismatch === null) return null;
    this.log.warn({ chain: this.chain, mismatchAt: String(lowestMismatch) }, 'reorg detected; looking for the fork point');
    return this.findForkPoint(view, lowestMismatch);
  }

  private async findForkPoint(view: FollowerView, below: bigint): Promise<BlockRef> {
    const recorded = await view.recentBlocks(this.opts.keepBlocks + 64);
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

  /** eth_getLogs over the range, halving it while the node refuses it as too large. */
  private async fetchLogs(range: BlockRange): Promise<{ logs: RawLog[]; to: bigint }> {
    let to = range.to;
    for (;;) {
      try {
        const logs = await this.rpc(() => getRawLogs(this.client, { topics: [ALL_TOPICS], fromBlock: range.from, toBlock: to }));
        if (to === range.to) this.sizer.grow();
        return { logs, to };
      } catch (err) {
        if (!isRangeTooLargeError(err) || !this.sizer.shrink()) throw err;
        to = range.from + BigInt(this.sizer.current) - 1n;
        this.log.info({ chain: this.chain, blocks: this.sizer.current }, 'node refused log range; shrinking');
      }
    }
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
}
