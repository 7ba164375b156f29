/**
 * The reference resolver (EVM source → Cardano destination): watches the relayer's active
 * orders and prices over its public API, fills when the auction price reaches its margin,
 * creates both escrows, waits for the maker's secret, withdraws on both chains, and cancels
 * its escrows when their timelocks expire without a secret.
 *
 * Every job is written to a JSON file before and after each chain action, so a restarted
 * resolver resumes where it stopped instead of filling twice.
 */
import type { Logger } from 'pino';
import type { Hex } from 'viem';
import { RelayerClient, type OrderView, type PublicAction, type WireOrder } from '../client/http.js';
import { RelayerSocket, type ServerMessage } from '../client/ws.js';
import type { DestinationChain, DstEscrowRequest, PendingDstTx } from './destination.js';
import type { EvmSourceChain, SrcFill } from './evm.js';
import { escrowSettled } from './escrow-settled.js';
import { JsonFile } from './json-file.js';
import { PublicActionRunner } from './public-actions.js';

/**
 * filling → src_created → dst_created → dst_withdrawn → done (the secret came), or
 * dst_created → dst_cancelled → cancelled (no secret: the destination comes back to the
 * resolver at once, the source goes back to the maker once its cancellation opens).
 */
export type JobState = 'filling' | 'src_created' | 'dst_created' | 'dst_withdrawn' | 'done' | 'dst_cancelled' | 'cancelled' | 'failed';

export interface Job {
  orderHash: Hex;
  state: JobState;
  order: WireOrder;
  dstAmount: string;
  src?: { escrow: string; txHash: string; deployedAt: number; immutables: Record<string, string> };
  dst?: { escrow: string; txId: string; withdrawalAt: number; cancellationAt: number };
  /** The destination escrow tx once signed and until it landed or died: a retry re-sends these bytes. */
  dstPending?: PendingDstTx;
  secret?: Hex;
  txs: Record<string, string>;
  error?: string;
  updatedAt: string;
}

export interface ResolverOptions {
  relayerUrl: string;
  wsUrl: string;
  apiKey: string;
  src: EvmSourceChain;
  dst: DestinationChain;
  /** The most this resolver pays on the destination chain for an order, or null to skip it. */
  maxPayment: (order: WireOrder) => bigint | null;
  jobsFile: string;
  logger: Logger;
  pollMs?: number;
  /** Take part in public withdrawals/cancellations of other resolvers' escrows (default true). */
  publicActions?: boolean;
  /** How often to ask the relayer for public actions besides the WS announcements (default 5 s). */
  publicActionsPollMs?: number;
}

/** Job states in which the job itself still settles the order's escrows. */
const SETTLING: ReadonlySet<JobState> = new Set(['filling', 'src_created', 'dst_created', 'dst_withdrawn', 'dst_cancelled']);

export class ResolverBot {
  private readonly client: RelayerClient;
  private socket: RelayerSocket | null = null;
  private jobs = new Map<string, Job>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** One chain action at a time: the resolver's accounts have one nonce/UTxO set each. */
  private queue: Promise<void> = Promise.resolve();
  private readonly publicActions: PublicActionRunner | null;
  private lastPublicPoll = 0;
  /** Every job, written before and after each chain action. */
  private readonly jobsFile: JsonFile<Job[]>;

  constructor(private readonly opts: ResolverOptions) {
    this.client = new RelayerClient(opts.relayerUrl, { apiKey: opts.apiKey });
    this.jobsFile = new JsonFile(opts.jobsFile);
    this.publicActions =
      opts.publicActions === false
        ? null
        : new PublicActionRunner({
            client: this.client,
            src: opts.src,
            dst: opts.dst,
            stateFile: opts.jobsFile.replace(/(\.json)?$/, '.public-actions.json'),
            ownsOrder: (orderHash) => {
              const job = this.job(orderHash);
              return job !== undefined && SETTLING.has(job.state);
            },
            logger: opts.logger,
          });
  }

  /** The public-action runner, for operators and tests (null when disabled). */
  get publicActionRunner(): PublicActionRunner | null {
    return this.publicActions;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.loadJobs();
    await this.publicActions?.load();
    this.socket = new RelayerSocket(this.opts.wsUrl, {
      apiKey: this.opts.apiKey,
      onMessage: (m) => this.onMessage(m),
    });
    this.socket.subscribe('orders', 'prices', 'secrets');
    await this.socket.ready();
    this.timer = setInterval(() => this.enqueue(() => this.tick()), this.opts.pollMs ?? 1_000);
    this.enqueue(() => this.tick());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.socket?.close();
    await this.queue;
  }

  job(orderHash: string): Job | undefined {
    return this.jobs.get(orderHash.toLowerCase());
  }

