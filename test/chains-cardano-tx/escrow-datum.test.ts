/**
 * The one datum / redeemer / payout-tag codec as the builders use it, against the fixed layout
 * (contracts/cardano/README.md): round trips for any terms a resolver may lock, the exact
 * constructor shapes, and clear refusals (INVALID_DATUM from the builders, DatumError from the codec).
 */
import { Core } from '@blaze-cardano/sdk';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bech32ToPlutusAddress,
  DatumError,
  decodeEscrowDatum,
  encodeRedeemer,
  escrowTermsData,
  payoutTag,
  plutusAddressToBech32,
  type EscrowDatum,
} from '../../cardano-tx/index.js';

beforeAll(async () => {
  await Core.initCrypto?.();
});

const h = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));

function address(kind: 'key' | 'script' | 'base', pay: string, stake: string): string {
  const paymentPart = { type: kind === 'script' ? Core.CredentialType.ScriptHash : Core.CredentialType.KeyHash, hash: Core.Hash28ByteBase16(pay) };
  if (kind === 'base') {
    return new Core.Address({
      type: Core.AddressType.BasePaymentKeyStakeKey,
      networkId: Core.NetworkId.Testnet,
      paymentPart,
      delegationPart: { type: Core.CredentialType.KeyHash, hash: Core.Hash28ByteBase16(stake) },
    }).toBech32();
  }
  return new Core.Address({
    type: kind === 'script' ? Core.AddressType.EnterpriseScript : Core.AddressType.EnterpriseKey,
    networkId: Core.NetworkId.Testnet,
    paymentPart,
  }).toBech32();
}

const addr = fc.tuple(fc.constantFrom('key', 'script', 'base') as fc.Arbitrary<'key' | 'script' | 'base'>, h(28), h(28)).map(([k, p, s]) => bech32ToPlutusAddress(address(k, p, s)));
const ms = fc.bigInt({ min: 0n, max: 10n ** 15n });

