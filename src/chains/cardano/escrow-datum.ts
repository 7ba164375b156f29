/**
 * The one codec of the Cardano escrow's inline datum, redeemers and payout tag, to the layout fixed
 * in contracts/cardano/README.md: the escrow decoder decodes with it, the tx builders (cardano-tx/) encode
 * with it. Strict both ways: decoding anything that is not exactly this shape, or encoding terms
 * that would not decode back to themselves, throws DatumError, so a look-alike output is ignored,
 * never half-read, and nothing writes a datum the decoder would not read.
 *
 * Datum = Constr 0 [orderHash(32), hashlock(32), maker(28), taker(28), withdrawTo: Address,
 *   cancelTo: Address, asset: Constr 0 [policyId, assetName], amount, safetyDeposit,
 *   withdrawalAt, publicWithdrawalAt, cancellationAt, publicCancellationAt: Maybe Integer]
 * Redeemer = Withdraw(secret) 0 | PublicWithdraw(secret) 1 | Cancel 2 | PublicCancel 3
 */
import { Core } from '@blaze-cardano/sdk';
import { decodePlutusData, type PlutusData } from './plutus-cbor.js';

export class DatumError extends Error {
  readonly code = 'CARDANO_BAD_DATUM';
}

export interface Credential {
  type: 'key' | 'script';
  /** 28 bytes, hex. */
  hash: string;
}

/** A Plutus V3 `Address` (payment credential + optional staking hash credential). */
export interface PlutusAddress {
  payment: Credential;
  stake?: Credential;
}

export interface EscrowAsset {
  /** 28-byte policy id hex, "" for lovelace. */
  policyId: string;
  /** Asset name hex (0–32 bytes), "" for lovelace. */
  assetName: string;
}

export const LOVELACE: EscrowAsset = { policyId: '', assetName: '' };

/** Blaze unit of the asset ("" for lovelace, else policyId + assetName). */
export const assetUnit = (a: EscrowAsset): string => a.policyId + a.assetName;

/** Byte strings are lowercase hex; amounts and times bigint (times in POSIX ms). */
export interface EscrowDatum {
  orderHash: string;
  hashlock: string;
  maker: string;
  taker: string;
  withdrawTo: PlutusAddress;
  cancelTo: PlutusAddress;
  /** Empty policy and name = lovelace. */
  asset: EscrowAsset;
  amount: bigint;
  safetyDeposit: bigint;
  /** POSIX milliseconds. */
  withdrawalAt: bigint;
  publicWithdrawalAt: bigint;
  cancellationAt: bigint;
  /** Source escrows only (null = Nothing = destination escrow). */
  publicCancellationAt: bigint | null;
}

/** The validator's redeemer constructors, by their on-chain names (0–3). */
export type EscrowAction = 'Withdraw' | 'PublicWithdraw' | 'Cancel' | 'PublicCancel';

export type EscrowRedeemer =
  | { action: 'withdraw'; secret: string }
  | { action: 'publicWithdraw'; secret: string }
  | { action: 'cancel' }
  | { action: 'publicCancel' };

// ---- decoding -------------------------------------------------------------------------

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function parse(cborHex: string, what: string): PlutusData {
  try {
    return decodePlutusData(cborHex);
  } catch {
    throw new DatumError(`${what}: not Plutus data CBOR`);
  }
}

function constr(d: PlutusData | undefined, what: string): { tag: number; fields: PlutusData[] } {
  if (d?.kind !== 'constr') throw new DatumError(`${what}: expected a constructor`);
  return { tag: d.tag, fields: d.fields };
}

function bytes(d: PlutusData | undefined, what: string, lengths?: number[]): string {
  if (d?.kind !== 'bytes') throw new DatumError(`${what}: expected bytes`);
  const b = d.value;
  if (lengths && !lengths.includes(b.length)) throw new DatumError(`${what}: expected ${lengths.join(' or ')} bytes, got ${b.length}`);
  return hex(b);
}

function int(d: PlutusData | undefined, what: string): bigint {
  if (d?.kind !== 'int') throw new DatumError(`${what}: expected an integer`);
  return d.value;
}

