/**
 * The devnet's ledger and chain: a Blaze emulator for validation, plus what the emulator
 * lacks for a chain follower — blocks with ids and heights, a mempool that blocks drain, a
 * "confirmed" UTxO view at the tip, and rollbacks.
 *
 * Two UTxO views, as in a node:
 *  - the emulator's ledger = tip + mempool. Every accepted tx is applied to it at once, so a
 *    double spend of a pending input is refused (3117) and txs can chain on pending outputs;
 *  - `confirmed` = tip only; `queryLedgerState/utxo` answers from it.
 * Each block keeps the exact UTxO diff of its txs, so `rollback(n)` restores both views.
 *
 * All mutations run one at a time (`serial`), because the emulator's submit is async and two
 * interleaved submits would both validate against the same ledger.
 */
import { EventEmitter } from 'node:events';
import { blake2b } from '@noble/hashes/blake2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { Core } from '@blaze-cardano/sdk';
import { Emulator } from '@blaze-cardano/emulator';
import { RpcFailure, ScriptFailure, submitFailure } from './errors.js';
import { outputReference, transactionJson } from './ogmios-json.js';
import { SlotClock } from '../../src/chains/cardano/slot-time.js';

export interface TxDiff {
  tx: Core.Transaction;
  consumed: [key: string, utxo: Core.TransactionUnspentOutput][];
  produced: Core.TransactionUnspentOutput[];
}

export interface Block {
  id: string;
  ancestor: string | 'genesis';
  height: number;
  slot: number;
  txs: TxDiff[];
  /** Ogmios JSON of the block, built once. */
  json: Record<string, unknown>;
}

export interface Point {
  slot: number;
  id: string;
}
export type PointOrOrigin = Point | 'origin';

export const inputKey = (input: Core.TransactionInput) => `${input.transactionId()}#${input.index()}`;

const ZERO_KEY = '0'.repeat(64);

export interface ChainOptions {
  genesis: Core.TransactionOutput[];
  zeroTime: number;
  slotLength: number;
  /** Devnet clock (ms), so tests can move time forward. */
  now: () => number;
}

