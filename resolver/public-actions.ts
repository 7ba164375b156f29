/**
 * The resolver's public duties (architecture §6): when an escrow's public window opens and its own
 * taker did nothing, anyone may settle it and earn the safety deposit. The relayer announces
 * them (WS `public_action` on `secrets`) and lists them (GET /api/public-actions); this runner
 * takes both, waits until the chain's own clock has reached the window, and sends the
 * transaction: a public withdrawal pays the receiver (destination) or the taker (source) with the
 * maker's secret, a public cancellation sends the source back to the maker.
 *
 * What was done is written to a file, so a restarted resolver does not send it again.
 */
import type { Logger } from 'pino';
import type { Address, Hex } from 'viem';
import { publicActionKey, type PublicAction, type RelayerClient } from '../client/http.js';
import type { DestinationChain } from './destination.js';
import { escrowSettled } from './escrow-settled.js';
import type { EvmSourceChain, SrcFill } from './evm.js';
import { JsonFile } from './json-file.js';

/** After this many failed attempts an action is left alone (it is logged each time). */
const MAX_ATTEMPTS = 3;

type Outcome = { state: 'done'; txHash: string } | { state: 'settled_by_other' } | { state: 'unsupported'; reason: string } | { state: 'gave_up'; error: string };

interface ActionRecord {
  key: string;
  orderHash: string;
  action: PublicAction['action'];
  chain: string;
  escrow: string;
  attempts: number;
  outcome?: Outcome;
  updatedAt: string;
}

export interface PublicActionRunnerOptions {
  client: RelayerClient;
  src: EvmSourceChain;
  dst: DestinationChain;
  /** Where the outcome of every action is kept across restarts. */
  stateFile: string;
  /** Orders this resolver is settling itself through its own jobs: their escrows are left to the job. */
  ownsOrder: (orderHash: string) => boolean;
  logger: Logger;
}

export class PublicActionRunner {
  private records = new Map<string, ActionRecord>();
  /** Announced and not yet finished: the latest announcement of each. */
  private readonly due = new Map<string, PublicAction>();
  private readonly file: JsonFile<ActionRecord[]>;

  constructor(private readonly opts: PublicActionRunnerOptions) {
    this.file = new JsonFile(opts.stateFile);
  }

  async load(): Promise<void> {
    // An unreadable file stops the start (JsonFileError), as for the jobs file: forgetting what
    // was done would repeat public actions whose outcome is on record.
    const saved = await this.file.read();
    this.records = new Map((saved ?? []).map((r) => [r.key, r]));
  }

  /** What became of an action, if anything was tried (for operators and tests). */
  outcome(a: Pick<PublicAction, 'chain' | 'escrow' | 'action'>): Outcome | undefined {
    return this.records.get(publicActionKey(a))?.outcome;
  }

  /** Takes an announcement (WS) or a listed action (REST); work happens in `run`. */
  offer(action: PublicAction): void {
    const key = publicActionKey(action);
    if (this.records.get(key)?.outcome) return;
    this.due.set(key, action);
  }

  /** Asks the relayer for everything due (catches what was announced while we were away). */
  async poll(): Promise<void> {
    const { items } = await this.opts.client.publicActions();
    for (const a of items) this.offer(a);
  }

  /** Sends every due action whose window the chain has reached. */
  async run(): Promise<void> {
    for (const [key, action] of [...this.due]) {
      if (this.opts.ownsOrder(action.orderHash)) continue;
      const chainNow = await this.chainNow(action);
      if (chainNow === null) {
        await this.finish(action, { state: 'unsupported', reason: `this resolver does not act on ${action.side} escrows of chain ${action.chain}` });
        continue;
      }
      // The relayer judges by its clock, the escrow by its chain's: wait for the chain.
      if (chainNow < action.opensAt) continue;
      if (action.closesAt !== null && chainNow >= action.closesAt) {
        this.due.delete(key);
        continue;
      }
      await this.attempt(action);
    }
  }

