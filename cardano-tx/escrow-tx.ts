/**
 * Off-chain builders for the Cardano escrow: create (lock), withdraw / public withdraw with the
 * secret, cancel / public cancel. Chain state is read only through the Blaze `Provider` given
 * (OgmiosProvider in production, the emulator's provider in contract tests). Every builder checks
 * the escrow's rules first and refuses with a CardanoTxError (stable code) before anything is
 * signed or submitted; `assembleSpend` is the unchecked low-level step they share.
 */
import { Core, TxBuilder, type Provider } from '@blaze-cardano/sdk';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { escrowScript as defaultScript, type EscrowScript } from '../contracts/cardano/index.js';
import { CardanoTxError } from './errors.js';
import {
  assetUnit,
  DatumError,
  decodeEscrowDatum,
  escrowDatumData,
  encodeRedeemer,
  payoutTag,
  plutusAddressToBech32,
  type EscrowAction,
  type EscrowDatum,
  type PlutusAddress,
} from '../src/chains/cardano/escrow-datum.js';
import type { CardanoSigner } from './signer.js';
import type { SlotClock } from '../src/chains/cardano/slot-time.js';

export interface EscrowTxContext {
  provider: Provider;
  signer: CardanoSigner;
  networkId: 0 | 1;
  /** Slot arithmetic of the chain (OgmiosProvider.slotClock(), or SlotClock.linear for an emulator). */
  clock: SlotClock;
  /** The escrow script (default: the committed contracts/cardano/escrow.plutus.json). */
  script?: EscrowScript;
  /** false: sign but do not submit (default true). */
  submit?: boolean;
}

export interface OutRef {
  txId: string;
  index: number;
}

export interface EscrowTxResult {
  tx: Core.Transaction;
  txId: string;
}

export interface CreatedEscrow extends EscrowTxResult {
  /** The escrow output. */
  escrow: OutRef;
}

const scriptOf = (ctx: EscrowTxContext) => ctx.script ?? defaultScript;

/** A TxBuilder funded by the signer's UTxOs (minus `exclude`), change to the signer, budgets from the provider. */
export async function fundedBuilder(ctx: EscrowTxContext, exclude: OutRef[] = []): Promise<TxBuilder> {
  const params = await ctx.provider.getParameters();
  const skip = new Set(exclude.map((r) => `${r.txId}#${r.index}`));
  const utxos = (await ctx.provider.getUnspentOutputs(ctx.signer.address)).filter(
    (u) => !skip.has(`${u.input().transactionId()}#${u.input().index()}`),
  );
  return new TxBuilder(params)
    .setNetworkId(ctx.networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet)
    .addUnspentOutputs(utxos)
    .setChangeAddress(ctx.signer.address)
    .useEvaluator((tx, additional) => ctx.provider.evaluateTransaction(tx, additional));
}

export async function finish(ctx: EscrowTxContext, builder: TxBuilder): Promise<EscrowTxResult> {
  let unsigned: Core.Transaction;
  try {
    unsigned = await builder.complete();
  } catch (err) {
    // Coin selection, or the node's script evaluation (e.g. an input already spent in the mempool).
    throw new CardanoTxError('BUILD_FAILED', `the transaction could not be built: ${(err as Error).message}`, err);
  }
  const tx = await ctx.signer.sign(unsigned);
  if (ctx.submit ?? true) {
    try {
      await ctx.provider.postTransactionToChain(tx);
    } catch (err) {
      throw new CardanoTxError('SUBMIT_FAILED', `transaction ${tx.getId()} was refused: ${errorText(err)}`, err);
    }
  }
  return { tx, txId: tx.getId() };
}

/**
 * Sends a transaction signed earlier (built with `submit: false` and persisted as CBOR). Sending
 * the identical bytes again is safe: a transaction's inputs can be spent once, so a copy that
 * already reached the node is refused (Ogmios 3117), never applied twice.
 */
export async function submitSigned(ctx: Pick<EscrowTxContext, 'provider'>, cbor: string): Promise<string> {
  let tx: Core.Transaction;
  try {
    tx = Core.Transaction.fromCbor(Core.TxCBOR(cbor));
  } catch (err) {
    throw new CardanoTxError('SUBMIT_FAILED', `not a transaction: ${(err as Error).message}`, err);
  }
  try {
    await ctx.provider.postTransactionToChain(tx);
  } catch (err) {
    throw new CardanoTxError('SUBMIT_FAILED', `transaction ${tx.getId()} was refused: ${errorText(err)}`, err);
  }
  return tx.getId();
}

