/**
 * The EVM escrow follower (EVM source + escrow decoder + the chain follower) on a real anvil and a real Postgres store. The helper LogEmitter plays the
 * factory here (its logs have the factory's signatures) so each test can shape blocks freely;
 * factory-escrow.test.ts runs the same follower against the real contracts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { startHarness, type Harness } from './support/follower.js';
import { startTestChain, waitFor, type TestChain } from './support/chain.js';
import { compileLogEmitter } from './support/log-emitter.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { packTimelocks } from '../../src/domain/timelocks.js';

const TIMELOCKS = packTimelocks(
  { srcWithdrawal: 10, srcPublicWithdrawal: 20, srcCancellation: 300, srcPublicCancellation: 400, dstWithdrawal: 5, dstPublicWithdrawal: 15, dstCancellation: 200 },
  1_700_000_000,
);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  engine: 'postgres' | 'pglite' = 'postgres',
): Promise<{ chain: TestChain; h: Harness; emitter: Address; emit: (count: number, seed?: number) => Promise<Hex> }> {
  const chain = await startTestChain();
  cleanups.push(() => chain.stop());
  const h = await startHarness(engine);
  cleanups.push(() => h.close());
  const { abi, bytecode } = compileLogEmitter();
  const emitter = await chain.deploy(abi, bytecode);
  let nextSeed = 1;
  const emit = async (count: number, seed = nextSeed++) => {
    const hash = await chain.wallet.writeContract({ address: emitter, abi, functionName: 'emitSrcCreated', args: [BigInt(count), BigInt(seed), TIMELOCKS] });
    await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    return hash;
  };
  return { chain, h, emitter, emit };
}

/** Every SrcEscrowCreated id on chain from `address`, straight from the node. */
async function idsOnChain(chain: TestChain, address: Address): Promise<string[]> {
  const logs = await chain.publicClient.getLogs({ address, fromBlock: 0n, toBlock: 'latest' });
  return logs.map((l) => `31337:${l.transactionHash}:${l.logIndex}`);
}

function observedIds(h: Harness): string[] {
  return h.published.filter((u) => u.status === 'observed').map((u) => u.event.id);
}

