import { afterAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, webSocket } from 'viem';
import { startAnvil, type AnvilHandle } from '../../devnet/evm/anvil.js';

describe('startAnvil', () => {
  const started: AnvilHandle[] = [];
  afterAll(async () => {
    await Promise.all(started.map((a) => a.stop()));
  });

  it('starts two nodes side by side on distinct free loopback ports, chain id 31337', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil()]);
    started.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.rpcUrl).toBe(`http://127.0.0.1:${a.port}`);
    expect(a.chainId).toBe(31337);
    const client = createPublicClient({ transport: http(a.rpcUrl) });
    expect(await client.getChainId()).toBe(31337);
    const ws = createPublicClient({ transport: webSocket(b.wsUrl) });
    expect(await ws.getChainId()).toBe(31337);
    await ws.transport.getRpcClient().then((c) => c.close());
  });

  it('stop() is idempotent and the node stops answering', async () => {
    const a = await startAnvil();
    const client = createPublicClient({ transport: http(a.rpcUrl, { retryCount: 0 }) });
    expect(await client.getChainId()).toBe(31337);
    await Promise.all([a.stop(), a.stop()]);
    await a.stop();
    // A fresh request (no client-side cache) must find nothing listening.
    await expect(fetch(a.rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('honours blockTime by mining on its own', async () => {
    const a = await startAnvil({ blockTime: 1 });
    started.push(a);
    const client = createPublicClient({ transport: http(a.rpcUrl) });
    // No transactions are sent: a block can only appear through interval mining.
    const block = await new Promise<bigint>((resolve) => {
      const unwatch = client.watchBlockNumber({
        pollingInterval: 100,
        onBlockNumber: (n) => {
          if (n >= 1n) {
            unwatch();
            resolve(n);
          }
        },
      });
    });
    expect(block).toBeGreaterThanOrEqual(1n);
  });
});
