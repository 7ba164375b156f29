/**
 * The Ogmios-only provider and the escrow builders against the Cardano devnet (Ogmios v6 over
 * the Blaze ledger, Plutus phase 2 at submit): chain reads, a full create → withdraw, cancel
 * after the deadline, public cancel on a source escrow, and the builders' refusals (each
 * checked to leave the chain unchanged).
 */
import { Core } from '@blaze-cardano/sdk';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { escrowScript } from '../../contracts/cardano/index.js';
import { OgmiosProvider, OgmiosProviderError } from '../../cardano-tx/ogmios-provider.js';
import {
  cancel,
  createEscrow,
  Ed25519KeySigner,
  loadEscrow,
  publicCancel,
  publicWithdraw,
  withdraw,
  bech32ToPlutusAddress,
  CardanoTxError,
  type EscrowDatum,
  type EscrowTxContext,
} from '../../cardano-tx/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const SECRET = hex(sha256(Buffer.from('devnet secret')));
const HASHLOCK = hex(keccak_256(Buffer.from(SECRET, 'hex')));

let devnet: CardanoDevnet;
let provider: OgmiosProvider;
let taker: Ed25519KeySigner;
let receiver: Ed25519KeySigner;
let maker: Ed25519KeySigner;
let stranger: Ed25519KeySigner;
const ctx = (signer: Ed25519KeySigner): EscrowTxContext => ({ provider, signer, networkId: 0, clock: provider.slotClock() });

beforeAll(async () => {
  devnet = await startCardanoDevnet({ autoBlocks: false });
  provider = await OgmiosProvider.connect({ host: devnet.host, port: devnet.port }, { networkId: 0 });
  [maker, taker, receiver, stranger] = devnet.accounts.slice(0, 4).map((a) => new Ed25519KeySigner(a.privateKey, 0)) as [
    Ed25519KeySigner, Ed25519KeySigner, Ed25519KeySigner, Ed25519KeySigner,
  ];
});

afterAll(async () => {
  await provider?.close();
  await devnet?.stop();
});

const lovelaceAt = async (addr: Core.Address) =>
  (await provider.getUnspentOutputs(addr)).reduce((s, u) => s + u.output().amount().coin(), 0n);

/** The devnet clock rounded up to a slot start (deadlines on slot boundaries). */
const slotAlignedNow = () => {
  const { zeroTime, slotLength } = devnet.slotConfig;
  return BigInt(zeroTime + Math.ceil((devnet.now() - zeroTime) / slotLength) * slotLength);
};

/** Escrow terms with windows relative to the devnet clock. */
function terms(over: Partial<EscrowDatum> = {}): EscrowDatum {
  const t0 = slotAlignedNow();
  return {
    orderHash: hex(sha256(Buffer.from(`order ${Math.random()}`))),
    hashlock: HASHLOCK,
    maker: maker.paymentKeyHash,
    taker: taker.paymentKeyHash,
    withdrawTo: bech32ToPlutusAddress(receiver.address.toBech32()),
    cancelTo: bech32ToPlutusAddress(taker.address.toBech32()),
    asset: { policyId: '', assetName: '' },
    amount: 40_000_000n,
    safetyDeposit: 2_000_000n,
    withdrawalAt: t0 + 20_000n,
    publicWithdrawalAt: t0 + 40_000n,
    cancellationAt: t0 + 60_000n,
    publicCancellationAt: null,
    ...over,
  };
}

async function lock(t: EscrowDatum) {
  const created = await createEscrow(ctx(taker), t);
  await devnet.produceBlock();
  return created.escrow;
}

/** Moves the devnet clock to `ms` and seals blocks until the tip (the builders' "now") is at or past it. */
async function goTo(ms: bigint) {
  const ahead = Number(ms) - devnet.now();
  if (ahead > 0) devnet.advanceTime(ahead);
  const { zeroTime, slotLength } = devnet.slotConfig;
  while (zeroTime + (await devnet.produceBlock()).slot * slotLength < Number(ms));
}

