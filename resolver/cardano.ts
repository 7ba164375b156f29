/**
 * The resolver's Cardano side (destination of an EVM → Cardano swap): locks the promised
 * lovelace in an escrow whose datum carries the absolute deadlines the relayer checks, and
 * withdraws to the maker's receiver or cancels back to the resolver. Chain state is read
 * through Ogmios only (the transaction builders' provider).
 */
import { createEscrow, cancel, publicWithdraw, withdraw, LOVELACE, type EscrowTxContext } from '../src/chains/cardano/tx/index.js';
import type { DestinationChain, DstEscrowRequest } from './bot.js';

export class CardanoDestinationChain implements DestinationChain {
  constructor(
    readonly chain: string,
    private readonly ctx: EscrowTxContext,
    /** Chain time in POSIX ms (the provider's tip). */
    private readonly clockMs: () => Promise<number>,
    /** The receiver's payment key hash goes in the datum's informational `maker` field. */
    private readonly makerKeyHashOf: (receiver: string) => string,
  ) {}

  async createEscrow(req: DstEscrowRequest): Promise<{ escrow: string; txId: string }> {
    if (req.asset !== 'lovelace') throw new Error(`this resolver pays lovelace only, the order wants ${req.asset}`);
    const created = await createEscrow(this.ctx, {
      orderHash: req.orderHash.slice(2),
      hashlock: req.hashlock.slice(2),
      maker: this.makerKeyHashOf(req.receiver),
      taker: this.ctx.signer.paymentKeyHash,
      withdrawTo: req.receiver,
      cancelTo: this.ctx.signer.address.toBech32(),
      asset: LOVELACE,
      amount: req.amount,
      safetyDeposit: req.safetyDeposit,
      withdrawalAt: BigInt(req.withdrawalAt),
      publicWithdrawalAt: BigInt(req.publicWithdrawalAt),
      cancellationAt: BigInt(req.cancellationAt),
      publicCancellationAt: null,
    });
    return { escrow: `${created.escrow.txId}#${created.escrow.index}`, txId: created.txId };
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
}

function parseRef(ref: string): { txId: string; index: number } {
  const [txId, index] = ref.split('#');
  if (!txId || index === undefined || !/^\d+$/.test(index)) throw new Error(`not an output reference: ${ref}`);
  return { txId, index: Number(index) };
}
