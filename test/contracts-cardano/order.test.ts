/**
 * The order script (ADA→ETH orders) in the Blaze ledger emulator: the happy fill through the
 * production builder (then the escrow it created is withdrawn), and for every rule a crafted
 * transaction that breaks it, refused on the script's own trace. Runs against
 * CARDANO_ORDER_ARTIFACT when set (`npm run mutate` points it at a mutant).
 */
import { Core } from '@blaze-cardano/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  bech32ToPlutusAddress,
  cancelOrder,
  escrowTermsData,
  escrowValue,
  fillOrder,
  fundedBuilder,
  fillPlan,
  fillPrice,
  lockOrder,
  loadOrder,
  orderExpiredAtMs,
  orderHash,
  outRefData,
  returnOrder,
  type EscrowDatum,
  type OrderDatum,
  type OrderSpendPlan,
} from '../../cardano-tx/index.js';
import { auctionAmount } from '../../src/domain/auction.js';
import { orderAuction } from '../../src/chains/cardano/order-datum.js';
import { HASHLOCK, POLICY, SECRET, TOKEN, TOKEN_NAME, escrowScript, orderScript, plan, slotMs, startHarness, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});

const S = (slot: number) => BigInt(slotMs(slot) / 1000); // unix seconds of a slot
const START = 100; // auction start slot
const FILL = 150; // fill lower bound slot (inside the second segment of the curve)
const EXPIRY = 400; // last second (slot) the order may be filled in

function order(over: Partial<OrderDatum> = {}): OrderDatum {
  return {
    maker: h.maker.paymentKeyHash,
    makerAddress: bech32ToPlutusAddress(h.maker.address.toBech32()),
    receiver: '11'.repeat(20),
    makerAsset: { policyId: '', assetName: '' },
    makingAmount: 30_000_000n,
    takerAsset: '22'.repeat(20),
    auction: {
      startTime: S(START),
      duration: 100n,
      startAmount: 1_000_000_000n,
      endAmount: 500_000_007n,
      points: [{ offset: 30n, amount: 700_000_003n }],
    },
    hashlock: HASHLOCK,
    timelocks: {
      srcWithdrawal: 10n,
      srcPublicWithdrawal: 20n,
      srcCancellation: 40n,
      srcPublicCancellation: 50n,
      dstWithdrawal: 5n,
      dstPublicWithdrawal: 15n,
      dstCancellation: 30n,
    },
    srcSafetyDeposit: 2_000_000n,
    dstSafetyDeposit: 1_000_000_000_000_000n,
    nonce: 7n,
    salt: 2n ** 200n + 5n,
    expiry: S(EXPIRY),
    dstChainId: 31337n,
    ...over,
  };
}

async function lock(o: OrderDatum, lovelace?: bigint) {
  const locked = await lockOrder(h.ctx(h.maker), o, lovelace === undefined ? {} : { lovelace });
  h.emulator.stepForwardBlock();
  return (await loadOrder(h.ctx(h.maker), locked.order)).utxo;
}

/** A by-the-rules fill of `utxo` by the taker at [lower, upper) slots, promising `taking` (default: the price). */
function fill(utxo: Core.TransactionUnspentOutput, o: OrderDatum, lower = FILL, upper = FILL + 60, taking?: bigint) {
  return fillPlan(h.ctx(h.taker), utxo, o, {
    lowerSlot: lower,
    upperSlot: upper,
    takingAmount: taking ?? fillPrice(o, BigInt(slotMs(lower))),
    taker: h.taker.paymentKeyHash,
    withdrawTo: bech32ToPlutusAddress(h.taker.address.toBech32()),
  });
}

/** The plan with the escrow output's datum replaced by `d` (value re-derived unless `keepValue`). */
function withEscrow(p: OrderSpendPlan, d: EscrowDatum, keepValue = false): OrderSpendPlan {
  const [out] = p.outputs;
  return { ...p, outputs: [{ ...out!, datum: escrowTermsData(d), value: keepValue ? out!.value : escrowValue(d) }] };
}

