/**
 * The escrow validator in the Blaze ledger emulator: every rule, each with a passing case and
 * the case that breaks it (one slot / one ms before and at every window boundary). Failures
 * are asserted on the validator's own trace, so each test fails if its rule were dropped.
 */
import { Core } from '@blaze-cardano/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bech32ToPlutusAddress, payoutTag } from '../../cardano-tx/index.js';
import {
  C, OTHER_POLICY, PC, POLICY, PW, TOKEN, TOKEN_NAME, W,
  hex, plan, slotMs, startHarness, type Harness,
} from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});

/** Expects the emulator to refuse the spend because the script failed with `trace`. */
async function refused(p: Promise<unknown>, trace: string | RegExp) {
  await expect(p).rejects.toThrow(trace);
}

describe('Withdraw (taker, with the secret)', () => {
  it('pays withdrawTo the amount, the deposit goes to the taker; opens exactly at withdrawalAt', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const before = h.balance(h.receiver.address);
    await h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 })]);
    expect(h.balance(h.receiver.address) - before).toBe(t.amount);
    expect(h.emulator.getOutput(escrow.input())).toBeUndefined();
  });

  it('one slot before withdrawalAt is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W - 1);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W - 1, untilSlot: W + 5 })]), 'withdrawal not open');
  });

  it('one ms before withdrawalAt is refused (window start between slot starts)', async () => {
    const t = h.terms({ withdrawalAt: BigInt(slotMs(W) + 1) });
    const escrow = await h.lock(t);
    h.goTo(W);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 })]), 'withdrawal not open');
    h.goTo(W + 1);
    await h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W + 1, untilSlot: W + 5 })]);
  });

  it('upper bound exactly at cancellationAt is accepted, one slot past is refused', async () => {
    const t = h.terms();
    const late = await h.lock(t);
    const ok = await h.lock(h.terms({ orderHash: 'cd'.repeat(32) }));
    h.goTo(C - 1);
    await refused(h.spend([h.taker], [plan(h, late, t, 'Withdraw', { fromSlot: C - 1, untilSlot: C + 1 })]), 'too late');
    await h.spend([h.taker], [plan(h, ok, h.terms({ orderHash: 'cd'.repeat(32) }), 'Withdraw', { fromSlot: C - 1, untilSlot: C })]);
  });

  it('an upper bound one ms past cancellationAt is refused, at it accepted', async () => {
    const t = h.terms({ cancellationAt: BigInt(slotMs(C) - 1) });
    const escrow = await h.lock(t);
    h.goTo(C - 2);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: C - 2, untilSlot: C })]), 'too late');
    await h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: C - 2, untilSlot: C - 1 })]);
  });

  it('after cancellationAt a withdraw is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(C);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: C, untilSlot: C + 5 })]), 'too late');
  });

  it('wrong secret is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    await refused(
      h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { secret: 'ff'.repeat(32), fromSlot: W, untilSlot: W + 5 })]),
      'wrong secret',
    );
  });

  it('a secret of the wrong length is refused even when its keccak matches the hashlock', async () => {
    const short = 'ee'.repeat(31);
    const t = h.terms({ hashlock: hex(keccak_256(Buffer.from(short, 'hex'))) });
    const escrow = await h.lock(t);
    h.goTo(W);
    await refused(
      h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { secret: short, fromSlot: W, untilSlot: W + 5 })]),
      'secret not 32 bytes',
    );
  });

  it('without the taker signature is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'Withdraw', { requiredSigners: [], fromSlot: W, untilSlot: W + 5 })]),
      'taker did not sign',
    );
  });

  it('paying someone other than withdrawTo is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p.payouts[0]!.address = h.taker.address;
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('paying one lovelace short is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p.payouts[0]!.value = new Core.Value(t.amount - 1n);
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('an untagged payout does not count', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    delete p.payouts[0]!.tag;
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('an open upper bound is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(W);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W })]), /no upper bound|script|fail/i);
  });
});

