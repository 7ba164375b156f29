/**
 * Codec of the Cardano escrow's inline datum and redeemer (the layout fixed for the validator,
 * the tx builders and this monitor; see README.md). Decoding is strict: anything that is not
 * exactly this shape throws DatumError, so a look-alike output is ignored, never half-read.
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

export interface EscrowDatum {
  orderHash: string;
  hashlock: string;
  maker: string;
  taker: string;
  withdrawTo: PlutusAddress;
  cancelTo: PlutusAddress;
  /** Empty policy and name = lovelace. */
  asset: { policyId: string; assetName: string };
  amount: bigint;
  safetyDeposit: bigint;
  /** POSIX milliseconds. */
  withdrawalAt: bigint;
  publicWithdrawalAt: bigint;
  cancellationAt: bigint;
  /** Source escrows only (null = Nothing = destination escrow). */
  publicCancellationAt: bigint | null;
}

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

// ---- encoding (tests, tools) --------------------------------------------------------------

const pBytes = (h: string) => Core.PlutusData.newBytes(Buffer.from(h, 'hex'));
const pInt = (n: bigint) => Core.PlutusData.newInteger(n);

function pConstr(tag: number, fields: Core.PlutusData[]): Core.PlutusData {
  const list = new Core.PlutusList();
  for (const f of fields) list.add(f);
  return Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(BigInt(tag), list));
}

const pCred = (c: Credential) => pConstr(c.type === 'key' ? 0 : 1, [pBytes(c.hash)]);

function pAddress(a: PlutusAddress): Core.PlutusData {
  return pConstr(0, [pCred(a.payment), a.stake ? pConstr(0, [pConstr(0, [pCred(a.stake)])]) : pConstr(1, [])]);
}

export function escrowDatumData(d: EscrowDatum): Core.PlutusData {
  return pConstr(0, [
    pBytes(d.orderHash),
    pBytes(d.hashlock),
    pBytes(d.maker),
    pBytes(d.taker),
    pAddress(d.withdrawTo),
    pAddress(d.cancelTo),
    pConstr(0, [pBytes(d.asset.policyId), pBytes(d.asset.assetName)]),
    pInt(d.amount),
    pInt(d.safetyDeposit),
    pInt(d.withdrawalAt),
    pInt(d.publicWithdrawalAt),
    pInt(d.cancellationAt),
    d.publicCancellationAt === null ? pConstr(1, []) : pConstr(0, [pInt(d.publicCancellationAt)]),
  ]);
}

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

export function outRefData(txId: string, index: number): Core.PlutusData {
  return pConstr(0, [pBytes(txId), pInt(BigInt(index))]);
}

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

/** The Plutus form of a bech32 Shelley address (for building datums). */
export function bech32ToPlutusAddress(bech32: string): PlutusAddress {
  const props = Core.Address.fromBech32(bech32).getProps();
  if (!props.paymentPart) throw new DatumError('address: no payment credential');
  const cred = (c: { type: Core.CredentialType; hash: string }): Credential => ({
    type: c.type === Core.CredentialType.KeyHash ? 'key' : 'script',
    hash: c.hash,
  });
  return {
    payment: cred(props.paymentPart),
    ...(props.delegationPart ? { stake: cred(props.delegationPart) } : {}),
  };
}
