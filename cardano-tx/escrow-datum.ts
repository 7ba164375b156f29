/**
 * Codec for the escrow inline datum, the redeemers and the payout tag, to the layout fixed in
 * contracts/cardano/README.md. Amounts and times are bigint; byte strings are lowercase hex.
 */
import { Core } from '@blaze-cardano/sdk';
import { CardanoTxError } from './errors.js';

export interface EscrowAsset {
  /** 28-byte policy id hex, "" for lovelace. */
  policyId: string;
  /** Asset name hex (0–32 bytes), "" for lovelace. */
  assetName: string;
}

export const LOVELACE: EscrowAsset = { policyId: '', assetName: '' };

export interface EscrowDatum {
  orderHash: string; // 32 bytes hex
  hashlock: string; // keccak256(secret), 32 bytes hex
  maker: string; // payment key hash, 28 bytes hex
  taker: string; // payment key hash of the resolver, 28 bytes hex
  withdrawTo: string; // bech32 address
  cancelTo: string; // bech32 address
  asset: EscrowAsset;
  amount: bigint;
  safetyDeposit: bigint; // lovelace
  withdrawalAt: bigint; // POSIX ms
  publicWithdrawalAt: bigint;
  cancellationAt: bigint;
  /** Source escrows only; null on destination escrows. */
  publicCancellationAt: bigint | null;
}

export type EscrowAction = 'Withdraw' | 'PublicWithdraw' | 'Cancel' | 'PublicCancel';

const HEX = /^([0-9a-f]{2})*$/;

const constr = (index: number, fields: Core.PlutusData[]): Core.PlutusData => {
  const list = new Core.PlutusList();
  for (const f of fields) list.add(f);
  return Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(BigInt(index), list));
};
const bytes = (hex: string): Core.PlutusData => Core.PlutusData.newBytes(Buffer.from(hex, 'hex'));
const integer = (n: bigint): Core.PlutusData => Core.PlutusData.newInteger(n);

function hexField(name: string, value: string, length?: number | [number, number]): string {
  const v = typeof value === 'string' ? value.replace(/^0x/, '').toLowerCase() : '';
  const n = v.length / 2;
  const [min, max] = typeof length === 'number' ? [length, length] : (length ?? [0, Infinity]);
  if (!HEX.test(v) || n < min || n > max) {
    throw new CardanoTxError('INVALID_DATUM', `${name} must be ${min === max ? `${min}` : `${min}–${max}`} bytes of hex`);
  }
  return v;
}

function credentialData(c: { type: Core.CredentialType; hash: string }): Core.PlutusData {
  return constr(c.type === Core.CredentialType.KeyHash ? 0 : 1, [bytes(c.hash)]);
}

/** Plutus `Address` data: Constr 0 [payment credential, Maybe staking credential]. */
export function addressToData(bech32: string): Core.PlutusData {
  let props: ReturnType<Core.Address['getProps']>;
  try {
    props = Core.Address.fromBech32(bech32).getProps();
  } catch {
    throw new CardanoTxError('INVALID_DATUM', `not a bech32 Shelley address: ${String(bech32).slice(0, 120)}`);
  }
  if (!props.paymentPart) throw new CardanoTxError('INVALID_DATUM', 'address has no payment credential');
  let staking: Core.PlutusData = constr(1, []); // Nothing
  if (props.delegationPart) staking = constr(0, [constr(0, [credentialData(props.delegationPart)])]);
  else if (props.pointer) {
    const p = props.pointer;
    staking = constr(0, [constr(1, [integer(BigInt(p.slot)), integer(BigInt(p.txIndex)), integer(BigInt(p.certIndex))])]);
  }
  return constr(0, [credentialData(props.paymentPart), staking]);
}

