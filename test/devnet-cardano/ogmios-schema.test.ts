/**
 * The devnet speaks Ogmios v6.14: every reply it serves, driven by the unmodified
 * @cardano-ogmios/client, validates against the published JSON schema; so do the sample vectors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChainSynchronization,
  createChainSynchronizationClient,
  createLedgerStateQueryClient,
  createMempoolMonitoringClient,
  createTransactionSubmissionClient,
} from '@cardano-ogmios/client';
import { Core } from '@blaze-cardano/sdk';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { createOgmiosValidator } from '../../devnet/cardano/schema/validator.js';
import { DevnetWallet } from '../../devnet/cardano/wallet.js';
import { alwaysFail, alwaysOk, scriptAddress } from './support/scripts.js';
import { recordingContext, until } from './support/index.js';

const validator = createOgmiosValidator();

function expectAllValid(replies: Record<string, unknown>[]): void {
  const bad = replies
    .map((r) => ({ r, v: validator.validateReply(r as { method?: string }) }))
    .filter(({ v }) => !v.ok)
    .map(({ r, v }) => ({ schema: v.schema, reply: JSON.stringify(r).slice(0, 400), errors: v.errors.slice(0, 3) }));
  expect(bad).toEqual([]);
}

/** "method" or "method!code" for errors: which reply kinds a run produced. */
function kinds(replies: Record<string, unknown>[]): Set<string> {
  return new Set(
    replies.map((r) => {
      const err = r.error as { code?: number } | undefined;
      const result = r.result as { direction?: string } | undefined;
      const base = (r.method as string | undefined) ?? 'rpc';
      if (err) return `${base}!${err.code}`;
      if (base === 'nextBlock') return `nextBlock:${result?.direction}`;
      return base;
    }),
  );
}

const datum = Core.PlutusData.fromCbor(Core.HexBlob('d8799f4100ff')); // Constr 0 [#00]
const unit = Core.PlutusData.fromCbor(Core.HexBlob('d87980')); // Constr 0 []