  /** Resolves when the job for `orderHash` reaches one of `states`. */
  async waitFor(orderHash: string, states: JobState[], timeoutMs = 120_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const j = this.job(orderHash);
      if (j && states.includes(j.state)) return j;
      if (Date.now() > deadline) throw new Error(`job ${orderHash} not in ${states.join('/')} after ${timeoutMs} ms (is ${j?.state ?? 'absent'})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private onMessage(m: ServerMessage): void {
    if (m.type === 'secret_shared') {
      const { orderHash, secret } = m.data as { orderHash: string; secret: Hex };
      const job = this.job(orderHash);
      if (job && !job.secret) {
        job.secret = secret;
        this.enqueue(() => this.advance(job));
      }
    } else if (m.type === 'public_action' && this.publicActions) {
      this.publicActions.offer(m.data as unknown as PublicAction);
      this.enqueue(() => this.publicActions!.run());
    } else if (m.type === 'price_update' || m.type === 'order_created') {
      this.enqueue(() => this.scan());
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (!this.running) return;
      try {
        await work();
      } catch (err) {
        this.opts.logger.error({ err }, 'resolver step failed; will retry');
      }
    });
  }

  private async tick(): Promise<void> {
    await this.scan();
    for (const job of this.jobs.values()) {
      // One job failing (a chain call refused) must not hold up the others.
      await this.advance(job).catch((err: unknown) => this.opts.logger.error({ err, orderHash: job.orderHash }, 'resolver job step failed; will retry'));
    }
    if (this.publicActions) {
      if (Date.now() - this.lastPublicPoll >= (this.opts.publicActionsPollMs ?? 5_000)) {
        this.lastPublicPoll = Date.now();
        await this.publicActions.poll();
      }
      await this.publicActions.run();
    }
  }

  /** Fills every active order whose current price is within this resolver's limit. */
  private async scan(): Promise<void> {
    const { items } = await this.client.active();
    for (const item of items) {
      if (this.jobs.has(item.orderHash.toLowerCase())) continue;
      const order = item.order;
      const limit = this.opts.maxPayment(order);
      const price = item.currentAmount ? BigInt(item.currentAmount) : null;
      if (limit === null || price === null || price > limit) continue;
      await this.fill(item, price);
    }
  }

  private async fill(item: OrderView, price: bigint): Promise<void> {
    const detail = await this.client.order(item.orderHash);
    const signature = detail.signature as Hex | undefined;
    if (!signature) return;
    const job: Job = { orderHash: item.orderHash.toLowerCase() as Hex, state: 'filling', order: item.order, dstAmount: price.toString(), txs: {}, updatedAt: now() };
    this.jobs.set(job.orderHash, job);
    await this.saveJobs();
    this.opts.logger.info({ orderHash: job.orderHash, price: price.toString() }, 'filling order');
    let fill: SrcFill;
    try {
      fill = await this.opts.src.fill(item.order, signature, price);
    } catch (err) {
      // Lost the race, or the order became unfillable: forget it (nothing was locked).
      job.state = 'failed';
      job.error = (err as Error).message.split('\n')[0];
      await this.saveJobs();
      this.opts.logger.warn({ orderHash: job.orderHash, error: job.error }, 'fill failed');
      return;
    }
    job.src = {
      escrow: fill.escrow,
      txHash: fill.txHash,
      deployedAt: fill.deployedAt,
      immutables: Object.fromEntries(Object.entries(fill.immutables).map(([k, v]) => [k, String(v)])),
    };
    job.txs.srcEscrow = fill.txHash;
    this.transition(job, 'src_created');
    await this.saveJobs();
    await this.advance(job);
  }

  /** Moves a job one or more steps forward, as far as the chains and time allow. */
  private async advance(job: Job): Promise<void> {
    const { src, dst, logger } = { src: this.opts.src, dst: this.opts.dst, logger: this.opts.logger };
    const o = job.order;
    if (job.state === 'src_created' && job.src) {
      const req = dstEscrowRequest(job);
      // Persist the signed tx BEFORE sending it: after a lost answer or a crash the retry re-sends
      // the same bytes (its inputs spend once), so the resolver can never lock a second escrow.
      if (!job.dstPending) {
        job.dstPending = await dst.prepareEscrow(req);
        await this.saveJobs();
      }
      const pending = job.dstPending;
      let outcome = await dst.submitEscrow(pending);
      if (outcome === 'dead' && (await this.dstEscrowRecorded(job, pending))) outcome = 'landed';
      delete job.dstPending;
      if (outcome === 'landed') {
        job.dst = { escrow: pending.escrow, txId: pending.txId, withdrawalAt: req.withdrawalAt, cancellationAt: req.cancellationAt };
        job.txs.dstEscrow = pending.txId;
        this.transition(job, 'dst_created');
        await this.saveJobs();
      } else {
        await this.saveJobs();
        logger.warn({ orderHash: job.orderHash, txId: pending.txId }, 'destination escrow tx can never land (its inputs were spent elsewhere); preparing a new one');
      }
    }
    if (job.state === 'dst_created' && job.dst && job.src) {
      if (job.secret) {
        // Another resolver may have public-withdrawn it already (the receiver is paid either way).
        const escrow = job.dst.escrow;
        const tx = await this.unlessSettled(job, escrow, () => dst.withdraw(escrow, job.secret!));
        if (tx) job.txs.dstWithdraw = tx;
        this.transition(job, 'dst_withdrawn');
        await this.saveJobs();
      } else if ((await dst.nowMs()) >= job.dst.cancellationAt) {
        // No secret in time: take the destination funds back; the source goes back to the maker
        // when its own cancellation opens (later: dstCancellation < srcCancellation).
        job.txs.dstCancel = await dst.cancel(job.dst.escrow);
        this.transition(job, 'dst_cancelled');
        await this.saveJobs();
        logger.warn({ orderHash: job.orderHash }, 'no secret before cancellation: destination escrow cancelled');
      }
    }
    if (job.state === 'dst_cancelled' && job.src && (await src.now()) >= job.src.deployedAt + o.timelocks.srcCancellation) {
      // Someone may have public-cancelled it first; then there is nothing left to send.
      const tx = await this.unlessSettled(job, job.src.escrow, () => src.cancel(this.srcFill(job)));
      if (tx) job.txs.srcCancel = tx;
      this.transition(job, 'cancelled');
      await this.saveJobs();
      logger.warn({ orderHash: job.orderHash }, 'source escrow cancelled: the maker has its funds back');
    }
    if (job.state === 'dst_withdrawn' && job.secret && job.src) {
      const secret = job.secret;
      const tx = await this.unlessSettled(job, job.src.escrow, () => src.withdraw(this.srcFill(job), secret));
      if (tx) job.txs.srcWithdraw = tx;
      this.transition(job, 'done');
      await this.saveJobs();
    }
  }

  /**
   * Sends `action` unless the relayer has already seen the escrow withdrawn or cancelled (someone
   * took a public window first, or our own earlier attempt landed before a crash). Returns the
   * transaction, or null when there was nothing left to do. A failed send that turns out to be
   * settled counts as settled; any other failure is thrown and retried on the next tick.
   */
  private async unlessSettled(job: Job, escrow: string, action: () => Promise<string>): Promise<string | null> {
    if (await escrowSettled(this.client, job.orderHash, escrow)) return null;
    try {
      return await action();
    } catch (err) {
      if (await escrowSettled(this.client, job.orderHash, escrow)) return null;
      throw err;
    }
  }


  private srcFill(job: Job): SrcFill {
    const im = job.src!.immutables;
    return {
      escrow: job.src!.escrow as Hex,
      txHash: job.src!.txHash as Hex,
      deployedAt: job.src!.deployedAt,
      immutables: {
        orderHash: im.orderHash as Hex,
        hashlock: im.hashlock as Hex,
        maker: im.maker as Hex,
        taker: im.taker as Hex,
        token: im.token as Hex,
        amount: BigInt(im.amount!),
        safetyDeposit: BigInt(im.safetyDeposit!),
        timelocks: BigInt(im.timelocks!),
      },
    };
  }

  private transition(job: Job, state: JobState): void {
    this.opts.logger.info({ orderHash: job.orderHash, from: job.state, to: state }, 'resolver job');
    job.state = state;
    job.updatedAt = now();
  }

  private async loadJobs(): Promise<void> {
    // An unreadable file stops the start (JsonFileError): reading it as "no jobs" would abandon
    // escrows that hold funds, and the file is never torn by our own writes (json-file.ts).
    const saved = await this.jobsFile.read();
    this.jobs = new Map((saved ?? []).map((j) => [j.orderHash, j]));
  }

  private async saveJobs(): Promise<void> {
    await this.jobsFile.write([...this.jobs.values()]);
  }

  /**
   * Whether the relayer recorded `pending`'s escrow output. The chain reads a tx as 'dead' when
   * its inputs are spent and none of its outputs remain — which is also what a tx that DID land
   * looks like once its escrow was settled (e.g. public-withdrawn during a long outage) and its
   * change reused. The relayer's escrow records keep it, so we never build a second escrow then.
   */
  private async dstEscrowRecorded(job: Job, pending: PendingDstTx): Promise<boolean> {
    const { items } = await this.client.escrows({ orderHash: job.orderHash });
    return items.some((e) => e.side === 'dst' && e.escrowId.toLowerCase() === pending.escrow.toLowerCase());
  }
}

const now = () => new Date().toISOString();

/**
 * The destination escrow a job must lock: what it promised, for the order's receiver, with
 * absolute deadlines counted from the source escrow's real creation time (architecture §6).
 */
export function dstEscrowRequest(job: Job): DstEscrowRequest {
  if (!job.src) throw new Error(`job ${job.orderHash} has no source escrow yet`);
  const o = job.order;
  const base = job.src.deployedAt * 1000;
  return {
    orderHash: job.orderHash,
    hashlock: o.hashlock as Hex,
    receiver: o.receiver,
    asset: o.takerAsset,
    amount: BigInt(job.dstAmount),
    safetyDeposit: BigInt(o.dstSafetyDeposit),
    withdrawalAt: base + o.timelocks.dstWithdrawal * 1000,
    publicWithdrawalAt: base + o.timelocks.dstPublicWithdrawal * 1000,
    cancellationAt: base + o.timelocks.dstCancellation * 1000,
  };
}
