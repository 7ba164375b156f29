import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type PublicClient } from 'viem';
import { foundry } from 'viem/chains';
import { privateKeyToAccount } from 'viem/accounts';
import { escrowFactoryAbi, testTokenAbi } from '../../contracts/evm/artifacts.js';
import { DEFAULT_TOKEN_FUNDING, DEVNET_ETH_BALANCE, startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';

describe('startEvmDevnet', () => {
  let devnet: EvmDevnet;
  let client: PublicClient;

  beforeAll(async () => {
    devnet = await startEvmDevnet({ rescueDelay: 3600 });
    client = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it('deploys the factory with its escrow implementations and the requested rescue delay', async () => {
    expect(devnet.chainId).toBe(31337);
    const [src, dst, delay] = await Promise.all([
      client.readContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'ESCROW_SRC_IMPLEMENTATION' }),
      client.readContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'ESCROW_DST_IMPLEMENTATION' }),
      client.readContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'RESCUE_DELAY' }),
    ]);
    expect(await client.getCode({ address: src })).toMatch(/^0x[0-9a-f]{100,}$/);
    expect(await client.getCode({ address: dst })).toMatch(/^0x[0-9a-f]{100,}$/);
    expect(delay).toBe(3600n);
  });

  it('deploys an 18-decimal token and funds the maker and resolvers with tokens and ETH', async () => {
    expect(await client.readContract({ address: devnet.token, abi: testTokenAbi, functionName: 'decimals' })).toBe(18);
    for (const role of ['maker', 'resolver', 'otherResolver'] as const) {
      const { address } = devnet.accounts[role];
      const balance = await client.readContract({
        address: devnet.token,
        abi: testTokenAbi,
        functionName: 'balanceOf',
        args: [address],
      });
      expect(balance).toBe(DEFAULT_TOKEN_FUNDING);
      expect(await client.getBalance({ address })).toBe(DEVNET_ETH_BALANCE);
    }
  });

  it('hands out distinct accounts whose private keys match their addresses', () => {
    const all = Object.values(devnet.accounts);
    expect(new Set(all.map((a) => a.address)).size).toBe(all.length);
    for (const a of all) expect(privateKeyToAccount(a.privateKey).address).toBe(a.address);
  });
});
