/**
 * The EVM escrow follower against the real escrow factory and escrow clones on the EVM devnet, with the
 * real Postgres store: every event kind decoded as the contracts emit it, escrow events
 * attributed to their order after a restart, and look-alike logs from another contract ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, zeroAddress, type Address } from 'viem';
import { startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import type { ChainEvent } from '../../src/chains/events.js';
import { startHarness, type Harness } from './support/follower.js';
import { waitFor } from './support/chain.js';
import { cancelAndRescueDst, clientsFor, createDstEscrow, eventId, fillSrcEscrow, invalidateNonce, TIMELOCKS, withdrawSrc } from './support/escrows.js';
import { compileLogEmitter } from './support/log-emitter.js';

let devnet: EvmDevnet;
let h: Harness;
beforeAll(async () => {
  // Above every source stage (srcPublicCancellation 1,100 s): the factory refuses fills reaching the rescue delay.
  devnet = await startEvmDevnet({ rescueDelay: 1_200 });
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await devnet?.stop();
});

const observed = (): ChainEvent[] => h.published.filter((u) => u.status === 'observed').map((u) => u.event);
const byId = (id: string) => observed().find((e) => e.id === id);

describe('EVM escrow follower with the real escrow factory', () => {
  it('reports every event kind of the real contracts, attributes escrow events after a restart, ignores look-alikes', async () => {
    const c = clientsFor(devnet);
    const chainId = devnet.chainId;
    const first = h.follower({ rpcUrl: devnet.rpcUrl, factory: devnet.factory, confirmations: 2 });
    await first.start();

    // Source fill (maker-signed order), destination escrow, on-chain nonce invalidation.
    const src = await fillSrcEscrow(devnet, { amount: 7n * 10n ** 18n });
    const dst = await createDstEscrow(devnet, src.orderHash);
    const nonceReceipt = await invalidateNonce(devnet, 424_242n);
    const srcLog = src.receipt.logs.find((l) => getAddress(l.address) === getAddress(devnet.factory))!;
    const dstLog = dst.receipt.logs.find((l) => getAddress(l.address) === getAddress(devnet.factory))!;
    const srcId = eventId(chainId, src.receipt, srcLog.logIndex);
    const dstId = eventId(chainId, dst.receipt, dstLog.logIndex);
    const nonceId = eventId(chainId, nonceReceipt, nonceReceipt.logs[0]!.logIndex);
    await waitFor(() => byId(srcId) && byId(dstId) && byId(nonceId), 'creations and invalidation');

    const srcBlock = await c.publicClient.getBlock({ blockNumber: src.receipt.blockNumber });
    const deployedAt = Number(srcBlock.timestamp);
    expect(byId(srcId)).toEqual({
      id: srcId,
      chain: String(chainId),
      txHash: src.receipt.transactionHash,
      index: srcLog.logIndex,
      blockNumber: src.receipt.blockNumber,
      blockHash: src.receipt.blockHash,
      blockTime: deployedAt,
      type: 'escrow_created',
      side: 'src',
      escrow: getAddress(src.escrow),
      orderHash: src.orderHash,
      hashlock: src.order.hashlock,
      maker: getAddress(devnet.accounts.maker.address),
      taker: getAddress(devnet.accounts.resolver.address),
      token: getAddress(devnet.token),
      amount: 7n * 10n ** 18n,
      safetyDeposit: src.order.srcSafetyDeposit,
      deployedAt,
      deadlines: {
        withdrawal: deployedAt + TIMELOCKS.srcWithdrawal,
        publicWithdrawal: deployedAt + TIMELOCKS.srcPublicWithdrawal,
        cancellation: deployedAt + TIMELOCKS.srcCancellation,
        publicCancellation: deployedAt + TIMELOCKS.srcPublicCancellation,
      },
      dst: { chain: 'cardano:devnet', receiver: src.order.receiver, asset: 'lovelace', amount: 5_000_000n, safetyDeposit: 2_000_000n },
    });
    const dstBlock = await c.publicClient.getBlock({ blockNumber: dst.receipt.blockNumber });
    expect(byId(dstId)).toMatchObject({
      type: 'escrow_created',
      side: 'dst',
      escrow: getAddress(dst.escrow),
      orderHash: src.orderHash,
      hashlock: dst.immutables.hashlock,
      maker: getAddress(devnet.accounts.maker.address),
      taker: getAddress(devnet.accounts.resolver.address),
      token: zeroAddress,
      amount: dst.immutables.amount,
      safetyDeposit: dst.immutables.safetyDeposit,
      deployedAt: Number(dstBlock.timestamp),
      deadlines: {
        withdrawal: Number(dst.immutables.withdrawalAt),
        publicWithdrawal: Number(dst.immutables.publicWithdrawalAt),
        cancellation: Number(dst.immutables.cancellationAt),
      },
    });
    expect(byId(nonceId)).toMatchObject({ type: 'order_invalidated', maker: getAddress(devnet.accounts.maker.address), nonce: 424_242n });

    // Restart: the new follower has no memory of which addresses are escrows.
    await first.stop();
    const wallet = c.walletOf('stranger');
    const emitter = compileLogEmitter();
    const impostorHash = await wallet.deployContract({ abi: emitter.abi, bytecode: emitter.bytecode });
    const impostor = (await c.publicClient.waitForTransactionReceipt({ hash: impostorHash })).contractAddress as Address;
    // Look-alikes: a withdrawal revealing a fake secret, and a fake source escrow creation.
    await c.wait(await wallet.writeContract({ address: impostor, abi: emitter.abi, functionName: 'emitWithdrawal', args: [src.order.hashlock, devnet.accounts.stranger.address] }));
    await c.wait(await wallet.writeContract({ address: impostor, abi: emitter.abi, functionName: 'emitSrcCreated', args: [2n, 1n, src.immutables.timelocks] }));
    await c.wait(await wallet.writeContract({ address: impostor, abi: emitter.abi, functionName: 'emitCancelled', args: [devnet.accounts.stranger.address] }));

    const withdrawal = await withdrawSrc(devnet, src);
    const { cancel, rescue } = await cancelAndRescueDst(devnet, dst);
    const second = h.follower({ rpcUrl: devnet.rpcUrl, factory: devnet.factory, confirmations: 2 });
    await second.start();
    const wId = eventId(chainId, withdrawal, withdrawal.logs.at(-1)!.logIndex);
    const cId = eventId(chainId, cancel, cancel.logs.at(-1)!.logIndex);
    const rId = eventId(chainId, rescue, rescue.logs.at(-1)!.logIndex);
    await waitFor(() => byId(wId) && byId(cId) && byId(rId), 'escrow events after restart');
    expect(byId(wId)).toMatchObject({
      type: 'escrow_withdrawn',
      side: 'src',
      escrow: getAddress(src.escrow),
      orderHash: src.orderHash,
      secret: src.secret,
      public: false,
      to: getAddress(devnet.accounts.resolver.address),
    });
    expect(byId(cId)).toMatchObject({ type: 'escrow_cancelled', side: 'dst', escrow: getAddress(dst.escrow), orderHash: src.orderHash, public: false, to: getAddress(devnet.accounts.resolver.address) });
    expect(byId(rId)).toMatchObject({ type: 'funds_rescued', escrow: getAddress(dst.escrow), orderHash: src.orderHash, token: getAddress(devnet.token), amount: 12_345n });

    // Wait until the second follower has scanned the head, then: nothing from the impostor, nothing twice.
    const head = await c.publicClient.getBlockNumber({ cacheTime: 0 });
    await waitFor(() => (second.status().processed?.height ?? 0) >= Number(head), 'scan to head');
    expect(observed().filter((e) => 'escrow' in e && getAddress(e.escrow) === impostor)).toEqual([]);
    expect(observed().filter((e) => e.txHash === impostorHash)).toEqual([]);
    expect(observed().map((e) => e.type).sort()).toEqual(
      ['escrow_cancelled', 'escrow_created', 'escrow_created', 'escrow_withdrawn', 'funds_rescued', 'order_invalidated'].sort(),
    );
    const ids = observed().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The impostor's look-alike logs: counted by reason, 4 in all.
    const ignored = (await h.registry.getSingleMetric('chain_follower_ignored_total')!.get()).values.filter((v) => v.labels.chain === '31337');
    expect(ignored.reduce((sum, v) => sum + v.value, 0)).toBe(4);
    expect(ignored.every((v) => v.labels.reason === 'not_an_escrow' || v.labels.reason === 'not_the_factory')).toBe(true);
    // The rescue sits in the head block (1 confirmation): one more block makes everything final.
    expect((await h.store.pending(String(chainId))).map((e) => e.id)).toEqual([rId]);
    await c.test.mine({ blocks: 1 });
    await waitFor(async () => (await h.store.pending(String(chainId))).length === 0, 'finality');
    expect(h.published.filter((u) => u.status === 'final').map((u) => u.event.id).sort()).toEqual([...ids].sort());
  });
});