function credential(d: PlutusData | undefined, what: string): Credential {
  const { tag, fields } = constr(d, what);
  if ((tag !== 0 && tag !== 1) || fields.length !== 1) throw new DatumError(`${what}: not a credential`);
  return { type: tag === 0 ? 'key' : 'script', hash: bytes(fields[0], what, [28]) };
}

function address(d: PlutusData | undefined, what: string): PlutusAddress {
  const { tag, fields } = constr(d, what);
  if (tag !== 0 || fields.length !== 2) throw new DatumError(`${what}: not an address`);
  const payment = credential(fields[0], `${what}.payment`);
  const maybe = constr(fields[1], `${what}.stake`);
  if (maybe.tag === 1 && maybe.fields.length === 0) return { payment };
  if (maybe.tag !== 0 || maybe.fields.length !== 1) throw new DatumError(`${what}.stake: not a Maybe`);
  const staking = constr(maybe.fields[0], `${what}.stake`);
  if (staking.tag !== 0 || staking.fields.length !== 1) {
    throw new DatumError(`${what}.stake: only staking-hash credentials are supported (no pointers)`);
  }
  return { payment, stake: credential(staking.fields[0], `${what}.stake`) };
}

export function decodeEscrowDatum(cborHex: string): EscrowDatum {
  const { tag, fields: f } = constr(parse(cborHex, 'datum'), 'datum');
  if (tag !== 0 || f.length !== 13) throw new DatumError(`datum: expected Constr 0 with 13 fields`);
  const asset = constr(f[6], 'asset');
  if (asset.tag !== 0 || asset.fields.length !== 2) throw new DatumError('asset: expected Constr 0 [policyId, assetName]');
  const policyId = bytes(asset.fields[0], 'asset.policyId', [0, 28]);
  const assetName = bytes(asset.fields[1], 'asset.assetName');
  if (assetName.length > 64) throw new DatumError('asset.assetName: longer than 32 bytes');
  if (policyId === '' && assetName !== '') throw new DatumError('asset: a name without a policy');
  const maybe = constr(f[12], 'publicCancellationAt');
  let publicCancellationAt: bigint | null;
  if (maybe.tag === 1 && maybe.fields.length === 0) publicCancellationAt = null;
  else if (maybe.tag === 0 && maybe.fields.length === 1) publicCancellationAt = int(maybe.fields[0], 'publicCancellationAt');
  else throw new DatumError('publicCancellationAt: not a Maybe Integer');
  const datum: EscrowDatum = {
    orderHash: bytes(f[0], 'orderHash', [32]),
    hashlock: bytes(f[1], 'hashlock', [32]),
    maker: bytes(f[2], 'maker', [28]),
    taker: bytes(f[3], 'taker', [28]),
    withdrawTo: address(f[4], 'withdrawTo'),
    cancelTo: address(f[5], 'cancelTo'),
    asset: { policyId, assetName },
    amount: int(f[7], 'amount'),
    safetyDeposit: int(f[8], 'safetyDeposit'),
    withdrawalAt: int(f[9], 'withdrawalAt'),
    publicWithdrawalAt: int(f[10], 'publicWithdrawalAt'),
    cancellationAt: int(f[11], 'cancellationAt'),
    publicCancellationAt,
  };
  for (const k of ['amount', 'safetyDeposit', 'withdrawalAt', 'publicWithdrawalAt', 'cancellationAt'] as const) {
    if (datum[k] < 0n) throw new DatumError(`${k}: negative`);
  }
  if (publicCancellationAt !== null && publicCancellationAt < 0n) throw new DatumError('publicCancellationAt: negative');
  return datum;
}

export function decodeEscrowRedeemer(cborHex: string): EscrowRedeemer {
  const { tag, fields } = constr(parse(cborHex, 'redeemer'), 'redeemer');
  if ((tag === 0 || tag === 1) && fields.length === 1) {
    return { action: tag === 0 ? 'withdraw' : 'publicWithdraw', secret: bytes(fields[0], 'secret') };
  }
  if (tag === 2 && fields.length === 0) return { action: 'cancel' };
  if (tag === 3 && fields.length === 0) return { action: 'publicCancel' };
  throw new DatumError('redeemer: not an escrow action');
}