function fields(d: Core.PlutusData, what: string, alternative?: number): Core.PlutusData[] {
  const c = d.asConstrPlutusData();
  if (!c || (alternative !== undefined && c.getAlternative() !== BigInt(alternative))) {
    throw new CardanoTxError('NOT_AN_ESCROW', `${what}: expected a constructor${alternative !== undefined ? ` ${alternative}` : ''}`);
  }
  const list = c.getData();
  return Array.from({ length: list.getLength() }, (_, i) => list.get(i));
}

function asBytes(d: Core.PlutusData | undefined, what: string): string {
  const b = d?.asBoundedBytes();
  if (!b) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: expected bytes`);
  return Buffer.from(b).toString('hex');
}

function asInt(d: Core.PlutusData | undefined, what: string): bigint {
  const n = d?.asInteger();
  if (n === undefined) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: expected an integer`);
  return n;
}

function credentialFromData(d: Core.PlutusData | undefined, what: string): { type: Core.CredentialType; hash: Core.Hash28ByteBase16 } {
  if (!d) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: missing`);
  const alt = d.asConstrPlutusData()?.getAlternative();
  const [h] = fields(d, what);
  const hash = asBytes(h, what);
  if (hash.length !== 56 || (alt !== 0n && alt !== 1n)) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: bad credential`);
  return { type: alt === 0n ? Core.CredentialType.KeyHash : Core.CredentialType.ScriptHash, hash: Core.Hash28ByteBase16(hash) };
}