/** Sends the maker `n` of the test token (the taker's genesis holds it). */
async function giveMakerTokens(n: bigint) {
  const send = await fundedBuilder(h.ctx(h.taker));
  send.payAssets(h.maker.address, new Core.Value(2_000_000n, new Map([[Core.AssetId(TOKEN), n]])));
  await h.emulator.submitTransaction(await h.taker.sign(await send.complete()));
  h.emulator.stepForwardBlock();
}

async function refused(p: Promise<unknown>, trace: string | RegExp) {
  await expect(p).rejects.toThrow(trace);
}

describe('Fill (any resolver)', () => {
  it('the production builder fills at the auction price: one escrow with the derived datum, which then pays out', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const filled = await fillOrder(h.ctx(h.taker), { order: { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) }, now: slotMs(FILL) });
    h.emulator.stepForwardBlock();
    const lowerMs = BigInt(slotMs(FILL));
    expect(filled.takingAmount).toBe(auctionAmount(orderAuction(o), Number(lowerMs / 1000n)));
    expect(filled.takingAmount).toBe(500_000_007n + (199_999_996n * 50n) / 70n); // on the second segment (exact here)
    expect(filled.escrowDatum).toMatchObject({
      orderHash: orderHash(o),
      taker: h.taker.paymentKeyHash,
      cancelTo: o.makerAddress,
      amount: o.makingAmount,
      withdrawalAt: lowerMs + 10_000n,
      publicCancellationAt: lowerMs + 50_000n,
    });
    const redeemers = filled.tx.witnessSet().redeemers()!.values();
    expect(redeemers).toHaveLength(1);
    const units = redeemers[0]!.exUnits();
    console.log(`fill: ${units.mem()} memory, ${units.steps()} steps, tx ${filled.tx.toCbor().length / 2} bytes, fee ${filled.tx.body().fee()}`);
    const escrow = new Core.TransactionUnspentOutput(
      new Core.TransactionInput(Core.TransactionId(filled.escrow.txId), BigInt(filled.escrow.index)),
      h.emulator.getOutput(new Core.TransactionInput(Core.TransactionId(filled.escrow.txId), BigInt(filled.escrow.index)))!,
    );
    expect(escrow.output().address().toBech32()).toBe(escrowScript.address(0).toBech32());
    const at = Math.max(h.emulator.clock.slot, FILL + 10); // the withdrawal window: [FILL + 10, FILL + 40) slots
    h.goTo(at);
    await h.spend([h.taker], [plan(h, escrow, filled.escrowDatum, 'Withdraw', { secret: SECRET, fromSlot: at, untilSlot: FILL + 40 })]);
    expect(h.emulator.getOutput(escrow.input())).toBeUndefined();
  });

  it('a token order fills with the token amount and the deposit in lovelace', async () => {
    const o = order({ makerAsset: { policyId: POLICY, assetName: TOKEN_NAME }, makingAmount: 400n });
    await giveMakerTokens(800n);
    const utxo = await lock(o);
    h.goTo(FILL);
    const { plan: p, escrowDatum } = fill(utxo, o);
    await h.spendOrder([h.taker], [p]);
    expect(h.balance(escrowScript.address(0), TOKEN)).toBe(400n);
    // One token short is refused.
    const utxo2 = await lock(o);
    const short = fill(utxo2, o, FILL + 5, FILL + 60).plan;
    short.outputs[0]!.value = new Core.Value(escrowDatum.safetyDeposit, new Map([[Core.AssetId(TOKEN), 399n]]));
    await refused(h.spendOrder([h.taker], [short]), 'escrow value: asset');
  });

  it('the promise exactly at the auction price is accepted, one below is refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    h.goTo(FILL);
    const price = fillPrice(o, BigInt(slotMs(FILL)));
    await refused(h.spendOrder([h.taker], [fill(a, o, FILL, FILL + 60, price - 1n).plan]), 'below the auction price');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, FILL, FILL + 60, price).plan]);
  });

  it('in the first segment the price rounds up (maker\'s favour): one below is refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    h.goTo(START + 15); // e = 15: 700_000_003 + ceil(299_999_997 * 15 / 30) = 700_000_003 + 149_999_999
    expect(fillPrice(o, BigInt(slotMs(START + 15)))).toBe(850_000_002n);
    await refused(h.spendOrder([h.taker], [fill(a, o, START + 15, START + 45, 850_000_001n).plan]), 'below the auction price');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, START + 15, START + 45, 850_000_002n).plan]);
  });

  it('at a curve point the price is the point amount: one below is refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    h.goTo(START + 30); // e = 30 = points[0].offset
    expect(fillPrice(o, BigInt(slotMs(START + 30)))).toBe(700_000_003n);
    await refused(h.spendOrder([h.taker], [fill(a, o, START + 30, START + 60, 700_000_002n).plan]), 'below the auction price');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, START + 30, START + 60, 700_000_003n).plan]);
  });

  it('the price is read at the lower bound: before the auction starts it is the start amount', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    h.goTo(START - 5);
    await refused(h.spendOrder([h.taker], [fill(a, o, START - 5, START + 5, 999_999_999n).plan]), 'below the auction price');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, START - 5, START + 5, 1_000_000_000n).plan]);
  });

  it('an escrow at another script (or a key address) is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = fill(utxo, o).plan;
    p.outputs[0]!.address = orderScript.address(0);
    await refused(h.spendOrder([h.taker], [p]), 'not exactly one escrow output');
    p.outputs[0]!.address = h.taker.address;
    await refused(h.spendOrder([h.taker], [p]), 'not exactly one escrow output');
  });

  it('an escrow address with a staking part is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = fill(utxo, o).plan;
    p.outputs[0]!.address = new Core.Address({
      type: Core.AddressType.BasePaymentScriptStakeKey,
      networkId: Core.NetworkId.Testnet,
      paymentPart: { type: Core.CredentialType.ScriptHash, hash: Core.Hash28ByteBase16(escrowScript.hash) },
      delegationPart: { type: Core.CredentialType.KeyHash, hash: Core.Hash28ByteBase16(h.taker.paymentKeyHash) },
    });
    await refused(h.spendOrder([h.taker], [p]), 'escrow address');
  });

  it('two escrow outputs are refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = fill(utxo, o).plan;
    p.outputs.push({ ...p.outputs[0]! });
    await refused(h.spendOrder([h.taker], [p]), 'not exactly one escrow output');
  });

  it('two orders into one escrow are refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock(o);
    h.goTo(FILL);
    const pa = fill(a, o).plan;
    const pb = { ...fill(b, o).plan, outputs: [] };
    await refused(h.spendOrder([h.taker], [pa, pb]), 'more than one order input');
  });

  it('an escrow output carrying a reference script is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = fill(utxo, o).plan;
    p.outputs[0]!.scriptRef = escrowScript.script;
    p.outputs[0]!.value = new Core.Value(p.outputs[0]!.value.coin() + 20_000_000n);
    await refused(h.spendOrder([h.taker], [p]), 'escrow reference script');
  });

  const fieldCases: [string, (d: EscrowDatum) => EscrowDatum, string][] = [
    ['a wrong order hash', (d) => ({ ...d, orderHash: 'cd'.repeat(32) }), 'order hash'],
    ['a wrong hashlock', (d) => ({ ...d, hashlock: 'cd'.repeat(32) }), 'hashlock'],
    ['a wrong maker', (d) => ({ ...d, maker: d.taker }), 'maker'],
    ['cancelTo not the maker', (d) => ({ ...d, cancelTo: d.withdrawTo }), 'cancelTo'],
    ['another asset', (d) => ({ ...d, asset: { policyId: POLICY, assetName: TOKEN_NAME } }), 'asset'],
    ['the amount one less', (d) => ({ ...d, amount: d.amount - 1n }), 'amount'],
    ['the deposit one less', (d) => ({ ...d, safetyDeposit: d.safetyDeposit - 1n }), 'safety deposit'],
    ['withdrawalAt one ms late', (d) => ({ ...d, withdrawalAt: d.withdrawalAt + 1n }), 'withdrawalAt'],
    ['publicWithdrawalAt one ms early', (d) => ({ ...d, publicWithdrawalAt: d.publicWithdrawalAt - 1n }), 'publicWithdrawalAt'],
    ['cancellationAt one ms late', (d) => ({ ...d, cancellationAt: d.cancellationAt + 1n }), 'cancellationAt'],
    ['publicCancellationAt one ms early', (d) => ({ ...d, publicCancellationAt: d.publicCancellationAt! - 1n }), 'publicCancellationAt'],
    ['no publicCancellationAt', (d) => ({ ...d, publicCancellationAt: null }), 'publicCancellationAt'],
  ];
  for (const [what, change, trace] of fieldCases) {
    it(`an escrow datum with ${what} is refused`, async () => {
      const o = order();
      const utxo = await lock(o);
      h.goTo(FILL);
      const { plan: p, escrowDatum } = fill(utxo, o);
      await refused(h.spendOrder([h.taker], [withEscrow(p, change(escrowDatum), what.includes('asset') || what.includes('amount'))]), trace);
    });
  }

  it('an escrow datum with an extra (14th) field is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const { plan: p, escrowDatum } = fill(utxo, o);
    const fields = escrowTermsData(escrowDatum).asConstrPlutusData()!.getData();
    const extended = new Core.PlutusList();
    for (let i = 0; i < fields.getLength(); i++) extended.add(fields.get(i));
    extended.add(Core.PlutusData.newInteger(1n));
    p.outputs[0]!.datum = Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(0n, extended));
    await refused(h.spendOrder([h.taker], [p]), 'escrow datum shape');
  });

  it('escrow value one lovelace short of amount + deposit is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = fill(utxo, o).plan;
    p.outputs[0]!.value = new Core.Value(p.outputs[0]!.value.coin() - 1n);
    await refused(h.spendOrder([h.taker], [p]), 'escrow value: deposit');
  });

  it('the taker named in the escrow must sign the fill', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(FILL);
    const p = { ...fill(utxo, o).plan, requiredSigners: [h.stranger.paymentKeyHash] };
    await refused(h.spendOrder([h.stranger], [p]), 'taker did not sign');
  });

  it('open bounds are refused; 180 s of validity is accepted, one slot more refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    h.goTo(FILL);
    await refused(h.spendOrder([h.taker], [{ ...fill(a, o).plan, validUntilSlot: undefined }]), 'no upper bound');
    await refused(h.spendOrder([h.taker], [{ ...fill(a, o).plan, validFromSlot: undefined }]), /no lower bound|validity|deadline|withdrawalAt/);
    await refused(h.spendOrder([h.taker], [fill(a, o, FILL, FILL + 181).plan]), 'validity too wide');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, FILL, FILL + 180).plan]);
  });

  it('the expiry second is the last one a fill may reach; one slot more is refused', async () => {
    const o = order();
    const a = await lock(o);
    const b = await lock({ ...o, nonce: 8n });
    const end = EXPIRY + 1; // slot starting at (expiry + 1) s: the upper bound may be exactly it
    expect(BigInt(slotMs(end))).toBe(orderExpiredAtMs(o));
    h.goTo(end - 30);
    await refused(h.spendOrder([h.taker], [fill(a, o, end - 30, end + 1).plan]), 'order expired');
    await h.spendOrder([h.taker], [fill(b, { ...o, nonce: 8n }, end - 30, end).plan]);
  });

  it('the builder refuses a promise below the price and an expired order, submitting nothing', async () => {
    const o = order();
    const utxo = await lock(o);
    const ref = { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) };
    h.goTo(FILL);
    await expect(fillOrder(h.ctx(h.taker), { order: ref, takingAmount: 1n, now: slotMs(FILL) })).rejects.toMatchObject({ code: 'BELOW_AUCTION_PRICE' });
    h.goTo(EXPIRY + 1);
    await expect(fillOrder(h.ctx(h.taker), { order: ref, now: slotMs(EXPIRY + 1) })).rejects.toMatchObject({ code: 'ORDER_EXPIRED' });
    expect(h.emulator.getOutput(utxo.input())).toBeDefined();
  });
});