const terms: fc.Arbitrary<EscrowDatum> = fc
  .record({
    orderHash: h(32),
    hashlock: h(32),
    maker: h(28),
    taker: h(28),
    withdrawTo: addr,
    cancelTo: addr,
    asset: fc.oneof(fc.constant({ policyId: '', assetName: '' }), fc.record({ policyId: h(28), assetName: fc.integer({ min: 0, max: 32 }).chain(h) })),
    amount: fc.bigInt({ min: 1n, max: 2n ** 100n }),
    safetyDeposit: fc.bigInt({ min: 0n, max: 2n ** 64n }),
    times: fc.tuple(ms, ms, ms, ms).map((t) => t.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
    src: fc.boolean(),
  })
  .map(({ times, src, ...rest }) => ({
    ...rest,
    withdrawalAt: times[0]!,
    publicWithdrawalAt: times[1]!,
    cancellationAt: times[2]! + 1n,
    publicCancellationAt: src ? times[3]! + 1n : null,
  }));

describe('escrow datum codec', () => {
  it('decode(encode(terms)) = terms, and the CBOR survives a round trip', () => {
    fc.assert(
      fc.property(terms, (t) => {
        const data = escrowTermsData(t);
        const again = Core.PlutusData.fromCbor(data.toCbor());
        expect(decodeEscrowDatum(again.toCbor())).toEqual(t);
      }),
      { numRuns: 200 },
    );
  });

  it('has the fixed shape: Constr 0 with 13 fields; dst Nothing = Constr 1 [], src Just = Constr 0 [ms]; lovelace = Constr 0 [#"", #""]', () => {
    const t: EscrowDatum = {
      orderHash: '11'.repeat(32),
      hashlock: '22'.repeat(32),
      maker: '33'.repeat(28),
      taker: '44'.repeat(28),
      withdrawTo: bech32ToPlutusAddress(address('key', '55'.repeat(28), '')),
      cancelTo: bech32ToPlutusAddress(address('base', '66'.repeat(28), '77'.repeat(28))),
      asset: { policyId: '', assetName: '' },
      amount: 5n,
      safetyDeposit: 2n,
      withdrawalAt: 10n,
      publicWithdrawalAt: 20n,
      cancellationAt: 30n,
      publicCancellationAt: null,
    };
    const fieldsOf = (d: Core.PlutusData) => {
      const c = d.asConstrPlutusData()!;
      const list = c.getData();
      return { alt: c.getAlternative(), cbor: Array.from({ length: list.getLength() }, (_, i) => list.get(i).toCbor() as string) };
    };
    const dst = fieldsOf(escrowTermsData(t));
    expect(dst.alt).toBe(0n);
    expect(dst.cbor).toHaveLength(13);
    expect(dst.cbor[12]).toBe('d87a80'); // Nothing
    expect(dst.cbor[6]).toBe('d8799f4040ff'); // lovelace = Constr 0 [#"", #""]
    expect(dst.cbor[7]).toBe('05');
    expect(fieldsOf(escrowTermsData({ ...t, publicCancellationAt: 40n })).cbor[12]).toBe('d8799f1828ff'); // Just 40
    // Address data: Constr 0 [PubKeyCredential = Constr 0 [pkh], Nothing].
    expect(dst.cbor[4]).toBe('d8799fd8799f581c' + '55'.repeat(28) + 'ffd87a80ff');
    // Base address: Constr 0 [Constr 0 [pkh], Just (StakingHash (PubKeyCredential skh))].
    expect(dst.cbor[5]).toBe('d8799fd8799f581c' + '66'.repeat(28) + 'ffd8799fd8799fd8799f581c' + '77'.repeat(28) + 'ffffffff');
    const base = address('base', '66'.repeat(28), '77'.repeat(28));
    expect(plutusAddressToBech32(bech32ToPlutusAddress(base), 0)).toBe(base);
  });

  it('refuses bad terms with INVALID_DATUM', () => {
    const ok = fc.sample(terms, 1)[0]!;
    const bad: Partial<EscrowDatum>[] = [
      { orderHash: 'ab' },
      { hashlock: 'zz'.repeat(32) },
      { taker: '00'.repeat(29) },
      { withdrawTo: { payment: { type: 'key', hash: '00'.repeat(27) } } },
      { cancelTo: { payment: { type: 'other' as 'key', hash: '00'.repeat(28) } } },
      { amount: 0n },
      { safetyDeposit: -1n },
      { asset: { policyId: '00'.repeat(27), assetName: '' } },
      { asset: { policyId: '00'.repeat(28), assetName: '00'.repeat(33) } },
      { cancellationAt: ok.publicWithdrawalAt },
      { publicCancellationAt: ok.cancellationAt - 1n },
    ];
    for (const b of bad) expect(() => escrowTermsData({ ...ok, ...b })).toThrow(expect.objectContaining({ code: 'INVALID_DATUM' }));
    // "0x" and upper-case hex are accepted and written lowercase.
    const loose = { ...ok, orderHash: '0x' + ok.orderHash.toUpperCase() };
    expect(escrowTermsData(loose).toCbor()).toBe(escrowTermsData(ok).toCbor());
    expect(() => bech32ToPlutusAddress('addr_test1nonsense')).toThrow(DatumError);
  });

  it('refuses to decode what is not an escrow datum (DatumError, CARDANO_BAD_DATUM; the builders say NOT_AN_ESCROW)', () => {
    const notEscrow = [
      Core.PlutusData.newInteger(1n),
      Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(1n, new Core.PlutusList())),
      Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(0n, new Core.PlutusList())),
    ];
    for (const d of notEscrow) expect(() => decodeEscrowDatum(d.toCbor())).toThrow(expect.objectContaining({ code: 'CARDANO_BAD_DATUM' }));
  });
});

describe('redeemers and the payout tag', () => {
  it('Withdraw = Constr 0 [secret], PublicWithdraw = Constr 1 [secret], Cancel = Constr 2 [], PublicCancel = Constr 3 []', () => {
    const s = 'ab'.repeat(32);
    expect(encodeRedeemer('Withdraw', s).toCbor()).toBe('d8799f5820' + s + 'ff');
    expect(encodeRedeemer('PublicWithdraw', s).toCbor()).toBe('d87a9f5820' + s + 'ff');
    expect(encodeRedeemer('Cancel').toCbor()).toBe('d87b80');
    expect(encodeRedeemer('PublicCancel').toCbor()).toBe('d87c80');
  });

  it('payout tag = Plutus V3 TxOutRef: Constr 0 [txId bytes, index]', () => {
    const id = 'cd'.repeat(32);
    const tag = payoutTag(new Core.TransactionInput(Core.TransactionId(id), 3n));
    expect(tag.toCbor()).toBe('d8799f5820' + id + '03ff');
  });
});
