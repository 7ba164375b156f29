/**
 * The escrow datum/redeemer codec: exact round trips for every valid datum, and strict refusal
 * (DatumError, code CARDANO_BAD_DATUM) of anything that is not exactly the fixed layout.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Core } from '@blaze-cardano/sdk';
import {
  DatumError,
  bech32ToPlutusAddress,
  decodeEscrowDatum,
  decodeEscrowRedeemer,
  decodeOutRefDatum,
  encodeEscrowDatum,
  encodeRedeemer,
  escrowDatumData,
  escrowRedeemerData,
  outRefData,
  payoutTag,
  plutusAddressToBech32,
  type EscrowDatum,
} from '../../src/chains/cardano/escrow-datum.js';
import { scanCreated, type OgmiosTx } from '../../src/chains/cardano/decode.js';
import { decodePlutusData, PlutusCborError } from '../../src/chains/cardano/plutus-cbor.js';
import { escrowTermsData } from '../../cardano-tx/escrow-tx.js';

const hexOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const cred = fc.record({ type: fc.constantFrom('key' as const, 'script' as const), hash: hexOf(28) });
const address = fc.record({ payment: cred, stake: fc.option(cred, { nil: undefined }) }).map((a) =>
  a.stake ? a : { payment: a.payment },
);
const nat = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const asset = fc.oneof(
  fc.constant({ policyId: '', assetName: '' }),
  fc.record({ policyId: hexOf(28), assetName: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')) }),
);
const datumArb: fc.Arbitrary<EscrowDatum> = fc.record({
  orderHash: hexOf(32),
  hashlock: hexOf(32),
  maker: hexOf(28),
  taker: hexOf(28),
  withdrawTo: address,
  cancelTo: address,
  asset,
  amount: nat,
  safetyDeposit: nat,
  withdrawalAt: nat,
  publicWithdrawalAt: nat,
  cancellationAt: nat,
  publicCancellationAt: fc.option(nat, { nil: null }),
});

/** CBOR of Plutus data given as the cardano-js-sdk core JSON-ish tree. */
const constr = (tag: number, fields: Core.PlutusData[]) => {
  const list = new Core.PlutusList();
  fields.forEach((f) => list.add(f));
  return Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(BigInt(tag), list)).toCbor();
};
const expectBad = (cbor: string, message: RegExp) => {
  let err: unknown;
  try {
    decodeEscrowDatum(cbor);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatumError);
  expect((err as DatumError).code).toBe('CARDANO_BAD_DATUM');
  expect((err as Error).message).toMatch(message);
};

