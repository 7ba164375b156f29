/**
 * The resolver's Cardano side (destination of an EVM → Cardano swap): locks the promised
 * lovelace in an escrow whose datum carries the absolute deadlines the relayer checks, and
 * withdraws to the maker's receiver or cancels back to the resolver. Chain state is read
 * through Ogmios only (the transaction builders' provider).
 */
import { Core } from '@blaze-cardano/sdk';
import {
  createEscrow,
  cancel,
  publicWithdraw,
  submitErrorCode,
  submitSigned,
  withdraw,
  bech32ToPlutusAddress,
  LOVELACE,
  type EscrowTxContext,
} from '../cardano-tx/index.js';
import type { DestinationChain, DstEscrowRequest, PendingDstTx } from './destination.js';

/** Ogmios: some inputs are unknown or already spent (at the tip or in the node's mempool). */
const INPUTS_SPENT = 3117;

export interface LandingOptions {
  /** How often to look at the chain while a sent escrow tx is not yet in a block (default 500 ms). */
  pollMs?: number;
  /** How long one `submitEscrow` waits before giving up until the next try (default 60 s). */
  timeoutMs?: number;
}

export class CardanoDestinationChain implements DestinationChain {
  constructor(
    readonly chain: string,
    private readonly ctx: EscrowTxContext,
    /** Chain time in POSIX ms (the provider's tip). */
    private readonly clockMs: () => Promise<number>,
    /** The receiver's payment key hash goes in the datum's informational `maker` field. */
    private readonly makerKeyHashOf: (receiver: string) => string,
    private readonly landing: LandingOptions = {},
  ) {}

  /** Builds and signs the escrow transaction; nothing is sent (the caller persists it first). */
  async prepareEscrow(req: DstEscrowRequest): Promise<PendingDstTx> {
    if (req.asset !== 'lovelace') throw new Error(`this resolver pays lovelace only, the order wants ${req.asset}`);
    const created = await createEscrow({ ...this.ctx, submit: false }, {
      orderHash: req.orderHash.slice(2),
      hashlock: req.hashlock.slice(2),
      maker: this.makerKeyHashOf(req.receiver),
      taker: this.ctx.signer.paymentKeyHash,
      withdrawTo: bech32ToPlutusAddress(req.receiver),
      cancelTo: bech32ToPlutusAddress(this.ctx.signer.address.toBech32()),
      asset: LOVELACE,
      amount: req.amount,
      safetyDeposit: req.safetyDeposit,
      withdrawalAt: BigInt(req.withdrawalAt),
      publicWithdrawalAt: BigInt(req.publicWithdrawalAt),
      cancellationAt: BigInt(req.cancellationAt),
      publicCancellationAt: null,
    });
    if (created.escrow.index < 0) throw new Error(`escrow tx ${created.txId} has no escrow output`);
    return { txId: created.txId, cbor: created.tx.toCbor(), escrow: `${created.escrow.txId}#${created.escrow.index}` };
  }

  /**
   * Sends the prepared bytes (again, after a lost answer or a restart) and waits until the chain
   * decides: 'landed' once an output of this tx is at the tip, 'dead' once one of its inputs was
   * spent in a block while none of its outputs exist (another tx took the inputs: it can never
   * land). While neither (it may sit in a mempool) it polls, and throws after `timeoutMs` so the
   * caller retries later with the same bytes — never with a new transaction.
   *
   * Limit: if this tx landed long ago and every one of its outputs has been spent since (escrow
   * withdrawn or cancelled, change reused), the chain alone reads it as 'dead'. The caller must
   * cross-check (the bot asks the relayer whether it recorded the escrow) before building anew.
   */
  async submitEscrow(p: PendingDstTx): Promise<'landed' | 'dead'> {
    const tx = Core.Transaction.fromCbor(Core.TxCBOR(p.cbor));
    if (tx.getId() !== p.txId) throw new Error(`pending escrow tx: the CBOR is tx ${tx.getId()}, not ${p.txId}`);
    const before = await this.landingOf(tx);
    if (before !== 'pending') return before;
    try {
      await submitSigned(this.ctx, p.cbor);
    } catch (err) {
      // 3117: this very tx was accepted before (the answer was lost), or another one spent its
      // inputs; the chain tells which. Any other refusal: the bytes stay pending, retried later.
      if (submitErrorCode(err) !== INPUTS_SPENT) throw err;
    }
    const deadline = Date.now() + (this.landing.timeoutMs ?? 60_000);
    for (;;) {
      const state = await this.landingOf(tx);
      if (state !== 'pending') return state;
      if (Date.now() >= deadline) {
        throw new Error(`escrow tx ${p.txId} is not in a block after ${this.landing.timeoutMs ?? 60_000} ms; it stays pending and is checked again`);
      }
      await new Promise((r) => setTimeout(r, this.landing.pollMs ?? 500));
    }
  }

  async withdraw(escrow: string, secret: `0x${string}`): Promise<string> {
    const res = await withdraw(this.ctx, { escrow: parseRef(escrow), secret: secret.slice(2) });
    return res.txId;
  }

  async cancel(escrow: string): Promise<string> {
    const res = await cancel(this.ctx, { escrow: parseRef(escrow) });
    return res.txId;
  }

  async publicWithdraw(escrow: string, secret: `0x${string}`): Promise<string> {
    const res = await publicWithdraw(this.ctx, { escrow: parseRef(escrow), secret: secret.slice(2) });
    return res.txId;
  }

  nowMs(): Promise<number> {
    return this.clockMs();
  }

  private landingOf(tx: Core.Transaction): Promise<'landed' | 'dead' | 'pending'> {
    return txLanding(this.ctx.provider, tx);
  }
}

/**
 * Where a signed tx stands at the tip. Inputs and outputs are read in ONE query, i.e. from one
 * ledger state: read separately, a block landing between the two reads could show the inputs
 * spent and the outputs not yet there, and a live tx would be declared dead.
 */
async function txLanding(provider: EscrowTxContext['provider'], tx: Core.Transaction): Promise<'landed' | 'dead' | 'pending'> {
  const inputs = tx.body().inputs().values();
  const outputs = tx.body().outputs().map((_, i) => new Core.TransactionInput(Core.TransactionId(tx.getId()), BigInt(i)));
  const found = new Set((await provider.resolveUnspentOutputs([...inputs, ...outputs])).map((u) => refKey(u.input())));
  if (outputs.some((o) => found.has(refKey(o)))) return 'landed';
  if (inputs.some((i) => !found.has(refKey(i)))) return 'dead';
  return 'pending';
}

const refKey = (i: Core.TransactionInput) => `${i.transactionId()}#${i.index()}`;

function parseRef(ref: string): { txId: string; index: number } {
  const [txId, index] = ref.split('#');
  if (!txId || index === undefined || !/^\d+$/.test(index)) throw new Error(`not an output reference: ${ref}`);
  return { txId, index: Number(index) };
}
