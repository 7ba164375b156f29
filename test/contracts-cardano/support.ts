/**
 * A Blaze ledger emulator (phase 1 + Plutus V3 phase 2) with the committed escrow script, four
 * keys (maker, taker, receiver, stranger), lovelace and a native token, and helpers to lock an
 * escrow with the production builder and to craft arbitrary spends of it.
 */
import { Core, TxBuilder } from '@blaze-cardano/sdk';
import { Emulator, EmulatorProvider } from '@blaze-cardano/emulator';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  escrowScript as committedScript,
  escrowScriptFrom,
  orderScript as committedOrderScript,
  readEscrowEnvelope,
} from '../../contracts/cardano/index.js';
import { assembleOrderSpend, type OrderSpendPlan, type OrderTxContext } from '../../cardano-tx/order-tx.js';
import {
  assembleSpend,
  createEscrow,
  Ed25519KeySigner,
  encodeRedeemer,
  fundedBuilder,
  payoutTag,
  type EscrowAction,
  type EscrowDatum,
  type EscrowTxContext,
  type SpendPlan,
  SlotClock,
  bech32ToPlutusAddress,
  plutusAddressToBech32,
} from '../../cardano-tx/index.js';

/**
 * The script under test: the committed artifact, or the envelope named by CARDANO_ESCROW_ARTIFACT
 * (how `npm run mutate` runs these tests against a mutant of the validator).
 */
export const escrowScript = process.env.CARDANO_ESCROW_ARTIFACT
  ? escrowScriptFrom(readEscrowEnvelope(process.env.CARDANO_ESCROW_ARTIFACT))
  : committedScript;

/** The order script under test: the committed one, or CARDANO_ORDER_ARTIFACT (a mutant, built for the committed escrow). */
export const orderScript = process.env.CARDANO_ORDER_ARTIFACT
  ? escrowScriptFrom(readEscrowEnvelope(process.env.CARDANO_ORDER_ARTIFACT))
  : committedOrderScript;

export const SLOT_MS = 1000;
export const ZERO_TIME = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const slotMs = (slot: number) => ZERO_TIME + slot * SLOT_MS;

export const POLICY = 'a1'.repeat(28);
export const TOKEN_NAME = Buffer.from('USDM').toString('hex');
export const TOKEN = POLICY + TOKEN_NAME;
export const OTHER_POLICY = 'b2'.repeat(28);

const key = (label: string) => Buffer.from(sha256(Buffer.from(`contracts-cardano:${label}`))).toString('hex');

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const SECRET = hex(sha256(Buffer.from('the maker secret')));
export const HASHLOCK = hex(keccak_256(Buffer.from(SECRET, 'hex')));

// Escrow windows (slots): withdraw 110, public withdraw 120, cancel 130, public cancel 140.
export const W = 110;
export const PW = 120;
export const C = 130;
export const PC = 140;

/** A generous fixed budget per redeemer, so a failing script is refused at submission (not at build). */
const FIXED_BUDGET = { memory: 5_000_000n, steps: 3_000_000_000n };

export interface Harness {
  emulator: Emulator;
  provider: EmulatorProvider;
  maker: Ed25519KeySigner;
  taker: Ed25519KeySigner;
  receiver: Ed25519KeySigner;
  stranger: Ed25519KeySigner;
  ctx(signer: Ed25519KeySigner): OrderTxContext;
  terms(over?: Partial<EscrowDatum>): EscrowDatum;
  lock(terms: EscrowDatum): Promise<Core.TransactionUnspentOutput>;
  goTo(slot: number): void;
  /** Builds (fixed budgets), signs with `signers`, submits to the emulator. */
  spend(signers: Ed25519KeySigner[], plans: SpendPlan[]): Promise<{ txId: string; fee: bigint }>;
  /** The same for spends of order outputs. */
  spendOrder(signers: Ed25519KeySigner[], plans: OrderSpendPlan[]): Promise<{ txId: string; fee: bigint }>;
  balance(addr: Core.Address, unit?: string): bigint;
}