/** The Ogmios client rejects with a JSONRPCError (`code`, `message`), or the raw response (`{ error: { code, message } }`). */
function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = (err as { error?: { code?: number; message?: string } } | undefined)?.error;
  return e ? `${e.code ?? '?'} ${e.message ?? ''}`.trim() : String(err);
}

/** The Ogmios error code behind a SUBMIT_FAILED (3117: unknown or already spent inputs), if any. */
export function submitErrorCode(err: unknown): number | undefined {
  const cause = (err instanceof CardanoTxError ? err.details : err) as { code?: unknown; error?: { code?: unknown } } | undefined;
  const code = cause?.code ?? cause?.error?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The escrow output's value: `amount` of the asset plus the lovelace safety deposit. */
export function escrowValue(d: EscrowDatum): Core.Value {
  const unit = assetUnit(d.asset);
  if (unit === '') return new Core.Value(d.amount + d.safetyDeposit);
  return new Core.Value(d.safetyDeposit, new Map([[Core.AssetId(unit), d.amount]]));
}

const hexOf = <T>(v: T): T => (typeof v === 'string' ? (v.replace(/^0x/, '').toLowerCase() as T) : v);

/**
 * The inline datum of terms a resolver may lock: what the codec can encode (hex of the right
 * lengths, "0x" and upper case accepted; non-negative integers; Shelley addresses without
 * pointers), a positive amount and ordered windows (the validator does not check the order).
 * Throws INVALID_DATUM, changes nothing.
 */
export function escrowTermsData(d: EscrowDatum): Core.PlutusData {
  let data: Core.PlutusData;
  try {
    data = escrowDatumData({
      ...d,
      orderHash: hexOf(d.orderHash),
      hashlock: hexOf(d.hashlock),
      maker: hexOf(d.maker),
      taker: hexOf(d.taker),
      asset: { policyId: hexOf(d.asset?.policyId), assetName: hexOf(d.asset?.assetName) },
    });
  } catch (err) {
    if (err instanceof DatumError) throw new CardanoTxError('INVALID_DATUM', err.message);
    throw err;
  }
  if (d.amount <= 0n) throw new CardanoTxError('INVALID_DATUM', 'amount must be positive');
  if (!(d.withdrawalAt <= d.publicWithdrawalAt && d.publicWithdrawalAt < d.cancellationAt)) {
    throw new CardanoTxError('INVALID_DATUM', 'timelocks must satisfy withdrawalAt <= publicWithdrawalAt < cancellationAt');
  }
  if (d.publicCancellationAt !== null && d.publicCancellationAt < d.cancellationAt) {
    throw new CardanoTxError('INVALID_DATUM', 'publicCancellationAt must be null or >= cancellationAt');
  }
  return data;
}

/** Locks `amount` + safety deposit at the script address with the inline datum. */
export async function createEscrow(ctx: EscrowTxContext, datum: EscrowDatum): Promise<CreatedEscrow> {
  const data = escrowTermsData(datum); // throws INVALID_DATUM
  const params = await ctx.provider.getParameters();
  const output = new Core.TransactionOutput(scriptOf(ctx).address(ctx.networkId), escrowValue(datum));
  output.setDatum(Core.Datum.newInlineData(data));
  // The ledger's min-UTxO (Babbage: (160 + size) * coinsPerUtxoByte). Refuse rather than let the
  // builder silently top up, so the escrow holds exactly amount + deposit.
  const minAda = BigInt(params.coinsPerUtxoByte) * BigInt(output.toCbor().length / 2 + 160);
  if (output.amount().coin() < minAda) {
    throw new CardanoTxError('BELOW_MIN_UTXO', `escrow output needs at least ${minAda} lovelace, has ${output.amount().coin()}`);
  }
  const builder = (await fundedBuilder(ctx)).addOutput(output);
  const res = await finish(ctx, builder);
  const index = res.tx
    .body()
    .outputs()
    .findIndex((o) => o.address().toBech32() === output.address().toBech32() && o.datum()?.asInlineData()?.toCbor() === data.toCbor());
  return { ...res, escrow: { txId: res.txId, index } };
}

export interface SpendPlan {
  escrow: Core.TransactionUnspentOutput;
  redeemer: Core.PlutusData;
  /** Outputs to add, each tagged (inline datum) or not. */
  payouts: { address: Core.Address; value: Core.Value; tag?: Core.PlutusData }[];
  /** Validity interval in slots; `undefined` leaves a bound open. */
  validFromSlot?: number;
  validUntilSlot?: number;
  requiredSigners: string[];
}

/**
 * Unchecked: adds the escrow input with its redeemer, the script, the payouts, the bounds and
 * the required signers to a builder funded by the signer's wallet. The high-level builders below
 * check the rules before calling it; contract tests call it to craft transactions that break them.
 */
export function assembleSpend(builder: TxBuilder, script: Core.Script, plans: SpendPlan[]): TxBuilder {
  for (const p of plans) {
    builder.addInput(p.escrow, p.redeemer);
    for (const out of p.payouts) {
      const o = new Core.TransactionOutput(out.address, out.value);
      if (out.tag) o.setDatum(Core.Datum.newInlineData(out.tag));
      builder.addOutput(o);
    }
  }
  return provideScriptSpend(builder, script, plans);
}

/**
 * What every script spend adds after its inputs and outputs (escrow and order alike): the
 * script, the first validity bounds the plans name, and each required signer once.
 */
export function provideScriptSpend(
  builder: TxBuilder,
  script: Core.Script,
  plans: { validFromSlot?: number; validUntilSlot?: number; requiredSigners: string[] }[],
): TxBuilder {
  builder.provideScript(script);
  const from = plans.map((p) => p.validFromSlot).find((s) => s !== undefined);
  const until = plans.map((p) => p.validUntilSlot).find((s) => s !== undefined);
  if (from !== undefined) builder.setValidFrom(Core.Slot(from));
  if (until !== undefined) builder.setValidUntil(Core.Slot(until));
  for (const s of new Set(plans.flatMap((p) => p.requiredSigners))) builder.addRequiredSigner(Core.Ed25519KeyHashHex(s));
  return builder;
}

export interface SpendOptions {
  escrow: OutRef;
  /** The chain time to build for, POSIX ms (default: the provider's tip, see below). */
  now?: number;
  /** How long the transaction stays valid, ms (default 10 minutes, cut at the window's end). */
  validForMs?: number;
}

/** Reads the escrow output through the provider and decodes its datum. */
export async function loadEscrow(
  ctx: Pick<EscrowTxContext, 'provider' | 'networkId' | 'script'>,
  ref: OutRef,
): Promise<{ utxo: Core.TransactionUnspentOutput; datum: EscrowDatum }> {
  const input = new Core.TransactionInput(Core.TransactionId(ref.txId), BigInt(ref.index));
  let utxos: Core.TransactionUnspentOutput[];
  try {
    utxos = await ctx.provider.resolveUnspentOutputs([input]);
  } catch {
    utxos = [];
  }
  const utxo = utxos[0];
  if (!utxo) throw new CardanoTxError('ESCROW_NOT_FOUND', `${ref.txId}#${ref.index} is not an unspent output`);
  const out = utxo.output();
  const scriptHash = out.address().getProps().paymentPart?.hash;
  if (scriptHash !== (ctx.script ?? defaultScript).hash) {
    throw new CardanoTxError('NOT_AN_ESCROW', `${ref.txId}#${ref.index} is not at the escrow script address`);
  }
  const inline = out.datum()?.asInlineData();
  if (!inline) throw new CardanoTxError('NOT_AN_ESCROW', `${ref.txId}#${ref.index} has no inline datum`);
  try {
    return { utxo, datum: decodeEscrowDatum(inline.toCbor()) };
  } catch (err) {
    if (err instanceof DatumError) throw new CardanoTxError('NOT_AN_ESCROW', `${ref.txId}#${ref.index}: ${err.message}`);
    throw err;
  }
}

/** The chain's "now": the tip's slot start (the ledger compares intervals with the current slot). */
export async function chainNow(ctx: EscrowTxContext, opts: Pick<SpendOptions, 'now'>): Promise<number> {
  if (opts.now !== undefined) return opts.now;
  const tip = await (ctx.provider as Partial<{ getNetworkTip(): Promise<{ slot: number }> }>).getNetworkTip?.();
  if (!tip) throw new CardanoTxError('BUILD_FAILED', 'no `now` given and the provider cannot report the chain tip');
  return Number(ctx.clock.slotToMs(tip.slot));
}

/** Validity interval [lower, upper) in slots, inside [opens, closes). */
function window(ctx: EscrowTxContext, now: number, opens: bigint, closes: bigint | null, validForMs: number, what: string) {
  const lowerSlot = ctx.clock.slotAtOrBefore(now);
  if (Number(ctx.clock.slotToMs(lowerSlot)) < Number(opens)) {
    throw new CardanoTxError('WINDOW_NOT_OPEN', `${what} opens at ${opens} (POSIX ms); the chain is at ${now}`);
  }
  let end = now + validForMs;
  if (closes !== null && Number(closes) < end) end = Number(closes);
  const upperSlot = ctx.clock.slotAtOrBefore(end);
  if (upperSlot <= lowerSlot) {
    throw new CardanoTxError('WINDOW_CLOSED', `${what} closed at ${closes} (POSIX ms); the chain is at ${now}`);
  }
  return { validFromSlot: lowerSlot, validUntilSlot: upperSlot };
}

function payoutValue(d: EscrowDatum): Core.Value {
  const unit = assetUnit(d.asset);
  // Lovelace: exactly `amount`. A token: `amount` of it; the builder adds the min-UTxO lovelace.
  return unit === '' ? new Core.Value(d.amount) : new Core.Value(0n, new Map([[Core.AssetId(unit), d.amount]]));
}

function checkSecret(d: EscrowDatum, secretHex: string): string {
  const s = typeof secretHex === 'string' ? secretHex.replace(/^0x/, '').toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(s)) throw new CardanoTxError('WRONG_SECRET', 'secret must be exactly 32 bytes of hex');
  if (Buffer.from(keccak_256(Buffer.from(s, 'hex'))).toString('hex') !== d.hashlock) {
    throw new CardanoTxError('WRONG_SECRET', 'keccak256(secret) does not match the escrow hashlock');
  }
  return s;
}

