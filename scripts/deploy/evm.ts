/**
 * Deploys the EscrowFactory (which deploys its EscrowSrc/EscrowDst implementations) with the
 * deployer's key and reports the relayer settings: factory address, chain id, start block.
 */
import { createPublicClient, createWalletClient, defineChain, getAddress, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { escrowFactoryAbi, escrowFactoryBytecode } from '../../contracts/evm/artifacts.js';
import { DeployError } from './key-file.js';

export interface EvmDeployOptions {
  rpcUrl: string;
  privateKey: string;
  /** Seconds after which a stuck escrow's funds may be rescued by its taker. */
  rescueDelay: number;
  /** How long to wait for the receipt. */
  timeoutMs?: number;
}

export interface EvmDeployment {
  chainId: number;
  factory: Hex;
  srcImplementation: Hex;
  dstImplementation: Hex;
  deployer: Hex;
  txHash: Hex;
  /** The block of the deployment: the monitor's EVM_START_BLOCK. */
  block: bigint;
  rescueDelay: number;
}

export async function deployEvm(opts: EvmDeployOptions): Promise<EvmDeployment> {
  const transport = http(opts.rpcUrl, { timeout: 30_000 });
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [opts.rpcUrl] } },
  });
  const account = privateKeyToAccount(`0x${opts.privateKey}`);
  const client = createPublicClient({ chain, transport });
  const wallet = createWalletClient({ chain, transport, account });
  const balance = await client.getBalance({ address: account.address });
  if (balance === 0n) throw new DeployError('DEPLOYER_UNFUNDED', `the deployer ${account.address} has no ETH on chain ${chainId}`);

  const txHash = await wallet.deployContract({ abi: escrowFactoryAbi, bytecode: escrowFactoryBytecode, args: [BigInt(opts.rescueDelay)] });
  const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: opts.timeoutMs ?? 300_000 });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new DeployError('DEPLOY_REVERTED', `the factory deployment ${txHash} reverted in block ${receipt.blockNumber}`);
  }
  const factory = getAddress(receipt.contractAddress);
  const read = <T>(functionName: 'ESCROW_SRC_IMPLEMENTATION' | 'ESCROW_DST_IMPLEMENTATION' | 'RESCUE_DELAY') =>
    client.readContract({ address: factory, abi: escrowFactoryAbi, functionName }) as Promise<T>;
  const [src, dst, delay] = await Promise.all([read<Hex>('ESCROW_SRC_IMPLEMENTATION'), read<Hex>('ESCROW_DST_IMPLEMENTATION'), read<bigint>('RESCUE_DELAY')]);
  if (delay !== BigInt(opts.rescueDelay)) throw new DeployError('DEPLOY_MISMATCH', `the factory reports RESCUE_DELAY ${delay}, expected ${opts.rescueDelay}`);
  return {
    chainId,
    factory,
    srcImplementation: getAddress(src),
    dstImplementation: getAddress(dst),
    deployer: account.address,
    txHash,
    block: receipt.blockNumber,
    rescueDelay: opts.rescueDelay,
  };
}