describe('native token escrow', () => {
  const tokenTerms = () => h.terms({ asset: { policyId: POLICY, assetName: TOKEN_NAME }, amount: 5_000n, safetyDeposit: 3_000_000n });

  it('withdraw pays the token amount to withdrawTo', async () => {
    const t = tokenTerms();
    const escrow = await h.lock(t);
    expect(escrow.output().amount().multiasset()?.get(Core.AssetId(TOKEN))).toBe(5_000n);
    h.goTo(W);
    await h.spend([h.taker], [plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 })]);
    expect(h.balance(h.receiver.address, TOKEN)).toBe(5_000n);
  });

  it('paying lovelace instead of the token is refused', async () => {
    const t = tokenTerms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p.payouts[0]!.value = new Core.Value(10_000_000n);
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('paying a token of the same name under another policy is refused', async () => {
    const t = tokenTerms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p.payouts[0]!.value = new Core.Value(2_000_000n, new Map([[Core.AssetId(OTHER_POLICY + TOKEN_NAME), 5_000n]]));
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('one token short is refused', async () => {
    const t = tokenTerms();
    const escrow = await h.lock(t);
    h.goTo(W);
    const p = plan(h, escrow, t, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p.payouts[0]!.value = new Core.Value(2_000_000n, new Map([[Core.AssetId(TOKEN), 4_999n]]));
    await refused(h.spend([h.taker], [p]), 'withdrawTo not paid');
  });

  it('cancel returns the token to cancelTo', async () => {
    const t = tokenTerms();
    const escrow = await h.lock(t);
    const before = h.balance(h.taker.address, TOKEN);
    h.goTo(C);
    await h.spend([h.taker], [plan(h, escrow, t, 'Cancel', { fromSlot: C, untilSlot: C + 5 })]);
    expect(h.balance(h.taker.address, TOKEN) - before).toBe(5_000n);
  });
});

describe('double satisfaction', () => {
  it('two escrows spent in one transaction cannot both be paid by one output', async () => {
    const t1 = h.terms();
    const t2 = h.terms({ orderHash: 'cd'.repeat(32) });
    const e1 = await h.lock(t1);
    const e2 = await h.lock(t2);
    h.goTo(W);
    const p1 = plan(h, e1, t1, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    const p2 = plan(h, e2, t2, 'Withdraw', { fromSlot: W, untilSlot: W + 5, payouts: [] });
    await refused(h.spend([h.taker], [p1, p2]), 'withdrawTo not paid');
    // …while one payout per escrow, each tagged with its own escrow, is fine.
    const p2paid = plan(h, e2, t2, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    const before = h.balance(h.receiver.address);
    await h.spend([h.taker], [p1, p2paid]);
    expect(h.balance(h.receiver.address) - before).toBe(t1.amount + t2.amount);
  });

  it('an output tagged for the other escrow does not pay this one', async () => {
    const t1 = h.terms();
    const t2 = h.terms({ orderHash: 'cd'.repeat(32) });
    const e1 = await h.lock(t1);
    const e2 = await h.lock(t2);
    h.goTo(W);
    const p1 = plan(h, e1, t1, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    const p2 = plan(h, e2, t2, 'Withdraw', { fromSlot: W, untilSlot: W + 5 });
    p2.payouts[0]!.tag = payoutTag(e1.input());
    await refused(h.spend([h.taker], [p1, p2]), 'withdrawTo not paid');
  });
});

describe('PublicWithdraw (anyone with the secret)', () => {
  it('a third party withdraws for the receiver and keeps the safety deposit', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(PW);
    const before = h.balance(h.receiver.address);
    const strangerBefore = h.balance(h.stranger.address);
    const { fee } = await h.spend([h.stranger], [plan(h, escrow, t, 'PublicWithdraw', { fromSlot: PW, untilSlot: PW + 5 })]);
    expect(h.balance(h.receiver.address) - before).toBe(t.amount);
    // The stranger paid the fee and received the deposit.
    expect(h.balance(h.stranger.address) - strangerBefore).toBe(t.safetyDeposit - fee);
  });

  it('one slot before publicWithdrawalAt is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(PW - 1);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'PublicWithdraw', { fromSlot: PW - 1, untilSlot: PW + 5 })]),
      'public withdrawal not open',
    );
  });

  it('after cancellationAt is refused; a wrong secret is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(PW);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'PublicWithdraw', { secret: '00'.repeat(32), fromSlot: PW, untilSlot: PW + 5 })]),
      'wrong secret',
    );
    h.goTo(C);
    await refused(h.spend([h.stranger], [plan(h, escrow, t, 'PublicWithdraw', { fromSlot: C, untilSlot: C + 5 })]), 'too late');
  });
});

describe('PublicWithdraw payout', () => {
  it('paying someone other than withdrawTo is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(PW);
    const p = plan(h, escrow, t, 'PublicWithdraw', { fromSlot: PW, untilSlot: PW + 5 });
    p.payouts[0]!.address = h.stranger.address;
    await refused(h.spend([h.stranger], [p]), 'withdrawTo not paid');
  });
});