describe('EVM escrow follower on anvil + Postgres', () => {
  it.each(['postgres', 'pglite'] as const)('publishes each event once and only once across a restart mid-way, missing none (%s)', async (engine) => {
    const { chain, h, emitter, emit } = await setup(engine);
    for (let i = 0; i < 6; i++) await emit(3);
    // Tiny ranges: the first follower needs many batches, so it can be stopped between them.
    const first = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, maxBlockRange: 1 });
    await first.start();
    await waitFor(() => observedIds(h).length >= 3, 'first observations');
    await first.stop();
    const seenByFirst = observedIds(h).length;
    const head = await chain.head();
    expect(first.status().processed?.height).toBeLessThan(Number(head)); // really stopped mid-way

    for (let i = 0; i < 3; i++) await emit(2);
    const second = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, maxBlockRange: 4 });
    await second.start();
    const expected = await idsOnChain(chain, emitter);
    await waitFor(() => observedIds(h).length >= expected.length && second.status().lagBlocks === 0, 'catch-up');
    await second.stop();

    const ids = observedIds(h);
    expect(seenByFirst).toBeGreaterThan(0);
    expect(ids.length).toBe(new Set(ids).size); // no duplicates
    expect([...ids].sort()).toEqual([...expected].sort()); // nothing missed
    // With 1 confirmation every event is final as soon as it is seen, also exactly once.
    const finals = h.published.filter((u) => u.status === 'final').map((u) => u.event.id);
    expect([...finals].sort()).toEqual([...expected].sort());
    const ev = h.published[0]!.event;
    expect(ev).toMatchObject({ type: 'escrow_created', side: 'src', chain: '31337', deployedAt: 1_700_000_000 });
    expect(await h.store.pending('31337')).toEqual([]);
  });

  it('gates final on the configured confirmations', async () => {
    const { chain, h, emitter, emit } = await setup();
    const m = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, confirmations: 4 });
    await m.start();
    await emit(1);
    const [id] = await idsOnChain(chain, emitter);
    await waitFor(() => h.historyOf(id!).includes('observed'), 'observation');
    const minedAt = (await h.store.pending('31337'))[0]!.blockNumber;
    for (let confs = 1; confs < 4; confs++) {
      // Wait until the follower has seen this head, then check it did not call it final.
      const head = await chain.head();
      await waitFor(() => m.status().head?.height === Number(head) && m.status().processed?.height === Number(head), `head ${head}`);
      expect(head - minedAt + 1n).toBe(BigInt(confs));
      expect(h.historyOf(id!)).toEqual(['observed']);
      await chain.mine(1);
    }
    await waitFor(() => h.historyOf(id!).includes('final'), 'finality at 4 confirmations');
    expect(h.historyOf(id!)).toEqual(['observed', 'final']);
    expect(await h.store.pending('31337')).toEqual([]);
  });

  it('reverts events orphaned by anvil_reorg and keeps the rest', async () => {
    const { chain, h, emitter, emit } = await setup();
    await emit(1); // stays: deeper than the reorg
    await chain.mine(3);
    const m = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, confirmations: 10 });
    await m.start();
    await emit(2); // orphaned below
    const [keep, ...orphans] = await idsOnChain(chain, emitter);
    await waitFor(() => orphans.every((id) => h.historyOf(id).includes('observed')), 'orphans observed');

    await chain.test.request({ method: 'anvil_reorg', params: [2, []] } as never);
    await waitFor(() => orphans.every((id) => h.historyOf(id).at(-1) === 'reverted'), 'reversal');
    expect(h.historyOf(keep!)).toEqual(['observed']);
    expect(await idsOnChain(chain, emitter)).toEqual([keep]);
    // The follower keeps going on the new branch.
    await emit(1);
    const after = await idsOnChain(chain, emitter);
    await waitFor(() => h.historyOf(after[1]!).includes('observed'), 'event on the new branch');
    expect(await h.store.pending('31337')).toHaveLength(2);
    const rollbacks = await h.registry.getSingleMetricAsString('chain_follower_rollbacks_total');
    expect(rollbacks).toMatch(/chain_follower_rollbacks_total\{chain="31337"\} 1/);
  });

  it('notices a reorg that happened while it was stopped', async () => {
    const { chain, h, emitter, emit } = await setup();
    const m1 = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, confirmations: 10 });
    await m1.start();
    await emit(1);
    const [orphan] = await idsOnChain(chain, emitter);
    await waitFor(() => h.historyOf(orphan!).includes('observed'), 'observation');
    await m1.stop();
    await chain.test.request({ method: 'anvil_reorg', params: [1, []] } as never);
    const m2 = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, confirmations: 10 });
    await m2.start();
    await waitFor(() => h.historyOf(orphan!).at(-1) === 'reverted', 'reversal after restart');
    expect(h.historyOf(orphan!)).toEqual(['observed', 'reverted']);
    expect(await h.store.pending('31337')).toEqual([]);
  });

  it('brings back an orphaned transaction mined again on the new branch (same id: observed → reverted → observed → final)', async () => {
    const { chain, h, emitter } = await setup();
    const { abi } = compileLogEmitter();
    const m = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, confirmations: 3 });
    await m.start();
    await chain.mine(2);
    const snapshot = await chain.test.snapshot();
    const request = await chain.wallet.prepareTransactionRequest({
      to: emitter,
      data: (await import('viem')).encodeFunctionData({ abi, functionName: 'emitSrcCreated', args: [1n, 99n, TIMELOCKS] }),
    });
    const raw = await chain.wallet.signTransaction(request);
    const txHash = keccak256(raw);
    await chain.publicClient.sendRawTransaction({ serializedTransaction: raw });
    const id = `31337:${txHash}:0`;
    await waitFor(() => h.historyOf(id).includes('observed'), 'first observation');
    const firstBlock = h.published.find((u) => u.event.id === id)!.event.blockHash;

    await chain.test.revert({ id: snapshot });
    await chain.mine(3); // a different, longer branch
    await chain.publicClient.sendRawTransaction({ serializedTransaction: raw });
    await waitFor(() => h.historyOf(id).length >= 3, 'reversal and re-observation');
    expect(h.historyOf(id).slice(0, 3)).toEqual(['observed', 'reverted', 'observed']);
    const again = h.published.filter((u) => u.event.id === id).at(-1)!.event;
    expect(again.blockHash).not.toBe(firstBlock);
    await chain.mine(3);
    await waitFor(() => h.historyOf(id).includes('final'), 'finality on the new branch');
    expect(h.historyOf(id)).toEqual(['observed', 'reverted', 'observed', 'final']);
  });

  it('loses nothing while the node is away, and reports it', async () => {
    const { chain, h, emitter, emit } = await setup();
    const proxy: TcpProxy = await startTcpProxy(chain.anvil.port);
    cleanups.push(() => proxy.close());
    const m = h.follower({ rpcUrl: proxy.url, factory: emitter });
    await m.start();
    await emit(2);
    await waitFor(() => observedIds(h).length === 2, 'events before the outage');

    await proxy.cut();
    await emit(3);
    await emit(1);
    await waitFor(() => !m.status().connected && m.status().lastError !== null, 'outage noticed');
    expect(observedIds(h)).toHaveLength(2);

    await proxy.restore();
    const expected = await idsOnChain(chain, emitter);
    await waitFor(() => observedIds(h).length >= expected.length && m.status().lagBlocks === 0, 'catch-up after outage');
    expect([...observedIds(h)].sort()).toEqual([...expected].sort());
    expect(m.status()).toMatchObject({ connected: true, lastError: null, chain: '31337' });
    const errors = await h.registry.getSingleMetricAsString('chain_follower_errors_total');
    expect(errors).toMatch(/chain_follower_errors_total\{chain="31337"\} [1-9]/);
    expect(await h.registry.getSingleMetricAsString('chain_follower_connected')).toMatch(/chain_follower_connected\{chain="31337"\} 1/);
  });

  it('wakes on newHeads over WebSocket without waiting for a poll, and polls when the socket is unusable', async () => {
    const { chain, h, emitter, emit } = await setup();
    // A poll interval far beyond the test timeout: only the newHeads subscription can wake it.
    const m = h.follower({ rpcUrl: chain.anvil.rpcUrl, wsUrl: chain.anvil.wsUrl, factory: emitter, pollIntervalMs: 3_600_000 });
    await m.start();
    await waitFor(() => m.status().updatedAt !== null, 'first round');
    await emit(1);
    await waitFor(() => observedIds(h).length === 1, 'observation woken by newHeads');

    // A WebSocket endpoint that refuses connections: polling carries on. Same store and chain:
    // the new follower resumes from the first one's cursor.
    const dead = await startTcpProxy(chain.anvil.port);
    await dead.cut();
    const polling = h.follower({ rpcUrl: chain.anvil.rpcUrl, wsUrl: `ws://127.0.0.1:${dead.port}`, factory: emitter });
    await m.stop();
    await polling.start();
    await emit(1);
    await waitFor(() => observedIds(h).length === 2, 'observation by polling');
  });

  it('refuses to scan a node on another chain', async () => {
    const { chain, h, emitter, emit } = await setup();
    await emit(1);
    const m = h.follower({ rpcUrl: chain.anvil.rpcUrl, factory: emitter, chainId: 1 });
    await m.start();
    await waitFor(() => m.status().lastError?.includes('chain id 31337'), 'chain id refusal');
    expect(h.published).toEqual([]);
    expect(await h.store.getCursor('1')).toBeNull();
  });
});
