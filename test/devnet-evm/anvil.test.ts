import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
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

  it('takes anvil down when the owning process is SIGKILLed (no exit handler runs)', async () => {
    const fixture = fileURLToPath(new URL('./support/anvil-then-hang.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      for await (const chunk of child.stdout) {
        out += String(chunk);
        if (out.includes('\n')) break;
      }
      const rpcUrl = out.trim();
      const alive = () =>
        fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        }).then(
          () => true,
          () => false,
        );
      expect(await alive()).toBe(true);
      child.kill('SIGKILL');
      await once(child, 'exit');
      // The watchdog notices the closed pipe and stops anvil; poll until it is gone (the test
      // timeout bounds the wait, nothing asserts on how long it takes).
      while (await alive()) await new Promise((r) => setTimeout(r, 50));
      expect(await alive()).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