/** The inline datum of a payout output: the spent escrow's output reference, Constr 0 [txId, index]. */
export function decodeOutRefDatum(cborHex: string): { txId: string; index: number } | null {
  try {
    const { tag, fields } = constr(parse(cborHex, 'outRef'), 'outRef');
    if (tag !== 0 || fields.length !== 2) return null;
    return { txId: bytes(fields[0], 'txId', [32]), index: Number(int(fields[1], 'index')) };
  } catch {
    return null;
  }
}

// ---- encoding ---------------------------------------------------------------------------

const HEX = /^([0-9a-f]{2})*$/;

/** Lowercase hex of a byte length the decoder accepts, else DatumError. */
function hexField(v: unknown, what: string, min: number, max = min): string {
  if (typeof v !== 'string' || !HEX.test(v) || v.length / 2 < min || v.length / 2 > max) {
    throw new DatumError(`${what}: expected ${min === max ? min : `${min}–${max}`} bytes of lowercase hex`);
  }
  return v;
}

function natField(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n) throw new DatumError(`${what}: expected a non-negative bigint`);
  return v;
}

const pBytes = (h: string) => Core.PlutusData.newBytes(Buffer.from(h, 'hex'));
const pInt = (n: bigint) => Core.PlutusData.newInteger(n);

function pConstr(tag: number, fields: Core.PlutusData[]): Core.PlutusData {
  const list = new Core.PlutusList();
  for (const f of fields) list.add(f);
  return Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(BigInt(tag), list));
}

function pCred(c: Credential | undefined, what: string): Core.PlutusData {
  if (c?.type !== 'key' && c?.type !== 'script') throw new DatumError(`${what}: not a credential`);
  return pConstr(c.type === 'key' ? 0 : 1, [pBytes(hexField(c.hash, what, 28))]);
}

function pAddress(a: PlutusAddress | undefined, what: string): Core.PlutusData {
  if (typeof a !== 'object' || a === null) throw new DatumError(`${what}: not an address`);
  const stake = a.stake ? pConstr(0, [pConstr(0, [pCred(a.stake, `${what}.stake`)])]) : pConstr(1, []);
  return pConstr(0, [pCred(a.payment, `${what}.payment`), stake]);
}

/** The datum as Plutus data; DatumError when `decodeEscrowDatum` would not give `d` back. */
export function escrowDatumData(d: EscrowDatum): Core.PlutusData {
  const policyId = hexField(d.asset?.policyId, 'asset.policyId', 0, 28);
  const assetName = hexField(d.asset?.assetName, 'asset.assetName', 0, 32);
  if (policyId.length !== 0 && policyId.length !== 56) throw new DatumError('asset.policyId: expected 0 or 28 bytes');
  if (policyId === '' && assetName !== '') throw new DatumError('asset: a name without a policy');
  return pConstr(0, [
    pBytes(hexField(d.orderHash, 'orderHash', 32)),
    pBytes(hexField(d.hashlock, 'hashlock', 32)),
    pBytes(hexField(d.maker, 'maker', 28)),
    pBytes(hexField(d.taker, 'taker', 28)),
    pAddress(d.withdrawTo, 'withdrawTo'),
    pAddress(d.cancelTo, 'cancelTo'),
    pConstr(0, [pBytes(policyId), pBytes(assetName)]),
    pInt(natField(d.amount, 'amount')),
    pInt(natField(d.safetyDeposit, 'safetyDeposit')),
    pInt(natField(d.withdrawalAt, 'withdrawalAt')),
    pInt(natField(d.publicWithdrawalAt, 'publicWithdrawalAt')),
    pInt(natField(d.cancellationAt, 'cancellationAt')),
    d.publicCancellationAt === null ? pConstr(1, []) : pConstr(0, [pInt(natField(d.publicCancellationAt, 'publicCancellationAt'))]),
  ]);
}