export async function startHarness(): Promise<Harness> {
  await Core.initCrypto?.();
  const [maker, taker, receiver, stranger] = ['maker', 'taker', 'receiver', 'stranger'].map(
    (l) => new Ed25519KeySigner(key(l), 0),
  ) as [Ed25519KeySigner, Ed25519KeySigner, Ed25519KeySigner, Ed25519KeySigner];
  const genesis: Core.TransactionOutput[] = [];
  for (const s of [maker, taker, receiver, stranger]) {
    for (let i = 0; i < 3; i++) genesis.push(new Core.TransactionOutput(s.address, new Core.Value(2_000_000_000n)));
  }
  const tokens = (unit: string) => new Map([[Core.AssetId(unit), 1_000_000n]]);
  genesis.push(new Core.TransactionOutput(taker.address, new Core.Value(10_000_000n, tokens(TOKEN))));
  genesis.push(new Core.TransactionOutput(taker.address, new Core.Value(10_000_000n, tokens(OTHER_POLICY + TOKEN_NAME))));
  const emulator = new Emulator(genesis, { slotConfig: { zeroTime: ZERO_TIME, zeroSlot: 0, slotLength: SLOT_MS } });
  const provider = new EmulatorProvider(emulator);
  const clock = SlotClock.linear({ zeroTime: ZERO_TIME, zeroSlot: 0, slotLength: SLOT_MS });
  const ctx = (signer: Ed25519KeySigner): OrderTxContext => ({ provider, signer, networkId: 0, clock, script: escrowScript, orderScript });
  const submitFixed = async (signers: Ed25519KeySigner[], exclude: { txId: string; index: number }[], assemble: (b: TxBuilder) => void) => {
    const builder: TxBuilder = await fundedBuilder(ctx(signers[0]!), exclude);
    builder.useEvaluator(async (tx) => {
      const out = Core.Redeemers.fromCore([]);
      out.setValues(
        (tx.witnessSet().redeemers()?.values() ?? []).map((r) => {
          const copy = Core.Redeemer.fromCbor(r.toCbor());
          copy.setExUnits(new Core.ExUnits(FIXED_BUDGET.memory, FIXED_BUDGET.steps));
          return copy;
        }),
      );
      return out;
    });
    assemble(builder);
    let tx = await builder.complete();
    for (const s of signers) tx = await s.sign(tx);
    const txId = await emulator.submitTransaction(tx);
    emulator.stepForwardBlock();
    return { txId, fee: tx.body().fee() };
  };

  const h: Harness = {
    emulator,
    provider,
    maker,
    taker,
    receiver,
    stranger,
    ctx,
    terms: (over = {}) => ({
      orderHash: 'ab'.repeat(32),
      hashlock: HASHLOCK,
      maker: maker.paymentKeyHash,
      taker: taker.paymentKeyHash,
      withdrawTo: bech32ToPlutusAddress(receiver.address.toBech32()),
      cancelTo: bech32ToPlutusAddress(taker.address.toBech32()),
      asset: { policyId: '', assetName: '' },
      amount: 25_000_000n,
      safetyDeposit: 2_000_000n,
      withdrawalAt: BigInt(slotMs(W)),
      publicWithdrawalAt: BigInt(slotMs(PW)),
      cancellationAt: BigInt(slotMs(C)),
      publicCancellationAt: null,
      ...over,
    }),
    lock: async (terms) => {
      const created = await createEscrow(ctx(taker), terms);
      emulator.stepForwardBlock();
      const input = new Core.TransactionInput(Core.TransactionId(created.escrow.txId), BigInt(created.escrow.index));
      const out = emulator.getOutput(input);
      if (!out) throw new Error('escrow output not on the ledger');
      return new Core.TransactionUnspentOutput(input, out);
    },
    goTo: (slot) => {
      if (slot > emulator.clock.slot) emulator.stepForwardToSlot(slot);
    },
    spend: async (signers, plans) => {
      const [payer] = signers;
      const exclude = plans.map((p) => ({ txId: p.escrow.input().transactionId(), index: Number(p.escrow.input().index()) }));
      const builder: TxBuilder = await fundedBuilder(ctx(payer!), exclude);
      builder.useEvaluator(async (tx) => {
        const out = Core.Redeemers.fromCore([]);
        out.setValues(
          (tx.witnessSet().redeemers()?.values() ?? []).map((r) => {
            const copy = Core.Redeemer.fromCbor(r.toCbor());
            copy.setExUnits(new Core.ExUnits(FIXED_BUDGET.memory, FIXED_BUDGET.steps));
            return copy;
          }),
        );
        return out;
      });
      assembleSpend(builder, escrowScript.script, plans);
      let tx = await builder.complete();
      for (const s of signers) tx = await s.sign(tx);
      const txId = await emulator.submitTransaction(tx);
      emulator.stepForwardBlock();
      return { txId, fee: tx.body().fee() };
    },
    spendOrder: (signers, plans) =>
      submitFixed(
        signers,
        plans.map((p) => ({ txId: p.order.input().transactionId(), index: Number(p.order.input().index()) })),
        (b) => assembleOrderSpend(b, orderScript.script, plans),
      ),
    balance: (addr, unit = '') =>
      emulator
        .utxos()
        .filter((u) => u.output().address().toBech32() === addr.toBech32())
        .reduce((sum, u) => sum + (unit === '' ? u.output().amount().coin() : (u.output().amount().multiasset()?.get(Core.AssetId(unit)) ?? 0n)), 0n),
  };
  return h;
}

/** The plan of a by-the-rules spend; tests override one piece at a time. */
export function plan(
  h: Harness,
  escrow: Core.TransactionUnspentOutput,
  terms: EscrowDatum,
  action: EscrowAction,
  over: Partial<SpendPlan> & { secret?: string; fromSlot?: number; untilSlot?: number } = {},
): SpendPlan {
  const withdrawing = action === 'Withdraw' || action === 'PublicWithdraw';
  const payee = Core.Address.fromBech32(plutusAddressToBech32(withdrawing ? terms.withdrawTo : terms.cancelTo, 0));
  const unit = terms.asset.policyId + terms.asset.assetName;
  const value = unit === '' ? new Core.Value(terms.amount) : new Core.Value(2_000_000n, new Map([[Core.AssetId(unit), terms.amount]]));
  return {
    escrow,
    redeemer: encodeRedeemer(action, withdrawing ? (over.secret ?? SECRET) : undefined),
    payouts: [{ address: payee, value, tag: payoutTag(escrow.input()) }],
    validFromSlot: over.fromSlot,
    validUntilSlot: over.untilSlot,
    requiredSigners: action === 'Withdraw' || action === 'Cancel' ? [terms.taker] : [],
    ...over,
  };
}
