/**
 * Test chain: a real anvil with viem clients and the helpers the monitor tests need
 * (mining control, reorgs, raw transactions). Anvil's first dev account signs; its key is the
 * public, well-known anvil test key.
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type TestClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { startAnvil, type AnvilHandle, type AnvilOptions } from '../../../devnet/evm/anvil.js';

export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const satisfies readonly Hex[];

export interface TestChain {
  anvil: AnvilHandle;
  publicClient: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  test: TestClient;
  deploy(abi: Abi, bytecode: Hex, args?: readonly unknown[]): Promise<Address>;
  mine(blocks?: number): Promise<void>;
  head(): Promise<bigint>;
  stop(): Promise<void>;
}

export async function startTestChain(opts: AnvilOptions = {}): Promise<TestChain> {
  const anvil = await startAnvil(opts);
  const transport = http(anvil.rpcUrl);
  const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(DEV_KEYS[0]) });
  const test = createTestClient({ chain, transport, mode: 'anvil' });
  return {
    anvil,
    publicClient,
    wallet,
    test,
    async deploy(abi, bytecode, args = []) {
      const hash = await wallet.deployContract({ abi, bytecode, args: args as unknown[] });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (!receipt.contractAddress) throw new Error('deployment failed');
      return receipt.contractAddress;
    },
    async mine(blocks = 1) {
      await test.mine({ blocks });
    },
    async head() {
      return BigInt(await publicClient.request({ method: 'eth_blockNumber' }));
    },
    stop: () => anvil.stop(),
  };
}

/** Polls until `check` returns a truthy value (no timing is asserted: the test timeout is the guard). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 45_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