/** CBOR hex of the datum (what an output's inline datum holds). */
export function encodeEscrowDatum(d: EscrowDatum): string {
  return escrowDatumData(d).toCbor();
}

export function escrowRedeemerData(r: EscrowRedeemer): Core.PlutusData {
  switch (r.action) {
    case 'withdraw':
      return pConstr(0, [pBytes(r.secret)]);
    case 'publicWithdraw':
      return pConstr(1, [pBytes(r.secret)]);
    case 'cancel':
      return pConstr(2, []);
    case 'publicCancel':
      return pConstr(3, []);
  }
}

/** The redeemer by constructor name: Withdraw(secret) 0, PublicWithdraw(secret) 1, Cancel 2, PublicCancel 3. */
export function encodeRedeemer(action: EscrowAction, secretHex = ''): Core.PlutusData {
  switch (action) {
    case 'Withdraw':
      return escrowRedeemerData({ action: 'withdraw', secret: secretHex });
    case 'PublicWithdraw':
      return escrowRedeemerData({ action: 'publicWithdraw', secret: secretHex });
    case 'Cancel':
      return escrowRedeemerData({ action: 'cancel' });
    case 'PublicCancel':
      return escrowRedeemerData({ action: 'publicCancel' });
  }
}

/** The payout tag: Plutus V3 `TxOutRef` = Constr 0 [txId bytes, index] of the escrow being paid out. */
export function outRefData(txId: string, index: number): Core.PlutusData {
  return pConstr(0, [pBytes(txId), pInt(BigInt(index))]);
}

/** The payout tag of a spent escrow input (the inline datum of the output that pays it out). */
export const payoutTag = (input: Core.TransactionInput): Core.PlutusData => outRefData(input.transactionId(), Number(input.index()));

// ---- addresses ------------------------------------------------------------------------------

/** Bech32 of a Plutus address (network 0 → `addr_test…`, 1 → `addr…`). */
export function plutusAddressToBech32(a: PlutusAddress, networkId: 0 | 1): string {
  const cred = (c: Credential) => ({
    type: c.type === 'key' ? Core.CredentialType.KeyHash : Core.CredentialType.ScriptHash,
    hash: Core.Hash28ByteBase16(c.hash),
  });
  const payKey = a.payment.type === 'key';
  const type = a.stake
    ? payKey
      ? a.stake.type === 'key'
        ? Core.AddressType.BasePaymentKeyStakeKey
        : Core.AddressType.BasePaymentKeyStakeScript
      : a.stake.type === 'key'
        ? Core.AddressType.BasePaymentScriptStakeKey
        : Core.AddressType.BasePaymentScriptStakeScript
    : payKey
      ? Core.AddressType.EnterpriseKey
      : Core.AddressType.EnterpriseScript;
  return new Core.Address({
    type,
    networkId,
    paymentPart: cred(a.payment),
    ...(a.stake ? { delegationPart: cred(a.stake) } : {}),
  }).toBech32();
}

/**
 * The Plutus form of a bech32 Shelley address (for building datums). DatumError for anything else,
 * and for pointer addresses (the escrow's datum layout has no pointers).
 */
export function bech32ToPlutusAddress(bech32: string): PlutusAddress {
  let props: ReturnType<Core.Address['getProps']>;
  try {
    props = Core.Address.fromBech32(bech32).getProps();
  } catch {
    throw new DatumError(`address: not a bech32 Shelley address: ${String(bech32).slice(0, 120)}`);
  }
  if (!props.paymentPart) throw new DatumError('address: no payment credential');
  if (props.pointer) throw new DatumError('address: pointer addresses are not supported');
  const cred = (c: { type: Core.CredentialType; hash: string }): Credential => ({
    type: c.type === Core.CredentialType.KeyHash ? 'key' : 'script',
    hash: c.hash,
  });
  return {
    payment: cred(props.paymentPart),
    ...(props.delegationPart ? { stake: cred(props.delegationPart) } : {}),
  };
}
