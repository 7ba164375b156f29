/**
 * The codec of the Cardano order script's inline datum (ADA→ETH orders, architecture §4) and the order
 * hash, to the layout in contracts/cardano/README.md ("Order datum, version 1"). Pure: no I/O.
 *
 * The order hash is blake2b-256 of the datum's *Plutus* encoding (`serialiseData`, see
 * plutus-cbor.ts `encodePlutusData`): the order script recomputes it on chain and requires it in
 * the escrow it creates. `encodeOrderDatum` writes exactly those bytes, so the inline datum the
 * maker locks, its ledger datum hash and the order hash all agree.
 *
 * OrderDatum = Constr 0 [version=1, maker(28), makerAddress: Address, receiver(20),
 *   makerAsset: Constr 0 [policyId, assetName], makingAmount, takerAsset(20),
 *   auction: Constr 0 [startTime s, duration s, startAmount, endAmount, [Constr 0 [offset s, amount]]],
 *   hashlock(32), timelocks: Constr 0 [7 × seconds], srcSafetyDeposit, dstSafetyDeposit,
 *   nonce, salt, expiry s, dstChainId]
 * OrderRedeemer = Fill(takingAmount) 0 | Cancel 1 | Return 2
 */
import { blake2b } from '@noble/hashes/blake2.js';
import type { Auction, Timelocks } from '../../domain/order.js';
import { TIMELOCK_STAGES } from '../../domain/order.js';
import { auctionAmount } from '../../domain/auction.js';
import { DatumError, type EscrowAsset, type EscrowDatum, type PlutusAddress, type Credential } from './escrow-datum.js';
import { decodePlutusData, encodePlutusData, type PlutusData } from './plutus-cbor.js';

export const ORDER_DATUM_VERSION = 1n;

/** Integers are bigint (times in unix seconds), byte strings lowercase hex without 0x. */
export interface OrderAuctionTerms {
  startTime: bigint;
  duration: bigint;
  startAmount: bigint;
  endAmount: bigint;
  points: { offset: bigint; amount: bigint }[];
}

export type OrderTimelocks = Record<(typeof TIMELOCK_STAGES)[number], bigint>;

export interface OrderDatum {
  /** Payment key hash (28 bytes) of the maker: signs Cancel; the escrow's `maker`. */
  maker: string;
  /** Where a Return pays and the escrow's `cancelTo`. */
  makerAddress: PlutusAddress;
  /** EVM address (20 bytes) the destination escrow pays. */
  receiver: string;
  makerAsset: EscrowAsset;
  makingAmount: bigint;
  /** EVM token (20 bytes); the zero address is native ETH. */
  takerAsset: string;
  auction: OrderAuctionTerms;
  hashlock: string;
  /** Seconds after the source escrow's creation (architecture §6). */
  timelocks: OrderTimelocks;
  /** Lovelace the resolver adds to the source escrow. */
  srcSafetyDeposit: bigint;
  /** Native coin (wei) the resolver adds to the destination escrow. */
  dstSafetyDeposit: bigint;
  nonce: bigint;
  salt: bigint;
  /** Unix seconds: the last second the order may be filled in. */
  expiry: bigint;
  /** EVM chain id of the destination. */
  dstChainId: bigint;
}

export type OrderRedeemer = { action: 'fill'; takingAmount: bigint } | { action: 'cancel' } | { action: 'return' };

// ---- building blocks -----------------------------------------------------------------------

const HEX = /^([0-9a-f]{2})*$/;
const I = (value: bigint): PlutusData => ({ kind: 'int', value });
const B = (h: string): PlutusData => ({ kind: 'bytes', value: Uint8Array.from(Buffer.from(h, 'hex')) });
const C = (tag: number, fields: PlutusData[]): PlutusData => ({ kind: 'constr', tag, fields });

function hexField(v: unknown, what: string, min: number, max = min): string {
  if (typeof v !== 'string' || !HEX.test(v) || v.length / 2 < min || v.length / 2 > max) {
    throw new DatumError(`${what}: expected ${min === max ? min : `${min}–${max}`} bytes of lowercase hex`);
  }
  return v;
}

