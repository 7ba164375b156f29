/**
 * Off-chain builders for the Cardano order script (ADA→ETH orders): lock (maker), fill (resolver:
 * order output → source escrow), cancel (maker), return after expiry (anyone). Like escrow-tx.ts,
 * each checks the script's rules first and refuses with a CardanoTxError before anything is
 * signed; `assembleOrderSpend` is the unchecked step (contract tests craft rule-breaking fills).
 */
import { Core, TxBuilder } from '@blaze-cardano/sdk';
import { escrowScript as defaultEscrow, orderScript as defaultOrder, type EscrowScript, type OrderScript } from '../contracts/cardano/index.js';
import { CardanoTxError } from './errors.js';
import {
  DatumError,
  assetUnit,
  outRefData,
  plutusAddressToBech32,
  type EscrowDatum,
  type PlutusAddress,
} from '../src/chains/cardano/escrow-datum.js';
import {
  decodeOrderDatum,
  encodeOrderDatum,
  encodeOrderRedeemer,
  fillEscrowDatum,
  fillPrice,
  orderHash,
  orderExpiredAtMs,
  type OrderDatum,
  type OrderRedeemer,
} from '../src/chains/cardano/order-datum.js';
import {
  chainNow,
  escrowTermsData,
  escrowValue,
  finish,
  fundedBuilder,
  provideScriptSpend,
  type EscrowTxContext,
  type EscrowTxResult,
  type OutRef,
} from './escrow-tx.js';

/** The widest validity interval the order script accepts for a Fill (contracts/cardano/order-validator.ts). */
export const MAX_FILL_VALIDITY_MS = 180_000;

export interface OrderTxContext extends EscrowTxContext {
  /** The order script (default: the committed contracts/cardano/order.plutus.json). */
  orderScript?: OrderScript;
}

const orderScriptOf = (ctx: OrderTxContext) => ctx.orderScript ?? defaultOrder;
const escrowScriptOf = (ctx: OrderTxContext): EscrowScript => ctx.script ?? defaultEscrow;
const plutusData = (cborHex: string) => Core.PlutusData.fromCbor(Core.HexBlob(cborHex));
const addressOf = (a: PlutusAddress, networkId: 0 | 1) => Core.Address.fromBech32(plutusAddressToBech32(a, networkId));

/** `amount` of the maker asset (lovelace: `amount + extraLovelace`; a token: `extraLovelace` lovelace beside it). */
function assetValue(d: Pick<OrderDatum, 'makerAsset' | 'makingAmount'>, extraLovelace: bigint): Core.Value {
  const unit = assetUnit(d.makerAsset);
  if (unit === '') return new Core.Value(d.makingAmount + extraLovelace);
  return new Core.Value(extraLovelace, new Map([[Core.AssetId(unit), d.makingAmount]]));
}

function minUtxo(params: { coinsPerUtxoByte: number }, out: Core.TransactionOutput): bigint {
  return BigInt(params.coinsPerUtxoByte) * BigInt(out.toCbor().length / 2 + 160);
}

export interface LockedOrder extends EscrowTxResult {
  /** The order output. */
  order: OutRef;
  /** blake2b-256 of the datum's canonical CBOR. */
  orderHash: string;
}

/**
 * The maker locks `makingAmount` of the maker asset at the order script with the order as inline
 * datum (canonical CBOR, so its datum hash is the order hash). A token order also carries the
 * ledger's minimum lovelace (`lovelace`, default: the minimum); that lovelace is not part of the
 * order: whoever spends the order output keeps it (the resolver on a fill, the maker otherwise).
 */
export async function lockOrder(ctx: OrderTxContext, order: OrderDatum, opts: { lovelace?: bigint } = {}): Promise<LockedOrder> {
  let datumHex: string;
  try {
    datumHex = encodeOrderDatum(order);
  } catch (err) {
    if (err instanceof DatumError) throw new CardanoTxError('INVALID_DATUM', err.message);
    throw err;
  }
  if (order.makingAmount <= 0n) throw new CardanoTxError('INVALID_DATUM', 'makingAmount must be positive');
  if (order.maker !== ctx.signer.paymentKeyHash) throw new CardanoTxError('NOT_MAKER', 'the order must be locked by its maker');
  const params = await ctx.provider.getParameters();
  const isLovelace = assetUnit(order.makerAsset) === '';
  const outputOf = (lovelace: bigint) => {
    const o = new Core.TransactionOutput(orderScriptOf(ctx).address(ctx.networkId), assetValue(order, lovelace));
    o.setDatum(Core.Datum.newInlineData(plutusData(datumHex)));
    return o;
  };
  // A token order carries the minimum lovelace (sized with room for an 8-byte coin).
  const output = isLovelace ? outputOf(0n) : outputOf(opts.lovelace ?? minUtxo(params, outputOf(0n)) + 8n * BigInt(params.coinsPerUtxoByte));
  const min = minUtxo(params, output);
  if (output.amount().coin() < min) {
    throw new CardanoTxError('BELOW_MIN_UTXO', `order output needs at least ${min} lovelace, has ${output.amount().coin()}`);
  }
  const res = await finish(ctx, (await fundedBuilder(ctx)).addOutput(output));
  const index = res.tx
    .body()
    .outputs()
    .findIndex((o) => o.address().toBech32() === output.address().toBech32() && o.datum()?.asInlineData()?.toCbor() === datumHex);
  return { ...res, order: { txId: res.txId, index }, orderHash: orderHash(order) };
}

