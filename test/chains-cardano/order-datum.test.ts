/**
 * The order datum codec and the order hash (src/chains/cardano/order-datum.ts): round trips for
 * any order, the canonical encoding equal to plu-ts's own `Data` serialiser (what `serialiseData`
 * gives on chain; the emulator test checks the on-chain hash itself), and refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake2b } from '@noble/hashes/blake2.js';
import { DataB, DataConstr, DataI, DataList, dataToCbor, type Data } from '@harmoniclabs/plu-ts';
import { DatumError } from '../../src/chains/cardano/escrow-datum.js';
import {
  decodeOrderDatum,
  decodeOrderRedeemer,
  encodeOrderDatum,
  encodeOrderRedeemer,
  orderDatumData,
  orderHash,
  type OrderDatum,
} from '../../src/chains/cardano/order-datum.js';
import type { PlutusData } from '../../src/chains/cardano/plutus-cbor.js';

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const nat = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const secs = fc.bigInt({ min: 0n, max: 10n ** 10n });
const cred = fc.record({ type: fc.constantFrom('key' as const, 'script' as const), hash: hex(28) });

const orderArb: fc.Arbitrary<OrderDatum> = fc.record({
  maker: hex(28),
  makerAddress: fc.oneof(fc.record({ payment: cred }), fc.record({ payment: cred, stake: cred })),
  receiver: hex(20),
  makerAsset: fc.oneof(
    fc.constant({ policyId: '', assetName: '' }),
    fc.record({ policyId: hex(28), assetName: fc.integer({ min: 0, max: 32 }).chain(hex) }),
  ),
  makingAmount: nat,
  takerAsset: hex(20),
  auction: fc.record({
    startTime: secs,
    duration: secs,
    startAmount: nat,
    endAmount: nat,
    points: fc.array(fc.record({ offset: secs, amount: nat }), { maxLength: 16 }),
  }),
  hashlock: hex(32),
  timelocks: fc.record({
    srcWithdrawal: secs,
    srcPublicWithdrawal: secs,
    srcCancellation: secs,
    srcPublicCancellation: secs,
    dstWithdrawal: secs,
    dstPublicWithdrawal: secs,
    dstCancellation: secs,
  }),
  srcSafetyDeposit: nat,
  dstSafetyDeposit: nat,
  nonce: nat,
  salt: nat,
  expiry: secs,
  dstChainId: nat,
});

/** Our PlutusData as plu-ts's `Data` (its serialiser is the reference encoding for map-free data). */
function toPluts(d: PlutusData): Data {
  switch (d.kind) {
    case 'int':
      return new DataI(d.value);
    case 'bytes':
      return new DataB(Buffer.from(d.value).toString('hex'));
    case 'list':
      return new DataList(d.items.map(toPluts));
    case 'constr':
      return new DataConstr(d.tag, d.fields.map(toPluts));
    case 'map':
      throw new Error('the order datum has no maps');
  }
}

describe('order datum codec', () => {
  it('decode(encode(order)) is the order, for any order', () => {
    fc.assert(fc.property(orderArb, (o) => {
        expect(decodeOrderDatum(encodeOrderDatum(o))).toEqual(o);
      }), { numRuns: 200 });
  });

  it('the canonical CBOR is plu-ts\'s Data serialisation, and the order hash its blake2b-256', () => {
    fc.assert(
      fc.property(orderArb, (o) => {
        const reference = Buffer.from(dataToCbor(toPluts(orderDatumData(o))).toBuffer()).toString('hex');
        expect(encodeOrderDatum(o)).toBe(reference);
        expect(orderHash(o)).toBe(Buffer.from(blake2b(Buffer.from(reference, 'hex'), { dkLen: 32 })).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('layout: Constr 0 with 16 fields, version 1 first, non-empty lists indefinite', () => {
    const o = fc.sample(orderArb, 1)[0]!;
    const cbor = encodeOrderDatum({ ...o, auction: { ...o.auction, points: [{ offset: 1n, amount: 2n }] } });
    expect(cbor.startsWith('d8799f01')).toBe(true); // tag 121, indefinite list, version 1
    expect(cbor.endsWith('ff')).toBe(true);
  });

  it('refuses what it could not decode back, and anything but version 1', () => {
    const o = fc.sample(orderArb, 1)[0]!;
    expect(() => encodeOrderDatum({ ...o, receiver: '11'.repeat(19) })).toThrow(DatumError);
    expect(() => encodeOrderDatum({ ...o, hashlock: 'XY'.repeat(32) })).toThrow(DatumError);
    expect(() => encodeOrderDatum({ ...o, makingAmount: -1n })).toThrow(DatumError);
    expect(() => encodeOrderDatum({ ...o, makerAsset: { policyId: '', assetName: 'aa' } })).toThrow(DatumError);
    const v2 = encodeOrderDatum(o).replace(/^d8799f01/, 'd8799f02');
    expect(() => decodeOrderDatum(v2)).toThrow(/unknown version 2/);
    expect(() => decodeOrderDatum('d87980')).toThrow(DatumError);
  });

  it('redeemers: Fill(takingAmount) 0, Cancel 1, Return 2', () => {
    expect(encodeOrderRedeemer({ action: 'cancel' })).toBe('d87a80');
    expect(encodeOrderRedeemer({ action: 'return' })).toBe('d87b80');
    expect(decodeOrderRedeemer(encodeOrderRedeemer({ action: 'fill', takingAmount: 2n ** 70n }))).toEqual({ action: 'fill', takingAmount: 2n ** 70n });
    expect(() => decodeOrderRedeemer('d87c80')).toThrow(DatumError);
  });
});