/** The builder refused with `code` and the chain did not change. */
async function refusedWith(p: Promise<unknown>, code: string) {
  const before = devnet.tip();
  await expect(p).rejects.toMatchObject({ name: 'CardanoTxError', code });
  expect((await provider.getNetworkTip()).id).toBe(before.id);
}

describe('OgmiosProvider on the devnet', () => {
  it('reads the slot arithmetic, tip, protocol parameters and UTxOs over Ogmios', async () => {
    expect(provider.getSlotConfig()).toEqual(devnet.slotConfig);
    expect((await provider.getNetworkTip()).id).toBe(devnet.tip().id);
    const p = await provider.getParameters();
    const expected = Core.hardCodedProtocolParams;
    expect(p.minFeeCoefficient).toBe(expected.minFeeCoefficient);
    expect(p.minFeeConstant).toBe(expected.minFeeConstant);
    expect(p.coinsPerUtxoByte).toBe(expected.coinsPerUtxoByte);
    expect(p.maxTxSize).toBe(expected.maxTxSize);
    expect(p.prices).toEqual(expected.prices);
    expect(p.costModels.get(Core.PlutusLanguageVersion.V3)).toEqual(expected.costModels.get(Core.PlutusLanguageVersion.V3));
    const utxos = await provider.getUnspentOutputs(taker.address);
    expect(utxos.length).toBeGreaterThan(0);
    const [first] = utxos;
    const resolved = await provider.resolveUnspentOutputs([first!.input()]);
    expect(resolved[0]!.output().toCbor()).toBe(first!.output().toCbor());
  });

  it('says clearly what Ogmios alone cannot do', async () => {
    await expect(provider.getUnspentOutputByNFT(Core.AssetId('a1'.repeat(28)))).rejects.toBeInstanceOf(OgmiosProviderError);
    await expect(provider.resolveDatum(Core.DatumHash('00'.repeat(32)))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    // An unknown transaction is reported unconfirmed (timeout 0: a single look).
    expect(await provider.awaitTransactionConfirmation(Core.TransactionId('ee'.repeat(32)), 0)).toBe(false);
  });
});

describe('escrow builders on the devnet', () => {
  it('create → withdraw: the receiver gets the amount, the taker the deposit; the escrow is gone', async () => {
    const t = terms();
    const escrow = await lock(t);
    const locked = await loadEscrow({ provider, networkId: 0 }, escrow);
    expect(locked.datum).toEqual(t);
    expect(locked.utxo.output().address().toBech32()).toBe(escrowScript.address(0).toBech32());
    expect(locked.utxo.output().amount().coin()).toBe(t.amount + t.safetyDeposit);

    await refusedWith(withdraw(ctx(taker), { escrow, secret: SECRET }), 'WINDOW_NOT_OPEN');
    await goTo(t.withdrawalAt);
    await refusedWith(withdraw(ctx(taker), { escrow, secret: 'ab'.repeat(32) }), 'WRONG_SECRET');
    await refusedWith(withdraw(ctx(stranger), { escrow, secret: SECRET }), 'NOT_TAKER');

    const receiverBefore = await lovelaceAt(receiver.address);
    const res = await withdraw(ctx(taker), { escrow, secret: SECRET });
    await devnet.produceBlock();
    expect(await provider.awaitTransactionConfirmation(Core.TransactionId(res.txId), 5_000)).toBe(true);
    expect((await lovelaceAt(receiver.address)) - receiverBefore).toBe(t.amount);
    await expect(loadEscrow({ provider, networkId: 0 }, escrow)).rejects.toMatchObject({ code: 'ESCROW_NOT_FOUND' });
  });

  it('a second withdraw of an escrow already being withdrawn is refused by the node, not paid twice', async () => {
    const t = terms();
    const escrow = await lock(t);
    await goTo(t.withdrawalAt);
    const first = await withdraw({ ...ctx(taker), submit: false }, { escrow, secret: SECRET });
    await provider.postTransactionToChain(first.tx); // pending in the mempool; the tip still shows the escrow
    const receiverBefore = await lovelaceAt(receiver.address);
    // The devnet evaluates against tip + mempool, so the node's evaluation already refuses it
    // (BUILD_FAILED); a node evaluating at the tip would refuse the submission (SUBMIT_FAILED).
    await expect(withdraw(ctx(taker), { escrow, secret: SECRET })).rejects.toMatchObject({ code: 'BUILD_FAILED' });
    await devnet.produceBlock();
    expect((await lovelaceAt(receiver.address)) - receiverBefore).toBe(t.amount);
  });

  it('public withdraw by a third party from publicWithdrawalAt', async () => {
    const t = terms();
    const escrow = await lock(t);
    await goTo(t.withdrawalAt);
    await refusedWith(publicWithdraw(ctx(stranger), { escrow, secret: SECRET }), 'WINDOW_NOT_OPEN');
    await goTo(t.publicWithdrawalAt);
    const receiverBefore = await lovelaceAt(receiver.address);
    await publicWithdraw(ctx(stranger), { escrow, secret: SECRET });
    await devnet.produceBlock();
    expect((await lovelaceAt(receiver.address)) - receiverBefore).toBe(t.amount);
  });

  it('cancel after the deadline returns the amount to cancelTo; withdraw is then refused', async () => {
    const t = terms({ cancelTo: bech32ToPlutusAddress(maker.address.toBech32()) });
    const escrow = await lock(t);
    await refusedWith(cancel(ctx(taker), { escrow }), 'WINDOW_NOT_OPEN');
    await goTo(t.cancellationAt);
    await refusedWith(withdraw(ctx(taker), { escrow, secret: SECRET }), 'WINDOW_CLOSED');
    await refusedWith(publicCancel(ctx(stranger), { escrow }), 'NO_PUBLIC_CANCELLATION');
    const makerBefore = await lovelaceAt(maker.address);
    await cancel(ctx(taker), { escrow });
    await devnet.produceBlock();
    expect((await lovelaceAt(maker.address)) - makerBefore).toBe(t.amount);
  });

  it('public cancel of a source escrow by anyone from publicCancellationAt', async () => {
    const t0 = slotAlignedNow();
    const t = terms({
      withdrawTo: bech32ToPlutusAddress(taker.address.toBech32()),
      cancelTo: bech32ToPlutusAddress(maker.address.toBech32()),
      publicCancellationAt: t0 + 80_000n,
    });
    const escrow = await lock(t);
    await goTo(t.cancellationAt);
    await refusedWith(publicCancel(ctx(stranger), { escrow }), 'WINDOW_NOT_OPEN');
    await goTo(t.publicCancellationAt!);
    const makerBefore = await lovelaceAt(maker.address);
    await publicCancel(ctx(stranger), { escrow });
    await devnet.produceBlock();
    expect((await lovelaceAt(maker.address)) - makerBefore).toBe(t.amount);
  });

  it('refuses bad terms before signing anything', async () => {
    await refusedWith(createEscrow(ctx(taker), terms({ hashlock: '12' })), 'INVALID_DATUM');
    await refusedWith(createEscrow(ctx(taker), terms({ withdrawTo: { payment: { type: 'key', hash: '00'.repeat(27) } } })), 'INVALID_DATUM');
    const bad = terms();
    await refusedWith(createEscrow(ctx(taker), { ...bad, cancellationAt: bad.withdrawalAt }), 'INVALID_DATUM');
    await refusedWith(createEscrow(ctx(taker), terms({ amount: 1n, safetyDeposit: 0n })), 'BELOW_MIN_UTXO');
    expect(CardanoTxError).toBeDefined();
  });
});
