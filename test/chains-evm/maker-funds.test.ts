/** The intake checks that read the real factory and test token on anvil: maker funds, rescue delay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, zeroAddress } from 'viem';
import { startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { escrowFactoryAbi, testTokenAbi } from '../../contracts/evm/artifacts.js';
import { checkMakerFunds, MakerFundsInputError } from '../../src/chains/evm/maker-funds.js';
import { readRescueDelay, RescueDelayUnavailableError } from '../../src/chains/evm/rescue-delay.js';
import { clientsFor } from './support/escrows.js';

let devnet: EvmDevnet;
beforeAll(async () => {
  devnet = await startEvmDevnet({ tokenFunding: 1_000n, rescueDelay: 86_400 + 7 });
});
afterAll(async () => {
  await devnet?.stop();
});

describe('checkMakerFunds', () => {
  it('checks ERC-20 balance first, then the allowance to the factory', async () => {
    const c = clientsFor(devnet);
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const maker = devnet.accounts.maker.address;
    const q = { token: devnet.token, maker, spender: devnet.factory, amount: 600n };

    expect(await checkMakerFunds(client, q)).toEqual({ ok: false, code: 'INSUFFICIENT_ALLOWANCE', have: 0n, need: 600n });
    expect(await checkMakerFunds(client, { ...q, amount: 1_001n })).toEqual({ ok: false, code: 'INSUFFICIENT_BALANCE', have: 1_000n, need: 1_001n });

    await c.wait(await c.walletOf('maker').writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.factory, 599n] }));
    expect(await checkMakerFunds(client, q)).toEqual({ ok: false, code: 'INSUFFICIENT_ALLOWANCE', have: 599n, need: 600n });
    // An allowance to someone else does not count.
    await c.wait(await c.walletOf('maker').writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.accounts.stranger.address, 10n ** 30n] }));
    expect(await checkMakerFunds(client, q)).toEqual({ ok: false, code: 'INSUFFICIENT_ALLOWANCE', have: 599n, need: 600n });

    await c.wait(await c.walletOf('maker').writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.factory, 600n] }));
    expect(await checkMakerFunds(client, q)).toEqual({ ok: true });
    // Lower-case addresses are accepted as well.
    expect(await checkMakerFunds(client, { ...q, token: devnet.token.toLowerCase(), maker: maker.toLowerCase() })).toEqual({ ok: true });
  });

  it('for native ETH checks the maker deposit held by the factory, not the wallet balance', async () => {
    const c = clientsFor(devnet);
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const q = { token: zeroAddress, maker: devnet.accounts.maker.address, spender: devnet.factory, amount: 10n ** 18n };
    // The maker holds thousands of ETH in the wallet, but nothing deposited.
    expect(await checkMakerFunds(client, q)).toEqual({ ok: false, code: 'INSUFFICIENT_BALANCE', have: 0n, need: 10n ** 18n });
    await c.wait(await c.walletOf('maker').writeContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'depositNative', value: 10n ** 18n }));
    expect(await checkMakerFunds(client, q)).toEqual({ ok: true });
    expect(await checkMakerFunds(client, { ...q, amount: 10n ** 18n + 1n })).toEqual({ ok: false, code: 'INSUFFICIENT_BALANCE', have: 10n ** 18n, need: 10n ** 18n + 1n });
  });

  it('rejects malformed queries with a stable code before touching the chain', async () => {
    const client = createPublicClient({ transport: http('http://127.0.0.1:9') }); // nothing listens: any call would fail differently
    const good = { token: zeroAddress, maker: zeroAddress, spender: zeroAddress, amount: 1n };
    for (const bad of [{ ...good, token: 'lovelace' }, { ...good, maker: '0x123' }, { ...good, spender: '' }, { ...good, amount: 0n }, { ...good, amount: -5n }]) {
      await expect(checkMakerFunds(client, bad)).rejects.toMatchObject({ code: 'INVALID_MAKER_FUNDS_QUERY' });
      await expect(checkMakerFunds(client, bad)).rejects.toBeInstanceOf(MakerFundsInputError);
    }
  });
});

describe('readRescueDelay', () => {
  it('reads the RESCUE_DELAY the factory was deployed with', async () => {
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    expect(await readRescueDelay(client, devnet.factory)).toBe(86_400 + 7);
  });

  it('names the factory when the address is no factory (a wrong EVM_ESCROW_FACTORY)', async () => {
    const client = createPublicClient({ transport: http(devnet.rpcUrl) });
    const err = await readRescueDelay(client, devnet.token, { attempts: 2, delayMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RescueDelayUnavailableError);
    expect((err as Error).message).toContain(devnet.token);
  });
});