async function spend(
  ctx: EscrowTxContext,
  opts: SpendOptions,
  action: EscrowAction,
  secretHex?: string,
): Promise<EscrowTxResult> {
  const { utxo, datum } = await loadEscrow(ctx, opts.escrow);
  const now = await chainNow(ctx, opts);
  const validFor = opts.validForMs ?? 10 * 60_000;
  const byTaker = action === 'Withdraw' || action === 'Cancel';
  if (byTaker && ctx.signer.paymentKeyHash !== datum.taker) {
    throw new CardanoTxError('NOT_TAKER', `${action} must be signed by the escrow's taker`);
  }
  let secret: string | undefined;
  let bounds: { validFromSlot: number; validUntilSlot: number };
  let payee: PlutusAddress;
  switch (action) {
    case 'Withdraw':
    case 'PublicWithdraw':
      secret = checkSecret(datum, secretHex ?? '');
      bounds = window(
        ctx,
        now,
        action === 'Withdraw' ? datum.withdrawalAt : datum.publicWithdrawalAt,
        datum.cancellationAt,
        validFor,
        action === 'Withdraw' ? 'withdrawal' : 'public withdrawal',
      );
      payee = datum.withdrawTo;
      break;
    case 'Cancel':
      bounds = window(ctx, now, datum.cancellationAt, null, validFor, 'cancellation');
      payee = datum.cancelTo;
      break;
    case 'PublicCancel':
      if (datum.publicCancellationAt === null) {
        throw new CardanoTxError('NO_PUBLIC_CANCELLATION', 'this escrow has no public cancellation (destination side)');
      }
      bounds = window(ctx, now, datum.publicCancellationAt, null, validFor, 'public cancellation');
      payee = datum.cancelTo;
      break;
  }
  const builder = await fundedBuilder(ctx, [opts.escrow]);
  assembleSpend(builder, scriptOf(ctx).script, [
    {
      escrow: utxo,
      redeemer: encodeRedeemer(action, secret),
      payouts: [{ address: Core.Address.fromBech32(plutusAddressToBech32(payee, networkOf(utxo))), value: payoutValue(datum), tag: payoutTag(utxo.input()) }],
      ...bounds,
      requiredSigners: byTaker ? [datum.taker] : [],
    },
  ]);
  return finish(ctx, builder);
}

