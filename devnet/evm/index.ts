/**
 * A ready EVM devnet: anvil on a free loopback port with the escrow factory and a mintable test
 * ERC-20 deployed, and the maker and resolvers funded with tokens (anvil gives every dev account
 * ETH). Used by tests and by `npm start`'s embedded default. Development only: the keys are
 * anvil's public test mnemonic.
 */
import { createPublicClient, createWalletClient, getAddress, http, toHex, type Hex } from 'viem';
import { HDKey, hdKeyToAccount, privateKeyToAccount } from 'viem/accounts';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { foundry } from 'viem/chains';
import { escrowFactoryAbi, escrowFactoryBytecode, testTokenAbi, testTokenBytecode } from '../../contracts/evm/artifacts.js';
import { startAnvil, type AnvilOptions } from './anvil.js';

/** anvil's default mnemonic; passed explicitly so the accounts never depend on anvil's defaults. */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';
/** ETH anvil gives every dev account. */
export const DEVNET_ETH_BALANCE = 10_000n * 10n ** 18n;
export const DEFAULT_RESCUE_DELAY = 30 * 24 * 3600;
export const DEFAULT_TOKEN_FUNDING = 1_000_000n * 10n ** 18n;

export interface DevnetAccount {
  address: Hex;
  privateKey: Hex;
}

/** Dev accounts by role; index i of the mnemonic in this order. */
export const DEVNET_ROLES = ['deployer', 'maker', 'resolver', 'otherResolver', 'stranger'] as const;
export type DevnetRole = (typeof DEVNET_ROLES)[number];

export interface EvmDevnetOptions extends AnvilOptions {
  /** the factory's rescue delay, seconds (default 30 days) */
  rescueDelay?: number;
  /** creation bytecode of the factory (default: the committed artifact; the mutation runner passes a mutant's) */
  factoryBytecode?: Hex;
  /** test tokens minted to the maker and each resolver (default 1,000,000e18) */
  tokenFunding?: bigint;
}

export interface EvmDevnet {
  rpcUrl: string;
  wsUrl: string;
  port: number;
  chainId: number;
  /** EscrowFactory address */
  factory: Hex;
  /** TestToken (18 decimals, open `mint`) address */
  token: Hex;
  rescueDelay: number;
  accounts: Record<DevnetRole, DevnetAccount>;
  stop(): Promise<void>;
}

// BIP-39 seed of the mnemonic, derived once: 2048 PBKDF2 rounds per account would cost seconds.
let masterKey: HDKey | undefined;
function devnetMasterKey(): HDKey {
  masterKey ??= HDKey.fromMasterSeed(
    pbkdf2(sha512, new TextEncoder().encode(DEVNET_MNEMONIC), new TextEncoder().encode('mnemonic'), { c: 2048, dkLen: 64 }),
  );
  return masterKey;
}

/** Account `index` of the devnet mnemonic (path m/44'/60'/0'/0/index, as anvil derives it). */
export function devnetAccount(index: number): DevnetAccount {
  const hd = hdKeyToAccount(devnetMasterKey(), { addressIndex: index });
  const key = hd.getHdKey().privateKey;
  if (!key) throw new Error('HD key without a private key');
  return { address: hd.address, privateKey: toHex(key) };
}

export async function startEvmDevnet(opts: EvmDevnetOptions = {}): Promise<EvmDevnet> {
  const rescueDelay = opts.rescueDelay ?? DEFAULT_RESCUE_DELAY;
  const tokenFunding = opts.tokenFunding ?? DEFAULT_TOKEN_FUNDING;
  const anvil = await startAnvil({
    ...opts,
    extraArgs: ['--mnemonic', DEVNET_MNEMONIC, '--accounts', String(DEVNET_ROLES.length), ...(opts.extraArgs ?? [])],
  });
  try {
    const accounts = Object.fromEntries(DEVNET_ROLES.map((role, i) => [role, devnetAccount(i)])) as Record<
      DevnetRole,
      DevnetAccount
    >;
    const chain = { ...foundry, id: anvil.chainId };
    const transport = http(anvil.rpcUrl);
    const client = createPublicClient({ chain, transport });
    const deployer = createWalletClient({ chain, transport, account: privateKeyToAccount(accounts.deployer.privateKey) });

    // Sent back to back with explicit nonces and awaited together: one block time at most,
    // even with interval mining.
    let nonce = await client.getTransactionCount({ address: accounts.deployer.address });
    const factoryTx = await deployer.deployContract({
      abi: escrowFactoryAbi,
      bytecode: opts.factoryBytecode ?? escrowFactoryBytecode,
      args: [BigInt(rescueDelay)],
      nonce: nonce++,
    });
    const tokenTx = await deployer.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: ['Test Token', 'TEST'],
      nonce: nonce++,
    });
    const [factoryReceipt, tokenReceipt] = await Promise.all(
      [factoryTx, tokenTx].map((hash) => client.waitForTransactionReceipt({ hash, pollingInterval: 50 })),
    );
    if (
      factoryReceipt?.status !== 'success' || !factoryReceipt.contractAddress ||
      tokenReceipt?.status !== 'success' || !tokenReceipt.contractAddress
    ) {
      throw new Error('devnet contract deployment failed');
    }
    const factory = getAddress(factoryReceipt.contractAddress);
    const token = getAddress(tokenReceipt.contractAddress);

    const mints: Hex[] = [];
    for (const role of ['maker', 'resolver', 'otherResolver'] as const) {
      mints.push(
        await deployer.writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'mint',
          args: [accounts[role].address, tokenFunding],
          nonce: nonce++,
        }),
      );
    }
    const receipts = await Promise.all(mints.map((hash) => client.waitForTransactionReceipt({ hash, pollingInterval: 50 })));
    if (receipts.some((r) => r.status !== 'success')) throw new Error('devnet token funding failed');

    return {
      rpcUrl: anvil.rpcUrl,
      wsUrl: anvil.wsUrl,
      port: anvil.port,
      chainId: anvil.chainId,
      factory,
      token,
      rescueDelay,
      accounts,
      stop: anvil.stop,
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/**
 * Lets the factory pull a devnet account's test tokens (a maker approves once before its
 * orders can be filled). Waits for the approval to be mined.
 */
export async function approveFactory(devnet: EvmDevnet, role: DevnetRole = 'maker', amount: bigint = 10n ** 30n): Promise<void> {
  const account = privateKeyToAccount(devnet.accounts[role].privateKey);
  const transport = http(devnet.rpcUrl);
  const hash = await createWalletClient({ account, transport, chain: foundry }).writeContract({
    address: devnet.token,
    abi: testTokenAbi,
    functionName: 'approve',
    args: [devnet.factory, amount],
  });
  await createPublicClient({ transport, chain: foundry }).waitForTransactionReceipt({ hash });
}