describe('escrow datum codec', () => {
  it('round-trips every valid datum exactly', () => {
    fc.assert(
      fc.property(datumArb, (d) => {
        expect(decodeEscrowDatum(encodeEscrowDatum(d))).toEqual(d);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses anything but the exact layout', () => {
    const valid = fc.sample(datumArb, 1)[0]!;
    const cbor = encodeEscrowDatum(valid);
    const fields = (() => {
      const c = Core.PlutusData.fromCbor(Core.HexBlob(cbor)).asConstrPlutusData()!;
      return Array.from({ length: c.getData().getLength() }, (_, i) => c.getData().get(i));
    })();
    expectBad('ff', /not Plutus data/);
    expectBad(constr(1, fields), /Constr 0 with 13 fields/);
    expectBad(constr(0, fields.slice(0, 12)), /13 fields/);
    expectBad(constr(0, [...fields, Core.PlutusData.newInteger(1n)]), /13 fields/);
    const bad = (i: number, f: Core.PlutusData) => constr(0, fields.map((x, j) => (j === i ? f : x)));
    expectBad(bad(0, Core.PlutusData.newBytes(new Uint8Array(31))), /orderHash: expected 32 bytes/);
    expectBad(bad(1, Core.PlutusData.newInteger(5n)), /hashlock: expected bytes/);
    expectBad(bad(3, Core.PlutusData.newBytes(new Uint8Array(32))), /taker: expected 28 bytes/);
    expectBad(bad(7, Core.PlutusData.newInteger(-1n)), /amount: negative/);
    expectBad(bad(8, Core.PlutusData.newBytes(new Uint8Array(1))), /safetyDeposit: expected an integer/);
    expectBad(bad(12, Core.PlutusData.fromCbor(Core.HexBlob(constr(2, [])))), /publicCancellationAt: not a Maybe/);
    expectBad(
      bad(6, Core.PlutusData.fromCbor(Core.HexBlob(constr(0, [Core.PlutusData.newBytes(new Uint8Array(0)), Core.PlutusData.newBytes(new Uint8Array(2))])))),
      /a name without a policy/,
    );
  });

  it('decodes the four redeemers and refuses others', () => {
    const secret = 'ab'.repeat(32);
    expect(decodeEscrowRedeemer(escrowRedeemerData({ action: 'withdraw', secret }).toCbor())).toEqual({ action: 'withdraw', secret });
    expect(decodeEscrowRedeemer(escrowRedeemerData({ action: 'publicWithdraw', secret }).toCbor())).toEqual({
      action: 'publicWithdraw',
      secret,
    });
    expect(decodeEscrowRedeemer(escrowRedeemerData({ action: 'cancel' }).toCbor())).toEqual({ action: 'cancel' });
    expect(decodeEscrowRedeemer(escrowRedeemerData({ action: 'publicCancel' }).toCbor())).toEqual({ action: 'publicCancel' });
    expect(() => decodeEscrowRedeemer(constr(4, []))).toThrow(DatumError);
    expect(() => decodeEscrowRedeemer(constr(2, [Core.PlutusData.newInteger(1n)]))).toThrow(DatumError);
  });

  it('reads the payout tag and converts addresses both ways', () => {
    const txId = 'cd'.repeat(32);
    expect(decodeOutRefDatum(outRefData(txId, 3).toCbor())).toEqual({ txId, index: 3 });
    expect(decodeOutRefDatum(constr(0, []))).toBeNull();
    fc.assert(
      fc.property(address, fc.constantFrom(0 as const, 1 as const), (a, net) => {
        const bech32 = plutusAddressToBech32(a, net);
        expect(bech32.startsWith(net === 0 ? 'addr_test1' : 'addr1')).toBe(true);
        expect(bech32ToPlutusAddress(bech32)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });
});

describe('one codec for the monitor and the tx builders', () => {
  it('what the builders lock decodes to exactly the terms, on either network, addresses via bech32 both ways', () => {
    fc.assert(
      fc.property(datumArb, fc.constantFrom(0 as const, 1 as const), (raw, net) => {
        // The builders also refuse datums a resolver should never create: amount > 0, ordered times.
        const t = [raw.withdrawalAt, raw.publicWithdrawalAt, raw.cancellationAt].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const d: EscrowDatum = {
          ...raw,
          amount: raw.amount + 1n,
          withdrawalAt: t[0]!,
          publicWithdrawalAt: t[1]!,
          cancellationAt: t[2]! + 1n,
          publicCancellationAt: raw.publicCancellationAt === null ? null : t[2]! + 1n + raw.publicCancellationAt,
        };
        // A resolver starts from bech32 addresses (the order's receiver, its own).
        const terms: EscrowDatum = {
          ...d,
          withdrawTo: bech32ToPlutusAddress(plutusAddressToBech32(d.withdrawTo, net)),
          cancelTo: bech32ToPlutusAddress(plutusAddressToBech32(d.cancelTo, net)),
        };
        const cbor = escrowTermsData(terms).toCbor();
        expect(cbor).toBe(encodeEscrowDatum(d));
        expect(decodeEscrowDatum(cbor)).toEqual(d);
      }),
      { numRuns: 50 },
    );
    const secret = '5a'.repeat(32);
    expect(decodeEscrowRedeemer(encodeRedeemer('Withdraw', secret).toCbor())).toEqual({ action: 'withdraw', secret });
    expect(decodeEscrowRedeemer(encodeRedeemer('PublicCancel').toCbor())).toEqual({ action: 'publicCancel' });
    const input = new Core.TransactionInput(Core.TransactionId('ab'.repeat(32)), 2n);
    expect(decodeOutRefDatum(payoutTag(input).toCbor())).toEqual({ txId: 'ab'.repeat(32), index: 2 });
  });

  it('encodes only what decodes back to itself (DatumError otherwise)', () => {
    const ok = fc.sample(datumArb, 1)[0]!;
    const bad: Partial<EscrowDatum>[] = [
      { orderHash: 'ab' },
      { hashlock: 'AB'.repeat(32) },
      { maker: '00'.repeat(29) },
      { withdrawTo: { payment: { type: 'key', hash: '00'.repeat(27) } } },
      { cancelTo: { payment: { type: 'key', hash: '00'.repeat(28) }, stake: { type: 'script', hash: 'zz'.repeat(28) } } },
      { asset: { policyId: '00'.repeat(27), assetName: '' } },
      { asset: { policyId: '', assetName: '01' } },
      { asset: { policyId: '00'.repeat(28), assetName: '00'.repeat(33) } },
      { amount: -1n },
      { cancellationAt: 5 as unknown as bigint },
      { publicCancellationAt: -1n },
    ];
    for (const b of bad) {
      expect(() => escrowDatumData({ ...ok, ...b }), JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(DatumError);
    }
    expect(() => bech32ToPlutusAddress('addr_test1nonsense')).toThrow(DatumError);
  });
});

describe('Plutus data CBOR decoder', () => {
  it('agrees with cardano-js-sdk on chunked bytes, bignums, lists, maps and large constructor tags', () => {
    const big = (1n << 100n) + 12345n;
    const list = new Core.PlutusList();
    list.add(Core.PlutusData.newBytes(new Uint8Array(100).fill(7))); // > 64 bytes: encoded in chunks
    list.add(Core.PlutusData.newInteger(big));
    list.add(Core.PlutusData.newInteger(-big));
    const map = new Core.PlutusMap();
    map.insert(Core.PlutusData.newInteger(1n), Core.PlutusData.newBytes(new Uint8Array([1, 2])));
    list.add(Core.PlutusData.newMap(map));
    list.add(Core.PlutusData.newList(new Core.PlutusList()));
    const cbor = Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(9n, list)).toCbor();
    const d = decodePlutusData(cbor);
    expect(d).toMatchObject({ kind: 'constr', tag: 9 });
    const f = (d as { fields: unknown[] }).fields;
    expect(f[0]).toEqual({ kind: 'bytes', value: new Uint8Array(100).fill(7) });
    expect(f[1]).toEqual({ kind: 'int', value: big });
    expect(f[2]).toEqual({ kind: 'int', value: -big });
    expect(f[3]).toEqual({ kind: 'map', entries: [[{ kind: 'int', value: 1n }, { kind: 'bytes', value: new Uint8Array([1, 2]) }]] });
    expect(f[4]).toEqual({ kind: 'list', items: [] });
    expect(() => decodePlutusData(cbor + '00')).toThrow(PlutusCborError);
    expect(() => decodePlutusData('f6')).toThrow(PlutusCborError); // null is not Plutus data
  });
});

describe('escrow outputs in a block', () => {
  const scriptHash = 'aa'.repeat(28);
  const escrowAddr = plutusAddressToBech32({ payment: { type: 'script', hash: scriptHash } }, 0);
  const block = { height: 7n, hash: 'ee'.repeat(32), time: 1_700_000_000 };
  const cfg = { chain: 'cardano:devnet', scriptHash, networkId: 0 as const };
  const tx = (outputs: OgmiosTx['outputs']): OgmiosTx => ({ id: '11'.repeat(32), inputs: [], outputs });

  it('reports a token escrow with its datum terms, and a shortfall exactly when the value does not cover them', () => {
    fc.assert(
      fc.property(datumArb, nat, nat, (d0, tokens, lovelace) => {
        const d = { ...d0, asset: { policyId: 'bb'.repeat(28), assetName: '01' } };
        const value: Record<string, Record<string, bigint>> = { ada: { lovelace }, ['bb'.repeat(28)]: { '01': tokens } };
        const out = { address: escrowAddr, value, datum: encodeEscrowDatum(d) };
        const [e] = scanCreated(tx([out]), block, cfg).events;
        expect(e!.token).toBe('bb'.repeat(28) + '01');
        expect([e!.amount, e!.safetyDeposit]).toEqual([d.amount, d.safetyDeposit]);
        const expected = [
          ...(tokens < d.amount ? [{ asset: 'bb'.repeat(28) + '01', required: d.amount, held: tokens }] : []),
          ...(lovelace < d.safetyDeposit ? [{ asset: 'lovelace', required: d.safetyDeposit, held: lovelace }] : []),
        ];
        expect(e!.shortfall ?? []).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('a lovelace escrow is covered only by amount + deposit lovelace; the datum is never capped', () => {
    fc.assert(
      fc.property(datumArb, nat, (d0, lovelace) => {
        const d = { ...d0, asset: { policyId: '', assetName: '' } };
        const out = { address: escrowAddr, value: { ada: { lovelace } }, datum: encodeEscrowDatum(d) };
        const [e] = scanCreated(tx([out]), block, cfg).events;
        expect([e!.amount, e!.safetyDeposit]).toEqual([d.amount, d.safetyDeposit]);
        const required = d.amount + d.safetyDeposit;
        expect(e!.shortfall).toEqual(lovelace >= required ? undefined : [{ asset: 'lovelace', required, held: lovelace }]);
      }),
      { numRuns: 100 },
    );
  });

  it('the inflated-datum attack: the output holds the promise + deposit, the datum claims far more', () => {
    const d = { ...fc.sample(datumArb, 1)[0]!, asset: { policyId: '', assetName: '' }, amount: 500_000_000n, safetyDeposit: 2_000_000n };
    const out = { address: escrowAddr, value: { ada: { lovelace: 12_000_000n } }, datum: encodeEscrowDatum(d) };
    const [e] = scanCreated(tx([out]), block, cfg).events;
    expect(e!.amount).toBe(500_000_000n);
    expect(e!.shortfall).toEqual([{ asset: 'lovelace', required: 502_000_000n, held: 12_000_000n }]);
  });

  it('ignores outputs elsewhere, without an inline datum, or with a bad one; nothing from a failed (collateral) tx', () => {
    const d = fc.sample(datumArb, 1)[0]!;
    const other = plutusAddressToBech32({ payment: { type: 'script', hash: 'cc'.repeat(28) } }, 0);
    const scan = scanCreated(
      tx([
        { address: other, value: { ada: { lovelace: 10n } }, datum: encodeEscrowDatum(d) },
        { address: escrowAddr, value: { ada: { lovelace: 10n } }, datumHash: 'dd'.repeat(32) },
        { address: escrowAddr, value: { ada: { lovelace: 10n } }, datum: 'd87980' },
      ]),
      block,
      cfg,
    );
    expect(scan.events).toEqual([]);
    expect(scan.ignored.map((i) => i.reason)).toEqual(['no_inline_datum', 'bad_datum']);
    const failed = { ...tx([{ address: escrowAddr, value: { ada: { lovelace: 10n } }, datum: encodeEscrowDatum(d) }]), spends: 'collaterals' as const };
    expect(scanCreated(failed, block, cfg)).toEqual({ events: [], ignored: [] });
  });
});
