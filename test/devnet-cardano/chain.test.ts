/**
 * Devnet ledger behaviour seen through Ogmios: the mempool, block production, rollbacks that
 * restore the ledger, time travel for validity intervals, and restarts with the same chain.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLedgerStateQueryClient } from '@cardano-ogmios/client';
import { Core } from '@blaze-cardano/sdk';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { DevnetWallet } from '../../devnet/cardano/wallet.js';
import { recordingContext, until } from './support/index.js';

describe('Cardano devnet ledger', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function devnetWithWallet(opts: Parameters<typeof startCardanoDevnet>[0] = {}) {
    const devnet = await startCardanoDevnet({ autoBlocks: false, ...opts });
    cleanups.push(() => devnet.stop());
    const wallet = await DevnetWallet.connect(devnet, devnet.accounts[0]!);
    cleanups.push(() => wallet.close());
    const { context, close } = await recordingContext(devnet);
    cleanups.push(close);
    const query = await createLedgerStateQueryClient(context);
    const balance = async (address: string) =>
      (await query.utxo({ addresses: [address] })).reduce((n, u) => n + BigInt(u.value.ada.lovelace), 0n);
    return { devnet, wallet, query, balance };
  }

  const payTo = (d: CardanoDevnet, i: number) => Core.Address.fromBech32(d.accounts[i]!.address);

  it('keeps pending txs out of the tip UTxO set, refuses double spends, lets txs chain, seals them into one block', async () => {
    // One UTxO per account: the second payment can only be funded by the first one's pending change.
    const { devnet, wallet, balance } = await devnetWithWallet({ genesis: { utxosPerAccount: 1 } });
    const target = devnet.accounts[3]!.address;
    const before = await balance(target);
    const t1 = await wallet.buildSignSubmit((await wallet.newTx()).payLovelace(payTo(devnet, 3), 7_000_000n));
    expect(await balance(target)).toBe(before); // pending: not at the tip yet

    // Another tx spending one of t1's inputs is a double spend (3117), as on a node's mempool.
    const spentByT1 = t1.body().inputs().values()[0]!;
    const utxo = new Core.TransactionUnspentOutput(spentByT1, (await wallet.utxosAt(wallet.address)).find((u) => u.input().toCbor() === spentByT1.toCbor())!.output());
    const conflicting = wallet.sign(
      await (await wallet.newTx()).addInput(utxo).payLovelace(payTo(devnet, 4), 3_000_000n).complete(),
    );
    await expect(wallet.submit(conflicting)).rejects.toMatchObject({ code: 3117 });

    // Chaining on t1's pending change works; both go into the next block.
    const t2 = await wallet.buildSignSubmit((await wallet.newTx()).payLovelace(payTo(devnet, 3), 5_000_000n));
    const spendsT1Change = t2.body().inputs().values().some((i) => i.transactionId() === t1.getId());
    expect(spendsT1Change).toBe(true);
    const block = await devnet.produceBlock();
    expect(await balance(target)).toBe(before + 12_000_000n);
    expect(block.height).toBe(2);
  });

  it('rolls the ledger back with the blocks, and the dropped txs can be submitted again', async () => {
    const { devnet, wallet, balance, query } = await devnetWithWallet();
    const target = devnet.accounts[5]!.address;
    const before = await balance(target);
    const tx = await wallet.buildSignSubmit((await wallet.newTx()).payLovelace(payTo(devnet, 5), 9_000_000n));
    const input = tx.body().inputs().values()[0]!;
    await devnet.produceBlock();
    const tipWithTx = devnet.tip();
    expect(await balance(target)).toBe(before + 9_000_000n);
    const ref = { transaction: { id: input.transactionId() }, index: Number(input.index()) };
    expect(await query.utxo({ outputReferences: [ref] })).toEqual([]);

    const dropped = await devnet.rollback(1);
    expect(dropped).toEqual([tx.toCbor()]);
    expect(devnet.tip().height).toBe(tipWithTx.height - 1);
    expect(await balance(target)).toBe(before);
    expect(await query.utxo({ outputReferences: [ref] })).toHaveLength(1); // the spent input is back

    await wallet.submit(Core.Transaction.fromCbor(Core.TxCBOR(dropped[0]!)));
    const again = await devnet.produceBlock();
    expect(again.height).toBe(tipWithTx.height);
    expect(again.id).not.toBe(tipWithTx.id); // another block at the same height
    expect(await balance(target)).toBe(before + 9_000_000n);
    await expect(devnet.rollback(99)).rejects.toThrow(RangeError);
  });

  it('checks validity intervals against the devnet clock, which advanceTime moves', async () => {
    const { devnet, wallet } = await devnetWithWallet();
    const later = devnet.currentSlot() + 600; // 10 minutes ahead
    const tx = wallet.sign(
      await (await wallet.newTx()).payLovelace(payTo(devnet, 2), 2_000_000n).setValidFrom(Core.Slot(later)).complete(),
    );
    await expect(wallet.submit(tx)).rejects.toMatchObject({ code: 3118, data: { validityInterval: { invalidBefore: later } } });
    devnet.advanceTime(601_000);
    expect(devnet.currentSlot()).toBeGreaterThanOrEqual(later);
    await wallet.submit(tx);
    const block = await devnet.produceBlock();
    expect(block.slot).toBeGreaterThanOrEqual(later);
  });

  it('restarts with the same chain (same blocks, same ids) on the same port', async () => {
    const first = await startCardanoDevnet({ autoBlocks: false });
    const wallet = await DevnetWallet.connect(first, first.accounts[0]!);
    await wallet.buildSignSubmit((await wallet.newTx()).payLovelace(payTo(first, 6), 4_000_000n));
    await first.produceBlock();
    await first.produceBlock();
    await wallet.close();
    const exported = first.exportChain();
    const tip = first.tip();
    await first.stop();
    await first.stop(); // idempotent

    const second = await startCardanoDevnet({ autoBlocks: false, port: first.port, restore: exported });
    cleanups.push(() => second.stop());
    expect(second.port).toBe(first.port);
    expect(second.tip()).toEqual(tip);
    expect(second.accounts.map((a) => a.address)).toEqual(first.accounts.map((a) => a.address));
    const { context, close } = await recordingContext(second);
    cleanups.push(close);
    const q = await createLedgerStateQueryClient(context);
    const at6 = await q.utxo({ addresses: [second.accounts[6]!.address] });
    expect(at6.some((u) => BigInt(u.value.ada.lovelace) === 4_000_000n)).toBe(true);
  });

  it('produces blocks on its own timer', async () => {
    const devnet = await startCardanoDevnet({ slotLength: 50 });
    cleanups.push(() => devnet.stop());
    const start = devnet.tip().height;
    await until(() => devnet.tip().height >= start + 3);
    const health = (await (await fetch(`${devnet.httpUrl}/health`)).json()) as { lastKnownTip: { height: number } };
    expect(health.lastKnownTip.height).toBeGreaterThanOrEqual(start + 3);
  });
});