export class DevnetChain extends EventEmitter {
  readonly emulator: Emulator;
  /** The one slot clock (single era), the same the eraSummaries query reports. */
  readonly clock: SlotClock;
  readonly blocks: Block[] = [];
  private readonly confirmed = new Map<string, Core.TransactionUnspentOutput>();
  private mempool: TxDiff[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Highest slot any block ever had, rolled-back ones included: a new branch gets new slots, hence new ids. */
  private maxSlot = -1;
  lastTipUpdate: Date | null = null;

  constructor(private readonly opts: ChainOptions) {
    super();
    this.setMaxListeners(0);
    this.clock = SlotClock.linear({ zeroTime: opts.zeroTime, zeroSlot: 0, slotLength: opts.slotLength });
    this.emulator = new Emulator(opts.genesis, {
      slotConfig: { zeroTime: opts.zeroTime, zeroSlot: 0, slotLength: opts.slotLength },
    });
    // Tag phase-2 failures so they map to 3010 and not to a generic ledger error.
    const evaluate = this.emulator.evaluator;
    this.emulator.evaluator = async (tx, utxos) => {
      try {
        return await evaluate(tx, utxos);
      } catch (err) {
        throw new ScriptFailure(err instanceof Error ? err.message : String(err));
      }
    };
    for (const u of this.emulator.utxos()) this.confirmed.set(inputKey(u.input()), u);
  }

  /** Runs `fn` after every earlier mutation has finished. */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get zeroTime(): number {
    return this.opts.zeroTime;
  }
  get slotLength(): number {
    return this.opts.slotLength;
  }

  /** The slot of the devnet clock now. */
  currentSlot(): number {
    // Never behind the emulator clock: on-demand blocks may run a few slots ahead of the wall clock.
    const wall = this.clock.slotAtOrBefore(this.opts.now());
    return Math.max(0, wall, this.emulator.clock.slot);
  }

  slotToUnixMs(slot: number): number {
    return Number(this.clock.slotToMs(slot));
  }

  tip(): Block | undefined {
    return this.blocks[this.blocks.length - 1];
  }

  tipJson(): { slot: number; id: string; height: number } | 'origin' {
    const t = this.tip();
    return t ? { slot: t.slot, id: t.id, height: t.height } : 'origin';
  }

  pointOf(index: number): PointOrOrigin {
    const b = this.blocks[index];
    return b ? { slot: b.slot, id: b.id } : 'origin';
  }

  /** Index of the block with this point (-1 for origin), or undefined when not on the chain. */
  indexOf(point: PointOrOrigin): number | undefined {
    if (point === 'origin') return -1;
    // Heights start at 1 and are contiguous, but the id is what identifies a block.
    const i = this.blocks.findIndex((b) => b.slot === point.slot && b.id === point.id);
    return i >= 0 ? i : undefined;
  }

  utxos(filter?: { addresses?: string[]; outputReferences?: { txId: string; index: number }[] }): Core.TransactionUnspentOutput[] {
    if (filter?.outputReferences) {
      return filter.outputReferences
        .map((r) => this.confirmed.get(`${r.txId}#${r.index}`))
        .filter((u): u is Core.TransactionUnspentOutput => u !== undefined);
    }
    const all = [...this.confirmed.values()];
    if (!filter?.addresses) return all;
    const wanted = new Set(filter.addresses);
    return all.filter((u) => wanted.has(u.output().address().toBech32()));
  }

  /** Moves the emulator clock (validity checks, script time) to the devnet clock. */
  private syncClock(slot = this.currentSlot()): void {
    if (slot > this.emulator.clock.slot) this.emulator.stepForwardToSlot(slot);
  }

  submit(cbor: string): Promise<string> {
    return this.serial(async () => {
      let tx: Core.Transaction;
      try {
        tx = memoized(Core.Transaction.fromCbor(Core.TxCBOR(cbor)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const eras = ['shelley', 'allegra', 'mary', 'alonzo', 'babbage', 'conway'];
        throw new RpcFailure(-32602, 'Invalid transaction; it could not be deserialised.', Object.fromEntries(eras.map((e) => [e, reason])));
      }
      this.syncClock();
      this.mempool.push(await this.accept(tx));
      return tx.getId();
    });
  }

  /** Validates `tx` against tip + mempool and applies it to that view. */
  private async accept(tx: Core.Transaction): Promise<TxDiff> {
    const body = tx.body();
    const inputs = body.inputs().values();
    const refs = body.referenceInputs()?.values() ?? [];
    const unknown = [...inputs, ...refs].filter((i) => !this.emulator.getOutput(i));
    if (unknown.length) {
      throw new RpcFailure(3117, 'The transaction contains unknown UTxO references as inputs.', {
        unknownOutputReferences: unknown.map(outputReference),
      });
    }
    if (!tx.witnessSet().vkeys()?.size()) {
      // The emulator crashes on a witness set without vkeys; a node reports the missing signers.
      const needed = new Set<string>(body.requiredSigners()?.values().map((h) => h.value()) ?? []);
      for (const i of [...inputs, ...(body.collateral()?.values() ?? [])]) {
        const pay = this.emulator.getOutput(i)?.address().getProps().paymentPart;
        if (pay?.type === Core.CredentialType.KeyHash) needed.add(pay.hash);
      }
      if (needed.size) throw new RpcFailure(3101, 'Missing signatories.', { missingSignatories: [...needed] });
    }
    const consumed: TxDiff['consumed'] = inputs.map((i) => [
      inputKey(i),
      new Core.TransactionUnspentOutput(i, this.emulator.getOutput(i)!),
    ]);
    try {
      await this.emulator.submitTransaction(tx);
    } catch (err) {
      throw submitFailure(err, this.emulator.clock.slot);
    }
    this.flushEmulatorMempool();
    const id = tx.getId();
    const produced = body.outputs().map((o, i) => new Core.TransactionUnspentOutput(new Core.TransactionInput(id, BigInt(i)), o));
    return { tx, consumed, produced };
  }

  /**
   * The emulator keeps accepted txs in a private mempool that it only applies when its clock
   * moves. We want them applied now (tip + mempool view), so we step the clock "into" the
   * slot it is already at — which applies the mempool and changes nothing else.
   */
  private flushEmulatorMempool(): void {
    const c = this.emulator.clock;
    const slot = c.slot;
    c.slot = slot - 1;
    this.emulator.stepForwardToSlot(slot);
  }

  /** Seals the mempool into a new block at `slot` (default: now, or the next free slot). */
  produceBlock(slot?: number): Promise<Block> {
    return this.serial(() => this.seal(slot));
  }

  private seal(atSlot?: number): Block {
    const prev = this.tip();
    const slot = Math.max(atSlot ?? this.currentSlot(), this.maxSlot + 1);
    this.maxSlot = slot;
    this.syncClock(slot);
    const txs = this.mempool;
    this.mempool = [];
    for (const d of txs) {
      for (const [key] of d.consumed) this.confirmed.delete(key);
      for (const u of d.produced) this.confirmed.set(inputKey(u.input()), u);
    }
    const height = (prev?.height ?? 0) + 1;
    const ancestor = prev?.id ?? 'genesis';
    const id = blockId(ancestor, height, slot, txs.map((d) => d.tx.getId()));
    const txJson = txs.map((d) => transactionJson(d.tx));
    const size = txs.reduce((n, d) => n + d.tx.toCbor().length / 2, 0);
    const block: Block = { id, ancestor, height, slot, txs, json: blockJson(id, ancestor, height, slot, size, txJson) };
    this.blocks.push(block);
    this.lastTipUpdate = new Date();
    this.emit('block', block);
    return block;
  }

  /**
   * Test hook: drops the last `n` blocks and the mempool, restoring the UTxO views, and tells
   * followers to roll back. Returns the CBOR of every dropped transaction (oldest first) so a
   * test can submit them again.
   */
  rollback(n: number): Promise<string[]> {
    return this.serial(() => {
      if (!Number.isInteger(n) || n < 0 || n > this.blocks.length) {
        throw new RangeError(`rollback(${n}): chain has ${this.blocks.length} blocks`);
      }
      const dropped: string[] = [];
      const undo = (d: TxDiff, confirmedToo: boolean) => {
        for (const u of d.produced) {
          this.emulator.removeUtxo(u.input());
          if (confirmedToo) this.confirmed.delete(inputKey(u.input()));
        }
        for (const [key, u] of d.consumed) {
          this.emulator.addUtxo(u);
          if (confirmedToo) this.confirmed.set(key, u);
        }
      };
      for (const d of [...this.mempool].reverse()) undo(d, false);
      const pending = this.mempool.map((d) => d.tx.toCbor());
      this.mempool = [];
      const removed = this.blocks.splice(this.blocks.length - n, n);
      for (const b of [...removed].reverse()) for (const d of [...b.txs].reverse()) undo(d, true);
      for (const b of removed) for (const d of b.txs) dropped.push(d.tx.toCbor());
      dropped.push(...pending);
      this.lastTipUpdate = new Date();
      this.emit('rollback', this.blocks.length - 1);
      return dropped;
    });
  }

  /** Replays a chain exported by `exportBlocks` (same genesis and clock): same blocks, same ids. */
  async replay(blocks: { slot: number; txs: string[] }[]): Promise<void> {
    for (const b of blocks) {
      await this.serial(async () => {
        this.syncClock(b.slot);
        for (const cbor of b.txs) this.mempool.push(await this.accept(memoized(Core.Transaction.fromCbor(Core.TxCBOR(cbor)))));
        this.seal(b.slot);
      });
    }
  }

  exportBlocks(): { slot: number; txs: string[] }[] {
    return this.blocks.map((b) => ({ slot: b.slot, txs: b.txs.map((d) => d.tx.toCbor()) }));
  }

  mempoolSize(): number {
    return this.mempool.length;
  }

  hasPending(txId: string): boolean {
    return this.mempool.some((d) => d.tx.getId() === txId);
  }

  pendingIds(): string[] {
    return this.mempool.map((d) => d.tx.getId());
  }

  evaluator(): Core.Evaluator {
    return this.emulator.evaluator;
  }
}

/**
 * cardano-js-sdk re-decodes the body (datums included, ~6 ms for an escrow tx) on every
 * `tx.body()`, and outputs on every `body.outputs()`; the emulator calls them many times per
 * submission. The transaction is immutable here, so decode once and hand out the same objects.
 * (Also forces the full decode, so malformed CBOR fails here.)
 */
function memoized(tx: Core.Transaction): Core.Transaction {
  const body = tx.body();
  const inputs = body.inputs();
  const outputs = body.outputs();
  const witnesses = tx.witnessSet();
  body.inputs = () => inputs;
  body.outputs = () => outputs;
  tx.body = () => body;
  tx.witnessSet = () => witnesses;
  return tx;
}

function blockId(ancestor: string, height: number, slot: number, txIds: string[]): string {
  const parts = [ancestor === 'genesis' ? ZERO_KEY : ancestor, height.toString(16), slot.toString(16), ...txIds].join(':');
  return bytesToHex(blake2b(utf8ToBytes(parts), { dkLen: 32 }));
}

// A fixed, fake block issuer: Ogmios requires these fields; nothing checks them here.
const ISSUER_VK = bytesToHex(blake2b(utf8ToBytes('fusion-devnet-issuer'), { dkLen: 32 }));
const ISSUER_VRF = bytesToHex(blake2b(utf8ToBytes('fusion-devnet-vrf'), { dkLen: 32 }));

function blockJson(
  id: string,
  ancestor: string,
  height: number,
  slot: number,
  size: number,
  transactions: Record<string, unknown>[],
): Record<string, unknown> {
  return {
    type: 'praos',
    era: 'conway',
    id,
    ancestor,
    height,
    slot,
    size: { bytes: size },
    protocol: { version: { major: 10, minor: 0 } },
    issuer: {
      verificationKey: ISSUER_VK,
      vrfVerificationKey: ISSUER_VRF,
      operationalCertificate: { count: 0, kes: { period: 0, verificationKey: ISSUER_VK } },
      leaderValue: {},
    },
    transactions,
  };
}