describe('Cardano devnet: Ogmios v6.14 schema conformance', () => {
  let devnet: CardanoDevnet;
  let wallet: DevnetWallet;

  beforeAll(async () => {
    devnet = await startCardanoDevnet({ autoBlocks: false });
    wallet = await DevnetWallet.connect(devnet, devnet.accounts[0]!);
  });

  afterAll(async () => {
    await wallet?.close();
    await devnet?.stop();
  });

  it('serves /health with a lastTipUpdate and the tip', async () => {
    const res = await fetch(`${devnet.httpUrl}/health`);
    const health = (await res.json()) as { lastTipUpdate: string | null; lastKnownTip: { height: number } };
    expect(res.status).toBe(200);
    expect(health.lastTipUpdate).not.toBeNull();
    expect(health.lastKnownTip.height).toBe(devnet.tip().height);
  });

  it('answers every query with schema-valid replies', async () => {
    const { context, replies, close } = await recordingContext(devnet);
    try {
      const q = await createLedgerStateQueryClient(context);
      const tip = await q.networkTip();
      expect(tip).toMatchObject({ slot: devnet.tip().slot, id: devnet.tip().id });
      expect(await q.ledgerTip()).toEqual(tip);
      expect(new Date(await q.networkStartTime()).getTime()).toBe(devnet.slotConfig.zeroTime);
      expect(await q.networkBlockHeight()).toBe(devnet.tip().height);
      expect(await q.epoch()).toBe(0);
      await q.eraStart();
      const eras = await q.eraSummaries();
      expect(eras).toHaveLength(1);
      expect(eras[0]!.parameters.slotLength.milliseconds).toBe(devnet.slotConfig.slotLength);
      const pp = await q.protocolParameters();
      expect(pp.minFeeCoefficient).toBe(Core.hardCodedProtocolParams.minFeeCoefficient);
      expect(pp.minUtxoDepositCoefficient).toBe(Core.hardCodedProtocolParams.coinsPerUtxoByte);
      const all = await q.utxo();
      expect(all.length).toBe(devnet.accounts.length * devnet.accounts[0]!.utxos);
      const mine = await q.utxo({ addresses: [devnet.accounts[1]!.address] });
      expect(mine.map((u) => u.address)).toEqual(Array(devnet.accounts[1]!.utxos).fill(devnet.accounts[1]!.address));
      const one = await q.utxo({ outputReferences: [{ transaction: { id: mine[0]!.transaction.id }, index: mine[0]!.index }] });
      expect(one).toHaveLength(1);
      // Lovelace arrives as an exact bigint through the client's big-number JSON parser.
      expect(typeof one[0]!.value.ada.lovelace).toBe('bigint');
      expect(one[0]!.value.ada.lovelace).toBe(devnet.accounts[1]!.lovelace / BigInt(devnet.accounts[1]!.utxos));

      // An unknown method: -32601, a plain JSON-RPC error.
      context.socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'queryLedgerState/nonsense', id: 'unknown-1' }));
      await until(() => replies.find((r) => r.id === 'unknown-1'));
      expect((replies.find((r) => r.id === 'unknown-1')!.error as { code: number }).code).toBe(-32601);

      expectAllValid(replies);
      expect(kinds(replies)).toEqual(
        new Set([
          'queryNetwork/tip',
          'queryLedgerState/tip',
          'queryNetwork/startTime',
          'queryNetwork/blockHeight',
          'queryLedgerState/epoch',
          'queryLedgerState/eraStart',
          'queryLedgerState/eraSummaries',
          'queryLedgerState/protocolParameters',
          'queryLedgerState/utxo',
          'rpc!-32601',
        ]),
      );
    } finally {
      await close();
    }
  });

  it('submits and evaluates transactions, with Ogmios error codes for failures', async () => {
    const { context, replies, close } = await recordingContext(devnet);
    try {
      const tx = await createTransactionSubmissionClient(context);
      const q = await createLedgerStateQueryClient(context);
      const ok = alwaysOk();
      const fail = alwaysFail();

      // Lock at both scripts (creating an output runs no script).
      const lock = wallet.sign(
        await (await wallet.newTx())
          .lockLovelace(scriptAddress(ok), 5_000_000n, Core.Datum.newInlineData(datum))
          .lockLovelace(scriptAddress(fail), 5_000_000n, Core.Datum.newInlineData(datum))
          .complete(),
      );
      expect(await tx.submitTransaction(lock.toCbor())).toBe(lock.getId());

      // The same tx again: its inputs are spent in the mempool → 3117.
      await expect(tx.submitTransaction(lock.toCbor())).rejects.toMatchObject({ code: 3117 });

      // Mempool monitoring sees the pending tx.
      const mempool = await createMempoolMonitoringClient(context);
      await mempool.acquireMempool();
      expect(await mempool.hasTransaction(lock.getId())).toBe(true);
      expect(await mempool.nextTransaction()).toBe(lock.getId());
      expect(await mempool.nextTransaction()).toBeNull();
      await mempool.releaseMempool();

      await devnet.produceBlock();
      const [atOk] = await q.utxo({ addresses: [scriptAddress(ok).toBech32()] });
      expect(atOk!.datum).toBe(datum.toCbor());

      // A validity interval in the past → 3118.
      const stale = wallet.sign(
        await (await wallet.newTx())
          .payLovelace(Core.Address.fromBech32(devnet.accounts[2]!.address), 2_000_000n)
          .setValidUntil(Core.Slot(Math.max(0, devnet.currentSlot() - 1)))
          .complete(),
      );
      await expect(tx.submitTransaction(stale.toCbor())).rejects.toMatchObject({ code: 3118 });

      // Not a transaction → -32602 (deserialisation failure).
      await expect(tx.submitTransaction('deadbeef')).rejects.toMatchObject({ code: -32602 });

      // Spending the always-succeeds script: evaluated through Ogmios, then accepted.
      const okUtxo = (await wallet.utxosAt(scriptAddress(ok)))[0]!;
      const spendOk = await (await wallet.newTx())
        .addInput(okUtxo, unit)
        .provideScript(ok)
        .complete();
      const budgets = await tx.evaluateTransaction(spendOk.toCbor());
      expect(budgets).toHaveLength(1);
      expect(budgets[0]!.validator).toEqual({ purpose: 'spend', index: 0 });
      await tx.submitTransaction(wallet.sign(spendOk).toCbor());

      // Spending the always-fails script: evaluation → 3010, and a submit with made-up budgets → 3010.
      const failUtxo = (await wallet.utxosAt(scriptAddress(fail)))[0]!;
      const spendFail = await (await wallet.newTx())
        .addInput(failUtxo, unit)
        .provideScript(fail)
        .useEvaluator(async (t) => {
          const r = t.witnessSet().redeemers()!.values().map((x) => {
            const c = Core.Redeemer.fromCbor(x.toCbor());
            c.setExUnits(new Core.ExUnits(1_000_000n, 500_000_000n));
            return c;
          });
          const out = Core.Redeemers.fromCore([]);
          out.setValues(r);
          return out;
        }, true)
        .complete();
      await expect(tx.evaluateTransaction(spendFail.toCbor())).rejects.toMatchObject({ code: 3010 });
      await expect(tx.submitTransaction(wallet.sign(spendFail).toCbor())).rejects.toMatchObject({ code: 3010 });
      await devnet.produceBlock();

      // Unsigned → 3101 (missing signatories); evaluating a spend of an unknown output → 3004.
      const unsigned = await (await wallet.newTx()).payLovelace(Core.Address.fromBech32(devnet.accounts[2]!.address), 2_000_000n).complete();
      await expect(tx.submitTransaction(unsigned.toCbor())).rejects.toMatchObject({
        code: 3101,
        data: { missingSignatories: [wallet.paymentKeyHash] },
      });
      await expect(tx.evaluateTransaction(spendOk.toCbor())).rejects.toMatchObject({ code: 3004 }); // its script input is spent now

      // Mempool queries before acquiring → 4000; a frame that is not JSON → -32700.
      await expect(mempool.nextTransaction()).rejects.toMatchObject({ code: 4000 });
      context.socket.send('{not json');
      await until(() => replies.find((r) => (r.error as { code?: number } | undefined)?.code === -32700));

      expectAllValidExceptSubmit3010(replies);
      expect(kinds(replies)).toEqual(
        new Set([
          'submitTransaction',
          'submitTransaction!3117',
          'submitTransaction!3118',
          'submitTransaction!-32602',
          'submitTransaction!3010',
          'submitTransaction!3101',
          'evaluateTransaction',
          'evaluateTransaction!3010',
          'evaluateTransaction!3004',
          'acquireMempool',
          'hasTransaction',
          'nextTransaction',
          'nextTransaction!4000',
          'releaseMempool',
          'queryLedgerState/utxo',
          'rpc!-32700',
        ]),
      );
    } finally {
      await close();
    }
  });

  it('follows the chain: intersections, roll-forwards with real transactions, roll-backwards', async () => {
    const { context, replies, close } = await recordingContext(devnet);
    try {
      const forwards: { height: number; txs: number }[] = [];
      const backwards: unknown[] = [];
      const sync = await createChainSynchronizationClient(context, {
        rollForward: async ({ block }, next) => {
          const b = block as { height: number; transactions?: unknown[] };
          forwards.push({ height: b.height, txs: b.transactions?.length ?? 0 });
          next();
        },
        rollBackward: async ({ point }, next) => {
          backwards.push(point);
          next();
        },
      });
      await expect(ChainSynchronization.findIntersection(context, [{ slot: 1, id: 'ff'.repeat(32) }])).rejects.toBeDefined();
      await sync.resume(['origin'], 10);
      await until(() => forwards.length === devnet.tip().height);
      expect(backwards).toEqual(['origin']);
      expect(forwards.some((f) => f.txs > 0)).toBe(true);

      // Held at the tip until a block arrives.
      const before = forwards.length;
      await devnet.produceBlock();
      await until(() => forwards.length === before + 1);

      // A rollback of one block: the follower is told where to go back to.
      const tipBefore = devnet.tip();
      await devnet.rollback(1);
      await until(() => backwards.length === 2);
      expect(backwards[1]).toEqual({ slot: devnet.tip().slot, id: devnet.tip().id });
      expect(devnet.tip().height).toBe(tipBefore.height - 1);
      await devnet.produceBlock();
      await until(() => forwards.length === before + 2);

      expectAllValid(replies);
      const k = kinds(replies);
      for (const want of ['findIntersection', 'findIntersection!1000', 'nextBlock:forward', 'nextBlock:backward']) {
        expect(k.has(want)).toBe(true);
      }
      // Every block carried transactions as Ogmios Transaction objects with CBOR.
      const withTxs = replies.filter((r) => (r.result as { block?: { transactions?: unknown[] } })?.block?.transactions?.length);
      expect(withTxs.length).toBeGreaterThan(0);
      const sample = (withTxs[0]!.result as { block: { transactions: Record<string, unknown>[] } }).block.transactions[0]!;
      expect(sample).toHaveProperty('cbor');
      expect(sample).toHaveProperty('signatories');
    } finally {
      await close();
    }
  });

  it('validates the published sample vectors', () => {
    const dir = join(import.meta.dirname, '../../devnet/cardano/schema/vectors');
    let checked = 0;
    const failures: string[] = [];
    for (const folder of readdirSync(dir)) {
      for (const file of readdirSync(join(dir, folder))) {
        const message = JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as Record<string, unknown>;
        const isReply = 'result' in message || 'error' in message;
        const name = isReply && !folder.endsWith('Response') ? `${folder}Response` : folder;
        const { ok, errors } = validator.validate(name, message);
        checked++;
        if (!ok) failures.push(`${folder}/${file}: ${JSON.stringify(errors.slice(0, 2))}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });
});

/**
 * The published v6.14 schema lists 3010 (script failures) under evaluateTransaction only, but
 * Ogmios returns the same error from submitTransaction when a script fails at submission. We
 * validate those replies against the evaluate-failure shape (same code, message and data).
 */
function expectAllValidExceptSubmit3010(replies: Record<string, unknown>[]): void {
  const submit3010 = replies.filter((r) => r.method === 'submitTransaction' && (r.error as { code?: number })?.code === 3010);
  expectAllValid(replies.filter((r) => !submit3010.includes(r)));
  for (const r of submit3010) {
    const asEvaluate = { ...r, method: 'evaluateTransaction' };
    expect(validator.validate('EvaluateTransactionResponse', asEvaluate).errors).toEqual([]);
  }
}
