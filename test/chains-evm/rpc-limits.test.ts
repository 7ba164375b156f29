/**
 * Providers refuse wide or large eth_getLogs queries; anvil does not, so a proxy plays the
 * provider (see support/limiting-rpc-proxy.ts). The monitor must shrink its ranges, and the
 * escrow lookup after a restart must walk back in chunks, without losing an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, type Address } from 'viem';
import { startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { startHarness, type Harness } from './support/follower.js';
import { waitFor } from './support/chain.js';
import { clientsFor, eventId, fillSrcEscrow, withdrawSrc } from './support/escrows.js';
import { compileLogEmitter } from './support/log-emitter.js';
import { startLimitingRpcProxy, type LimitingProxy } from './support/limiting-rpc-proxy.js';

let devnet: EvmDevnet;
let h: Harness;
let proxy: LimitingProxy;
beforeAll(async () => {
  devnet = await startEvmDevnet();
  h = await startHarness();
  proxy = await startLimitingRpcProxy(devnet.rpcUrl, { maxRange: 8, maxResults: 4 });
});
afterAll(async () => {
  await h?.close();
  await proxy?.close();
  await devnet?.stop();
});

describe('eth_getLogs refusals', () => {
  it('shrinks the range until the provider answers, and finds escrows in chunks after a restart', async () => {
    const c = clientsFor(devnet);
    const wallet = c.walletOf('deployer');
    const emitter = compileLogEmitter();
    const hash = await wallet.deployContract({ abi: emitter.abi, bytecode: emitter.bytecode });
    const logSource = (await c.wait(hash)).contractAddress as Address;
    // 3 logs in each of 6 consecutive blocks: any range over one block holds more than 4 results.
    for (let i = 0; i < 6; i++) {
      await c.wait(await wallet.writeContract({ address: logSource, abi: emitter.abi, functionName: 'emitSrcCreated', args: [3n, BigInt(i), 0n] }));
    }
    const expected = (await c.publicClient.getLogs({ address: logSource, fromBlock: 0n })).map((l) => `31337:${l.transactionHash}:${l.logIndex}`);
    expect(expected).toHaveLength(18);

    const scanner = h.follower({ rpcUrl: proxy.url, factory: logSource, maxBlockRange: 1_000 });
    await scanner.start();
    await waitFor(() => h.published.filter((u) => u.status === 'observed').length >= 18, 'all 18 logs');
    await scanner.stop();
    expect(h.published.filter((u) => u.status === 'observed').map((u) => u.event.id).sort()).toEqual([...expected].sort());
    expect(proxy.refusals).toBeGreaterThan(0);

    // The real factory: fill, scan, restart, then a withdrawal many blocks later. The new
    // monitor must find the escrow's creation through 8-block lookups.
    const fill = await fillSrcEscrow(devnet);
    const chain = String(devnet.chainId);
    const before = proxy.refusals;
    const m1 = h.follower({ rpcUrl: proxy.url, factory: devnet.factory, maxBlockRange: 1_000 });
    await m1.start();
    await waitFor(() => h.published.some((u) => u.event.type === 'escrow_created' && u.event.orderHash === fill.orderHash), 'fill seen');
    await m1.stop();
    await c.test.mine({ blocks: 40 });
    const withdrawal = await withdrawSrc(devnet, fill);
    const m2 = h.follower({ rpcUrl: proxy.url, factory: devnet.factory, maxBlockRange: 1_000 });
    await m2.start();
    const wId = eventId(devnet.chainId, withdrawal, withdrawal.logs.at(-1)!.logIndex);
    const seen = await waitFor(() => h.published.find((u) => u.event.id === wId), 'withdrawal attributed');
    expect(seen.event).toMatchObject({ type: 'escrow_withdrawn', side: 'src', escrow: getAddress(fill.escrow), orderHash: fill.orderHash, secret: fill.secret });
    expect(proxy.refusals).toBeGreaterThan(before);
    expect(m2.status()).toMatchObject({ chain, connected: true });
  });
});