/** Reads the order output through the provider and decodes its datum. */
export async function loadOrder(
  ctx: Pick<OrderTxContext, 'provider' | 'orderScript'>,
  ref: OutRef,
): Promise<{ utxo: Core.TransactionUnspentOutput; order: OrderDatum }> {
  const input = new Core.TransactionInput(Core.TransactionId(ref.txId), BigInt(ref.index));
  let utxos: Core.TransactionUnspentOutput[];
  try {
    utxos = await ctx.provider.resolveUnspentOutputs([input]);
  } catch {
    utxos = [];
  }
  const utxo = utxos[0];
  if (!utxo) throw new CardanoTxError('ORDER_NOT_FOUND', `${ref.txId}#${ref.index} is not an unspent output`);
  const out = utxo.output();
  if (out.address().getProps().paymentPart?.hash !== (ctx.orderScript ?? defaultOrder).hash) {
    throw new CardanoTxError('NOT_AN_ORDER', `${ref.txId}#${ref.index} is not at the order script address`);
  }
  const inline = out.datum()?.asInlineData();
  if (!inline) throw new CardanoTxError('NOT_AN_ORDER', `${ref.txId}#${ref.index} has no inline datum`);
  try {
    return { utxo, order: decodeOrderDatum(inline.toCbor()) };
  } catch (err) {
    if (err instanceof DatumError) throw new CardanoTxError('NOT_AN_ORDER', `${ref.txId}#${ref.index}: ${err.message}`);
    throw err;
  }
}

export interface OrderSpendPlan {
  order: Core.TransactionUnspentOutput;
  /** An order redeemer, or raw Plutus data (tests: a redeemer the script does not know). */
  redeemer: OrderRedeemer | Core.PlutusData;
  outputs: { address: Core.Address; value: Core.Value; datum?: Core.PlutusData; scriptRef?: Core.Script }[];
  validFromSlot?: number;
  validUntilSlot?: number;
  requiredSigners: string[];
}

/** Unchecked: the order input with its redeemer, the script, the outputs, bounds and signers. */
export function assembleOrderSpend(builder: TxBuilder, script: Core.Script, plans: OrderSpendPlan[]): TxBuilder {
  for (const p of plans) {
    const redeemer = p.redeemer instanceof Core.PlutusData ? p.redeemer : plutusData(encodeOrderRedeemer(p.redeemer));
    builder.addInput(p.order, redeemer);
    for (const out of p.outputs) {
      const o = new Core.TransactionOutput(out.address, out.value);
      if (out.datum) o.setDatum(Core.Datum.newInlineData(out.datum));
      if (out.scriptRef) o.setScriptRef(out.scriptRef);
      builder.addOutput(o);
    }
  }
  return provideScriptSpend(builder, script, plans);
}

export interface FillOptions {
  order: OutRef;
  /** The resolver's promise on the destination chain (default: the auction price at the lower bound). */
  takingAmount?: bigint;
  /** Where the escrow pays on withdraw (default: the signer's address). */
  withdrawTo?: PlutusAddress;
  /** Chain time to build for, POSIX ms (default: the provider's tip). */
  now?: number;
  /** Validity length, ms (default and at most MAX_FILL_VALIDITY_MS, cut at the order's expiry). */
  validForMs?: number;
}

export interface FilledOrder extends EscrowTxResult {
  /** The source escrow output (#0 of the fill). */
  escrow: OutRef;
  escrowDatum: EscrowDatum;
  takingAmount: bigint;
}

/** The plan of a by-the-rules fill at `lowerSlot` (tests override pieces of it). */
export function fillPlan(
  ctx: OrderTxContext,
  utxo: Core.TransactionUnspentOutput,
  order: OrderDatum,
  f: { lowerSlot: number; upperSlot: number; takingAmount: bigint; taker: string; withdrawTo: PlutusAddress },
): { plan: OrderSpendPlan; escrowDatum: EscrowDatum } {
  const escrowDatum = fillEscrowDatum(order, { lowerMs: ctx.clock.slotToMs(f.lowerSlot), taker: f.taker, withdrawTo: f.withdrawTo });
  const plan: OrderSpendPlan = {
    order: utxo,
    redeemer: { action: 'fill', takingAmount: f.takingAmount },
    outputs: [{ address: escrowScriptOf(ctx).address(ctx.networkId), value: escrowValue(escrowDatum), datum: escrowTermsData(escrowDatum) }],
    validFromSlot: f.lowerSlot,
    validUntilSlot: f.upperSlot,
    requiredSigners: [f.taker],
  };
  return { plan, escrowDatum };
}