function nat(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n) throw new DatumError(`${what}: expected a non-negative bigint`);
  return v;
}

function credData(c: Credential | undefined, what: string): PlutusData {
  if (c?.type !== 'key' && c?.type !== 'script') throw new DatumError(`${what}: not a credential`);
  return C(c.type === 'key' ? 0 : 1, [B(hexField(c.hash, what, 28))]);
}

function addressData(a: PlutusAddress | undefined, what: string): PlutusData {
  if (typeof a !== 'object' || a === null) throw new DatumError(`${what}: not an address`);
  const stake = a.stake ? C(0, [C(0, [credData(a.stake, `${what}.stake`)])]) : C(1, []);
  return C(0, [credData(a.payment, `${what}.payment`), stake]);
}

function assetData(a: EscrowAsset | undefined): PlutusData {
  const policyId = hexField(a?.policyId, 'makerAsset.policyId', 0, 28);
  const assetName = hexField(a?.assetName, 'makerAsset.assetName', 0, 32);
  if (policyId.length !== 0 && policyId.length !== 56) throw new DatumError('makerAsset.policyId: expected 0 or 28 bytes');
  if (policyId === '' && assetName !== '') throw new DatumError('makerAsset: a name without a policy');
  return C(0, [B(policyId), B(assetName)]);
}

/** The datum as Plutus data; DatumError when `decodeOrderDatum` would not give `d` back. */
export function orderDatumData(d: OrderDatum): PlutusData {
  const au = d.auction;
  if (typeof au !== 'object' || au === null || !Array.isArray(au.points)) throw new DatumError('auction: not an auction');
  if (typeof d.timelocks !== 'object' || d.timelocks === null) throw new DatumError('timelocks: not timelocks');
  return C(0, [
    I(ORDER_DATUM_VERSION),
    B(hexField(d.maker, 'maker', 28)),
    addressData(d.makerAddress, 'makerAddress'),
    B(hexField(d.receiver, 'receiver', 20)),
    assetData(d.makerAsset),
    I(nat(d.makingAmount, 'makingAmount')),
    B(hexField(d.takerAsset, 'takerAsset', 20)),
    C(0, [
      I(nat(au.startTime, 'auction.startTime')),
      I(nat(au.duration, 'auction.duration')),
      I(nat(au.startAmount, 'auction.startAmount')),
      I(nat(au.endAmount, 'auction.endAmount')),
      {
        kind: 'list',
        items: au.points.map((p, i) =>
          C(0, [I(nat(p?.offset, `auction.points[${i}].offset`)), I(nat(p?.amount, `auction.points[${i}].amount`))]),
        ),
      },
    ]),
    B(hexField(d.hashlock, 'hashlock', 32)),
    C(
      0,
      TIMELOCK_STAGES.map((k) => I(nat(d.timelocks[k], `timelocks.${k}`))),
    ),
    I(nat(d.srcSafetyDeposit, 'srcSafetyDeposit')),
    I(nat(d.dstSafetyDeposit, 'dstSafetyDeposit')),
    I(nat(d.nonce, 'nonce')),
    I(nat(d.salt, 'salt')),
    I(nat(d.expiry, 'expiry')),
    I(nat(d.dstChainId, 'dstChainId')),
  ]);
}

/** Canonical (Plutus) CBOR of the datum, hex: what the order output's inline datum holds. */
export function encodeOrderDatum(d: OrderDatum): string {
  return Buffer.from(encodePlutusData(orderDatumData(d))).toString('hex');
}

/** The order hash: blake2b-256 of the canonical CBOR, hex (the escrow datum's `orderHash`). */
export function orderHash(d: OrderDatum): string {
  return Buffer.from(blake2b(encodePlutusData(orderDatumData(d)), { dkLen: 32 })).toString('hex');
}

export function encodeOrderRedeemer(r: OrderRedeemer): string {
  const data =
    r.action === 'fill' ? C(0, [I(nat(r.takingAmount, 'takingAmount'))]) : r.action === 'cancel' ? C(1, []) : C(2, []);
  return Buffer.from(encodePlutusData(data)).toString('hex');
}