describe('Cancel (maker) and Return (anyone, after expiry)', () => {
  it('the maker cancels at any time; without the maker signature it is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    await refused(
      h.spendOrder([h.stranger], [{ order: utxo, redeemer: { action: 'cancel' }, outputs: [], requiredSigners: [] }]),
      'maker did not sign',
    );
    await expect(cancelOrder(h.ctx(h.stranger), { order: { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) } })).rejects.toMatchObject({ code: 'NOT_MAKER' });
    await cancelOrder(h.ctx(h.maker), { order: { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) } });
    h.emulator.stepForwardBlock();
    expect(h.emulator.getOutput(utxo.input())).toBeUndefined();
  });

  const returnPlan = (utxo: Core.TransactionUnspentOutput, o: OrderDatum, slot: number): OrderSpendPlan => ({
    order: utxo,
    redeemer: { action: 'return' },
    outputs: [{ address: h.maker.address, value: new Core.Value(o.makingAmount), datum: outRefData(utxo.input().transactionId(), Number(utxo.input().index())) }],
    validFromSlot: slot,
    validUntilSlot: slot + 10,
    requiredSigners: [],
  });

  it('after expiry anyone returns it to the maker (builder); one slot before expiry is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    const ref = { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) };
    h.goTo(EXPIRY);
    await refused(h.spendOrder([h.stranger], [returnPlan(utxo, o, EXPIRY)]), 'not expired');
    await expect(returnOrder(h.ctx(h.stranger), { order: ref, now: slotMs(EXPIRY) })).rejects.toMatchObject({ code: 'ORDER_NOT_EXPIRED' });
    h.goTo(EXPIRY + 1);
    const before = h.balance(h.maker.address);
    await returnOrder(h.ctx(h.stranger), { order: ref, now: slotMs(EXPIRY + 1) });
    h.emulator.stepForwardBlock();
    expect(h.balance(h.maker.address) - before).toBe(o.makingAmount);
  });

  it('a token order is returned with its tokens', async () => {
    const o = order({ makerAsset: { policyId: POLICY, assetName: TOKEN_NAME }, makingAmount: 400n });
    await giveMakerTokens(400n);
    const utxo = await lock(o);
    h.goTo(EXPIRY + 1);
    const before = h.balance(h.maker.address, TOKEN);
    await returnOrder(h.ctx(h.stranger), { order: { txId: utxo.input().transactionId(), index: Number(utxo.input().index()) }, now: slotMs(EXPIRY + 1) });
    h.emulator.stepForwardBlock();
    expect(h.balance(h.maker.address, TOKEN) - before).toBe(400n);
  });

  it('a return to another address, untagged, or one lovelace short is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(EXPIRY + 1);
    const wrong = returnPlan(utxo, o, EXPIRY + 1);
    wrong.outputs[0]!.address = h.stranger.address;
    await refused(h.spendOrder([h.stranger], [wrong]), 'maker not paid');
    const untagged = returnPlan(utxo, o, EXPIRY + 1);
    delete untagged.outputs[0]!.datum;
    await refused(h.spendOrder([h.stranger], [untagged]), 'maker not paid');
    const short = returnPlan(utxo, o, EXPIRY + 1);
    short.outputs[0]!.value = new Core.Value(o.makingAmount - 1n);
    await refused(h.spendOrder([h.stranger], [short]), 'maker not paid');
    await h.spendOrder([h.stranger], [returnPlan(utxo, o, EXPIRY + 1)]);
  });

  it('an unknown redeemer is refused', async () => {
    const o = order();
    const utxo = await lock(o);
    h.goTo(EXPIRY + 1);
    const raw = Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(3n, new Core.PlutusList()));
    await refused(h.spendOrder([h.stranger], [{ ...returnPlan(utxo, o, EXPIRY + 1), redeemer: raw }]), 'unknown redeemer');
  });
});