describe('Cancel (taker)', () => {
  it('one slot before cancellationAt is refused; at it, cancelTo gets the amount back', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(C - 1);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Cancel', { fromSlot: C - 1, untilSlot: C + 5 })]), 'cancellation not open');
    h.goTo(C);
    await h.spend([h.taker], [plan(h, escrow, t, 'Cancel', { fromSlot: C, untilSlot: C + 5 })]);
    expect(h.emulator.getOutput(escrow.input())).toBeUndefined();
  });

  it('without the taker signature is refused', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(C);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'Cancel', { requiredSigners: [], fromSlot: C, untilSlot: C + 5 })]),
      'taker did not sign',
    );
  });

  it('an open upper bound is refused (both bounds are required for every action)', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(C);
    await refused(h.spend([h.taker], [plan(h, escrow, t, 'Cancel', { fromSlot: C })]), /no upper bound|script/i);
  });

  it('paying cancelTo to someone else is refused', async () => {
    const t = h.terms({ cancelTo: bech32ToPlutusAddress(h.maker.address.toBech32()) });
    const escrow = await h.lock(t);
    h.goTo(C);
    const p = plan(h, escrow, t, 'Cancel', { fromSlot: C, untilSlot: C + 5 });
    p.payouts[0]!.address = h.taker.address;
    await refused(h.spend([h.taker], [p]), 'cancelTo not paid');
  });
});

describe('PublicCancel', () => {
  it('source escrow (Just): one slot before is refused; from it anyone refunds the maker and keeps the deposit', async () => {
    const t = h.terms({ cancelTo: bech32ToPlutusAddress(h.maker.address.toBech32()), withdrawTo: bech32ToPlutusAddress(h.taker.address.toBech32()), publicCancellationAt: BigInt(slotMs(PC)) });
    const escrow = await h.lock(t);
    h.goTo(PC - 1);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC - 1, untilSlot: PC + 5 })]),
      'public cancellation not open',
    );
    h.goTo(PC);
    const makerBefore = h.balance(h.maker.address);
    await h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC, untilSlot: PC + 5 })]);
    expect(h.balance(h.maker.address) - makerBefore).toBe(t.amount);
  });

  it('destination escrow (Nothing): refused even long after cancellation', async () => {
    const t = h.terms();
    const escrow = await h.lock(t);
    h.goTo(PC + 1000);
    await refused(
      h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC + 1000, untilSlot: PC + 1005 })]),
      'public cancellation not open',
    );
  });

  it('an open upper bound is refused (both bounds are required for every action)', async () => {
    const t = h.terms({ cancelTo: bech32ToPlutusAddress(h.maker.address.toBech32()), publicCancellationAt: BigInt(slotMs(PC)) });
    const escrow = await h.lock(t);
    h.goTo(PC);
    await refused(h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC })]), /no upper bound|script/i);
  });

  it('an unknown redeemer (Constr 4 []) is refused even where a PublicCancel would pass', async () => {
    const t = h.terms({ cancelTo: bech32ToPlutusAddress(h.maker.address.toBech32()), publicCancellationAt: BigInt(slotMs(PC)) });
    const escrow = await h.lock(t);
    h.goTo(PC);
    const redeemer = Core.PlutusData.newConstrPlutusData(new Core.ConstrPlutusData(4n, new Core.PlutusList()));
    await refused(h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC, untilSlot: PC + 5, redeemer })]), 'unknown redeemer');
    // The same spend with the PublicCancel redeemer is accepted.
    await h.spend([h.stranger], [plan(h, escrow, t, 'PublicCancel', { fromSlot: PC, untilSlot: PC + 5 })]);
  });

  it('paying the refund elsewhere is refused', async () => {
    const t = h.terms({ cancelTo: bech32ToPlutusAddress(h.maker.address.toBech32()), publicCancellationAt: BigInt(slotMs(PC)) });
    const escrow = await h.lock(t);
    h.goTo(PC);
    const p = plan(h, escrow, t, 'PublicCancel', { fromSlot: PC, untilSlot: PC + 5 });
    p.payouts[0]!.address = h.stranger.address;
    await refused(h.spend([h.stranger], [p]), 'cancelTo not paid');
  });
});