// ---- decoding ------------------------------------------------------------------------------

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function constr(d: PlutusData | undefined, what: string, tag: number, n: number): PlutusData[] {
  if (d?.kind !== 'constr' || d.tag !== tag || d.fields.length !== n) throw new DatumError(`${what}: expected Constr ${tag} with ${n} fields`);
  return d.fields;
}

function bytes(d: PlutusData | undefined, what: string, min: number, max = min): string {
  if (d?.kind !== 'bytes' || d.value.length < min || d.value.length > max) {
    throw new DatumError(`${what}: expected ${min === max ? min : `${min}–${max}`} bytes`);
  }
  return hex(d.value);
}

function int(d: PlutusData | undefined, what: string): bigint {
  if (d?.kind !== 'int' || d.value < 0n) throw new DatumError(`${what}: expected a non-negative integer`);
  return d.value;
}

function credential(d: PlutusData | undefined, what: string): Credential {
  if (d?.kind !== 'constr' || (d.tag !== 0 && d.tag !== 1) || d.fields.length !== 1) throw new DatumError(`${what}: not a credential`);
  return { type: d.tag === 0 ? 'key' : 'script', hash: bytes(d.fields[0], what, 28) };
}

function address(d: PlutusData | undefined, what: string): PlutusAddress {
  const [pay, maybe] = constr(d, what, 0, 2);
  const payment = credential(pay, `${what}.payment`);
  if (maybe?.kind === 'constr' && maybe.tag === 1 && maybe.fields.length === 0) return { payment };
  const [staking] = constr(maybe, `${what}.stake`, 0, 1);
  const [cred] = constr(staking, `${what}.stake (only staking-hash credentials)`, 0, 1);
  return { payment, stake: credential(cred, `${what}.stake`) };
}

/** Strict: anything but exactly the version-1 layout throws DatumError. */
export function decodeOrderDatum(cborHex: string): OrderDatum {
  let root: PlutusData;
  try {
    root = decodePlutusData(cborHex);
  } catch {
    throw new DatumError('order datum: not Plutus data CBOR');
  }
  const f = constr(root, 'order datum', 0, 16);
  if (int(f[0], 'version') !== ORDER_DATUM_VERSION) throw new DatumError(`order datum: unknown version ${int(f[0], 'version')}`);
  const [policy, name] = constr(f[4], 'makerAsset', 0, 2);
  const makerAsset = { policyId: bytes(policy, 'makerAsset.policyId', 0, 28), assetName: bytes(name, 'makerAsset.assetName', 0, 32) };
  if (makerAsset.policyId.length !== 0 && makerAsset.policyId.length !== 56) throw new DatumError('makerAsset.policyId: expected 0 or 28 bytes');
  if (makerAsset.policyId === '' && makerAsset.assetName !== '') throw new DatumError('makerAsset: a name without a policy');
  const au = constr(f[7], 'auction', 0, 5);
  if (au[4]?.kind !== 'list') throw new DatumError('auction.points: expected a list');
  const tl = constr(f[9], 'timelocks', 0, 7);
  return {
    maker: bytes(f[1], 'maker', 28),
    makerAddress: address(f[2], 'makerAddress'),
    receiver: bytes(f[3], 'receiver', 20),
    makerAsset,
    makingAmount: int(f[5], 'makingAmount'),
    takerAsset: bytes(f[6], 'takerAsset', 20),
    auction: {
      startTime: int(au[0], 'auction.startTime'),
      duration: int(au[1], 'auction.duration'),
      startAmount: int(au[2], 'auction.startAmount'),
      endAmount: int(au[3], 'auction.endAmount'),
      points: au[4].items.map((p, i) => {
        const [offset, amount] = constr(p, `auction.points[${i}]`, 0, 2);
        return { offset: int(offset, `auction.points[${i}].offset`), amount: int(amount, `auction.points[${i}].amount`) };
      }),
    },
    hashlock: bytes(f[8], 'hashlock', 32),
    timelocks: Object.fromEntries(TIMELOCK_STAGES.map((k, i) => [k, int(tl[i], `timelocks.${k}`)])) as OrderTimelocks,
    srcSafetyDeposit: int(f[10], 'srcSafetyDeposit'),
    dstSafetyDeposit: int(f[11], 'dstSafetyDeposit'),
    nonce: int(f[12], 'nonce'),
    salt: int(f[13], 'salt'),
    expiry: int(f[14], 'expiry'),
    dstChainId: int(f[15], 'dstChainId'),
  };
}