/**
 * The resolver (the signer) fills the order: the order output becomes the source escrow (output
 * #0) with the resolver as taker, and the Fill redeemer records its promise `takingAmount` of the
 * order's taker asset to the order's receiver on the destination chain.
 */
export async function fillOrder(ctx: OrderTxContext, opts: FillOptions): Promise<FilledOrder> {
  const { utxo, order } = await loadOrder(ctx, opts.order);
  const now = await chainNow(ctx, opts);
  const lowerSlot = ctx.clock.slotAtOrBefore(now);
  const lowerMs = ctx.clock.slotToMs(lowerSlot);
  const validFor = Math.min(opts.validForMs ?? MAX_FILL_VALIDITY_MS, MAX_FILL_VALIDITY_MS);
  const endMs = lowerMs + BigInt(validFor) < orderExpiredAtMs(order) ? lowerMs + BigInt(validFor) : orderExpiredAtMs(order);
  const upperSlot = ctx.clock.slotAtOrBefore(Number(endMs));
  if (upperSlot <= lowerSlot) throw new CardanoTxError('ORDER_EXPIRED', `the order expired at ${order.expiry} (unix s); the chain is at ${now} ms`);
  const price = fillPrice(order, lowerMs);
  const takingAmount = opts.takingAmount ?? price;
  if (takingAmount < price) {
    throw new CardanoTxError('BELOW_AUCTION_PRICE', `takingAmount ${takingAmount} is below the auction price ${price} at ${lowerMs} ms`);
  }
  const { plan, escrowDatum } = fillPlan(ctx, utxo, order, {
    lowerSlot,
    upperSlot,
    takingAmount,
    taker: ctx.signer.paymentKeyHash,
    withdrawTo: opts.withdrawTo ?? { payment: { type: 'key', hash: ctx.signer.paymentKeyHash } },
  });
  const builder = await fundedBuilder(ctx, [opts.order]);
  assembleOrderSpend(builder, orderScriptOf(ctx).script, [plan]);
  const res = await finish(ctx, builder);
  const index = res.tx
    .body()
    .outputs()
    .findIndex((o) => o.address().getProps().paymentPart?.hash === escrowScriptOf(ctx).hash);
  return { ...res, escrow: { txId: res.txId, index }, escrowDatum, takingAmount };
}

/** The maker (the signer) takes the order back at any time before a fill: its value goes to the maker's change. */
export async function cancelOrder(ctx: OrderTxContext, opts: { order: OutRef }): Promise<EscrowTxResult> {
  const { utxo, order } = await loadOrder(ctx, opts.order);
  if (ctx.signer.paymentKeyHash !== order.maker) throw new CardanoTxError('NOT_MAKER', 'Cancel must be signed by the order maker');
  const builder = await fundedBuilder(ctx, [opts.order]);
  assembleOrderSpend(builder, orderScriptOf(ctx).script, [
    { order: utxo, redeemer: { action: 'cancel' }, outputs: [], requiredSigners: [order.maker] },
  ]);
  return finish(ctx, builder);
}

/**
 * After expiry anyone (the signer) returns the order to the maker's address: one output tagged
 * with the order's output reference carrying the making amount (a token order: with the order's
 * lovelace). The signer pays the fee.
 */
export async function returnOrder(ctx: OrderTxContext, opts: { order: OutRef; now?: number; validForMs?: number }): Promise<EscrowTxResult> {
  const { utxo, order } = await loadOrder(ctx, opts.order);
  const now = await chainNow(ctx, opts);
  const lowerSlot = ctx.clock.slotAtOrBefore(now);
  if (ctx.clock.slotToMs(lowerSlot) < orderExpiredAtMs(order)) {
    throw new CardanoTxError('ORDER_NOT_EXPIRED', `the order can be returned from ${orderExpiredAtMs(order)} ms; the chain is at ${now}`);
  }
  const upperSlot = ctx.clock.slotAtOrBefore(now + (opts.validForMs ?? 10 * 60_000));
  const builder = await fundedBuilder(ctx, [opts.order]);
  assembleOrderSpend(builder, orderScriptOf(ctx).script, [
    {
      order: utxo,
      redeemer: { action: 'return' },
      outputs: [{ address: addressOf(order.makerAddress, networkOf(utxo)), value: utxo.output().amount(), datum: outRefData(utxo.input().transactionId(), Number(utxo.input().index())) }],
      validFromSlot: lowerSlot,
      validUntilSlot: upperSlot,
      requiredSigners: [],
    },
  ]);
  return finish(ctx, builder);
}

const networkOf = (u: Core.TransactionUnspentOutput): 0 | 1 => (u.output().address().getProps().networkId === 1 ? 1 : 0);