/** Plutus `Address` data → bech32 on the given network (pointer addresses are not supported). */
export function addressFromData(d: Core.PlutusData | undefined, networkId: number, what = 'address'): string {
  if (!d) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: missing`);
  const [pay, stake] = fields(d, what, 0);
  const paymentPart = credentialFromData(pay, `${what}.payment`);
  const maybe = stake?.asConstrPlutusData();
  if (!stake || !maybe) throw new CardanoTxError('NOT_AN_ESCROW', `${what}: bad staking part`);
  const network = networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet;
  if (maybe.getAlternative() === 1n) {
    const type = paymentPart.type === Core.CredentialType.KeyHash ? Core.AddressType.EnterpriseKey : Core.AddressType.EnterpriseScript;
    return new Core.Address({ type, networkId: network, paymentPart }).toBech32();
  }
  const [stakingCredential] = fields(stake, `${what}.staking`, 0);
  const [inner] = fields(stakingCredential!, `${what}.staking`, 0);
  const delegationPart = credentialFromData(inner, `${what}.staking`);
  const type =
    paymentPart.type === Core.CredentialType.KeyHash
      ? delegationPart.type === Core.CredentialType.KeyHash
        ? Core.AddressType.BasePaymentKeyStakeKey
        : Core.AddressType.BasePaymentKeyStakeScript
      : delegationPart.type === Core.CredentialType.KeyHash
        ? Core.AddressType.BasePaymentScriptStakeKey
        : Core.AddressType.BasePaymentScriptStakeScript;
  return new Core.Address({ type, networkId: network, paymentPart, delegationPart }).toBech32();
}

/** Validates the terms and encodes the inline datum. Throws INVALID_DATUM, changes nothing. */
export function encodeEscrowDatum(d: EscrowDatum): Core.PlutusData {
  const lovelace = d.asset.policyId === '' && d.asset.assetName === '';
  const policyId = lovelace ? '' : hexField('asset.policyId', d.asset.policyId, 28);
  const assetName = lovelace ? '' : hexField('asset.assetName', d.asset.assetName, [0, 32]);
  for (const k of ['amount', 'safetyDeposit', 'withdrawalAt', 'publicWithdrawalAt', 'cancellationAt'] as const) {
    if (typeof d[k] !== 'bigint' || d[k] < 0n) throw new CardanoTxError('INVALID_DATUM', `${k} must be a non-negative bigint`);
  }
  if (d.amount <= 0n) throw new CardanoTxError('INVALID_DATUM', 'amount must be positive');
  if (!(d.withdrawalAt <= d.publicWithdrawalAt && d.publicWithdrawalAt < d.cancellationAt)) {
    throw new CardanoTxError('INVALID_DATUM', 'timelocks must satisfy withdrawalAt <= publicWithdrawalAt < cancellationAt');
  }
  if (d.publicCancellationAt !== null && (typeof d.publicCancellationAt !== 'bigint' || d.publicCancellationAt < d.cancellationAt)) {
    throw new CardanoTxError('INVALID_DATUM', 'publicCancellationAt must be null or >= cancellationAt');
  }
  return constr(0, [
    bytes(hexField('orderHash', d.orderHash, 32)),
    bytes(hexField('hashlock', d.hashlock, 32)),
    bytes(hexField('maker', d.maker, 28)),
    bytes(hexField('taker', d.taker, 28)),
    addressToData(d.withdrawTo),
    addressToData(d.cancelTo),
    constr(0, [bytes(policyId), bytes(assetName)]),
    integer(d.amount),
    integer(d.safetyDeposit),
    integer(d.withdrawalAt),
    integer(d.publicWithdrawalAt),
    integer(d.cancellationAt),
    d.publicCancellationAt === null ? constr(1, []) : constr(0, [integer(d.publicCancellationAt)]),
  ]);
}

/** Decodes an inline datum; NOT_AN_ESCROW when the shape is not the escrow's. */
export function decodeEscrowDatum(data: Core.PlutusData, networkId: number): EscrowDatum {
  const f = fields(data, 'datum', 0);
  if (f.length !== 13) throw new CardanoTxError('NOT_AN_ESCROW', `datum: expected 13 fields, got ${f.length}`);
  const [assetPolicy, assetName] = fields(f[6]!, 'asset', 0);
  const pca = f[12]!.asConstrPlutusData();
  let publicCancellationAt: bigint | null;
  if (pca?.getAlternative() === 1n) publicCancellationAt = null;
  else publicCancellationAt = asInt(fields(f[12]!, 'publicCancellationAt', 0)[0], 'publicCancellationAt');
  return {
    orderHash: asBytes(f[0], 'orderHash'),
    hashlock: asBytes(f[1], 'hashlock'),
    maker: asBytes(f[2], 'maker'),
    taker: asBytes(f[3], 'taker'),
    withdrawTo: addressFromData(f[4], networkId, 'withdrawTo'),
    cancelTo: addressFromData(f[5], networkId, 'cancelTo'),
    asset: { policyId: asBytes(assetPolicy, 'asset.policyId'), assetName: asBytes(assetName, 'asset.assetName') },
    amount: asInt(f[7], 'amount'),
    safetyDeposit: asInt(f[8], 'safetyDeposit'),
    withdrawalAt: asInt(f[9], 'withdrawalAt'),
    publicWithdrawalAt: asInt(f[10], 'publicWithdrawalAt'),
    cancellationAt: asInt(f[11], 'cancellationAt'),
    publicCancellationAt,
  };
}

/** Redeemer: Withdraw(secret)=0, PublicWithdraw(secret)=1, Cancel=2, PublicCancel=3. */
export function encodeRedeemer(action: EscrowAction, secretHex?: string): Core.PlutusData {
  switch (action) {
    case 'Withdraw':
      return constr(0, [bytes(secretHex ?? '')]);
    case 'PublicWithdraw':
      return constr(1, [bytes(secretHex ?? '')]);
    case 'Cancel':
      return constr(2, []);
    case 'PublicCancel':
      return constr(3, []);
  }
}

/**
 * The payout tag: the inline datum of the output that pays an escrow out is the spent escrow's
 * output reference, Plutus V3 `TxOutRef` = Constr 0 [txId bytes, index].
 */
export function payoutTag(input: Core.TransactionInput): Core.PlutusData {
  return constr(0, [bytes(input.transactionId()), integer(input.index())]);
}

/** Blaze unit of the asset ("" for lovelace, else policyId + assetName). */
export function assetUnit(a: EscrowAsset): string {
  return a.policyId + a.assetName;
}