export function decodeOrderRedeemer(cborHex: string): OrderRedeemer {
  let d: PlutusData;
  try {
    d = decodePlutusData(cborHex);
  } catch {
    throw new DatumError('order redeemer: not Plutus data CBOR');
  }
  if (d.kind === 'constr' && d.tag === 0 && d.fields.length === 1) return { action: 'fill', takingAmount: int(d.fields[0], 'takingAmount') };
  if (d.kind === 'constr' && d.tag === 1 && d.fields.length === 0) return { action: 'cancel' };
  if (d.kind === 'constr' && d.tag === 2 && d.fields.length === 0) return { action: 'return' };
  throw new DatumError('order redeemer: not Fill(takingAmount) | Cancel | Return');
}

// ---- domain views ------------------------------------------------------------------------------

/** The order's auction in the domain's form (src/domain/auction.ts prices it). */
export function orderAuction(d: OrderDatum): Auction {
  const n = (v: bigint, what: string) => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DatumError(`${what}: too large for seconds`);
    return Number(v);
  };
  return {
    startTime: n(d.auction.startTime, 'auction.startTime'),
    duration: n(d.auction.duration, 'auction.duration'),
    startAmount: d.auction.startAmount,
    endAmount: d.auction.endAmount,
    points: d.auction.points.map((p, i) => ({ offset: n(p.offset, `auction.points[${i}].offset`), amount: p.amount })),
  };
}

/** The order's timelocks in the domain's form (seconds as numbers). */
export function orderTimelocks(d: OrderDatum): Timelocks {
  return Object.fromEntries(TIMELOCK_STAGES.map((k) => [k, Number(d.timelocks[k])])) as unknown as Timelocks;
}

/**
 * The source escrow a Fill must create (the order script checks every field): the order's terms,
 * the resolver as `taker` (it signs the fill) paid to `withdrawTo` on withdraw, the maker's address
 * as `cancelTo`, and deadlines `lowerMs + 1000 * offset` from the fill's validity lower bound (POSIX
 * ms, as the ledger presents it: the start of the lower bound's slot).
 */
export function fillEscrowDatum(
  order: OrderDatum,
  fill: { lowerMs: bigint; taker: string; withdrawTo: PlutusAddress },
): EscrowDatum {
  const at = (offset: bigint) => fill.lowerMs + 1000n * offset;
  return {
    orderHash: orderHash(order),
    hashlock: order.hashlock,
    maker: order.maker,
    taker: fill.taker,
    withdrawTo: fill.withdrawTo,
    cancelTo: order.makerAddress,
    asset: order.makerAsset,
    amount: order.makingAmount,
    safetyDeposit: order.srcSafetyDeposit,
    withdrawalAt: at(order.timelocks.srcWithdrawal),
    publicWithdrawalAt: at(order.timelocks.srcPublicWithdrawal),
    cancellationAt: at(order.timelocks.srcCancellation),
    publicCancellationAt: at(order.timelocks.srcPublicCancellation),
  };
}

/** First POSIX ms at which the order counts as expired (every instant of its second `expiry` is still fillable). */
export const orderExpiredAtMs = (order: OrderDatum): bigint => (order.expiry + 1n) * 1000n;

/** The auction price a Fill whose validity starts at `lowerMs` must promise at least (the script's rule). */
export function fillPrice(order: OrderDatum, lowerMs: bigint): bigint {
  return auctionAmount(orderAuction(order), Number(lowerMs / 1000n));
}