/** The network of the escrow's own address (its payouts go to the same network). */
const networkOf = (u: Core.TransactionUnspentOutput): 0 | 1 => (u.output().address().getProps().networkId === 1 ? 1 : 0);

/** Taker withdraws with the secret in [withdrawalAt, cancellationAt): `amount` to withdrawTo, the deposit to the taker. */
export const withdraw = (ctx: EscrowTxContext, opts: SpendOptions & { secret: string }) =>
  spend(ctx, opts, 'Withdraw', opts.secret);

/** Anyone withdraws with the secret in [publicWithdrawalAt, cancellationAt): `amount` to withdrawTo, the deposit to the caller. */
export const publicWithdraw = (ctx: EscrowTxContext, opts: SpendOptions & { secret: string }) =>
  spend(ctx, opts, 'PublicWithdraw', opts.secret);

/** Taker cancels from cancellationAt: `amount` back to cancelTo, the deposit to the taker. */
export const cancel = (ctx: EscrowTxContext, opts: SpendOptions) => spend(ctx, opts, 'Cancel');

/** Anyone cancels a source escrow from publicCancellationAt: `amount` to cancelTo, the deposit to the caller. */
export const publicCancel = (ctx: EscrowTxContext, opts: SpendOptions) => spend(ctx, opts, 'PublicCancel');