  private async attempt(action: PublicAction): Promise<void> {
    const { logger } = this.opts;
    const record = this.recordOf(action);
    record.attempts++;
    try {
      const txHash = await this.send(action);
      logger.info({ orderHash: action.orderHash, chain: action.chain, escrow: action.escrow, action: action.action, txHash }, 'public action sent');
      await this.finish(action, { state: 'done', txHash });
    } catch (err) {
      const error = (err as Error).message.split('\n')[0] ?? 'unknown error';
      // Someone was faster (its own taker, another resolver): nothing left to do.
      if (await escrowSettled(this.opts.client, action.orderHash, action.escrow)) return this.finish(action, { state: 'settled_by_other' });
      logger.warn({ orderHash: action.orderHash, escrow: action.escrow, action: action.action, attempt: record.attempts, error }, 'public action failed');
      if (record.attempts >= MAX_ATTEMPTS) return this.finish(action, { state: 'gave_up', error });
      await this.save();
    }
  }

  private async send(action: PublicAction): Promise<string> {
    const { src, dst } = this.opts;
    if (action.chain === src.chain && action.side === 'src') {
      const fill = srcFillOf(action);
      if (action.action === 'cancel') return src.publicCancel(fill);
      return src.publicWithdraw(fill, secretOf(action));
    }
    if (action.chain === dst.chain && action.side === 'dst' && action.action === 'withdraw') {
      return dst.publicWithdraw(action.escrow, secretOf(action));
    }
    throw new Error(`unsupported public action ${action.action} on ${action.side} of ${action.chain}`);
  }

  /** The clock of the escrow's chain (unix seconds), or null when this resolver cannot act there. */
  private async chainNow(action: PublicAction): Promise<number | null> {
    const { src, dst } = this.opts;
    if (action.chain === src.chain && action.side === 'src') return src.now();
    if (action.chain === dst.chain && action.side === 'dst' && action.action === 'withdraw') return Math.floor((await dst.nowMs()) / 1000);
    return null;
  }


  private recordOf(action: PublicAction): ActionRecord {
    const key = publicActionKey(action);
    let r = this.records.get(key);
    if (!r) {
      r = { key, orderHash: action.orderHash, action: action.action, chain: action.chain, escrow: action.escrow, attempts: 0, updatedAt: new Date().toISOString() };
      this.records.set(key, r);
    }
    return r;
  }

  private async finish(action: PublicAction, outcome: Outcome): Promise<void> {
    const r = this.recordOf(action);
    r.outcome = outcome;
    r.updatedAt = new Date().toISOString();
    this.due.delete(r.key);
    if (outcome.state === 'unsupported' || outcome.state === 'gave_up') {
      this.opts.logger.warn({ orderHash: action.orderHash, escrow: action.escrow, action: action.action, outcome }, 'public action left alone');
    }
    await this.save();
  }

  private async save(): Promise<void> {
    await this.file.write([...this.records.values()]);
  }
}

function secretOf(action: PublicAction): Hex {
  if (!action.secret) throw new Error(`public withdrawal of ${action.escrow} announced without the secret`);
  return action.secret;
}

/** The source escrow's immutables as the relayer rebuilt them from the creation event and the order. */
function srcFillOf(action: PublicAction): SrcFill {
  const im = action.immutables;
  if (!im) throw new Error(`public action on ${action.escrow} came without EVM immutables`);
  const field = (name: string): string => {
    const v = im[name];
    if (v === undefined) throw new Error(`immutables of ${action.escrow} lack ${name}`);
    return v;
  };
  const timelocks = BigInt(field('timelocks'));
  return {
    escrow: action.escrow as Address,
    txHash: '0x' as Hex,
    deployedAt: Number(timelocks >> 224n),
    immutables: {
      orderHash: field('orderHash') as Hex,
      hashlock: field('hashlock') as Hex,
      maker: field('maker') as Address,
      taker: field('taker') as Address,
      token: field('token') as Address,
      amount: BigInt(field('amount')),
      safetyDeposit: BigInt(field('safetyDeposit')),
      timelocks,
    },
  };
}
