/**
 * The resolver's EVM side: fills an order by creating the source escrow through the factory,
 * and withdraws or cancels it. Uses the chain and the committed ABIs only.
 */
import { createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { escrowFactoryAbi, escrowSrcAbi } from '../contracts/evm/artifacts.js';
import type { WireOrder } from '../client/http.js';
import { orderMessage } from '../client/sign.js';

export interface SrcImmutables {
  orderHash: Hex;
  hashlock: Hex;
  maker: Address;
  taker: Address;
  token: Address;
  amount: bigint;
  safetyDeposit: bigint;
  timelocks: bigint;
}

export interface SrcFill {
  escrow: Address;
  immutables: SrcImmutables;
  /** block.timestamp of the source escrow's creation: every timelock counts from it. */
  deployedAt: number;
  txHash: Hex;
}

export class EvmSourceChain {
  readonly account;
  /** The chain id as the relayer names it (architecture §3). */
  readonly chain: string;
  private readonly publicClient;
  private readonly wallet;

  constructor(private readonly opts: { rpcUrl: string; chainId: number; factory: Address; privateKey: Hex }) {
    this.account = privateKeyToAccount(opts.privateKey);
    this.chain = String(opts.chainId);
    const chain = {
      id: opts.chainId,
      name: `evm-${opts.chainId}`,
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [opts.rpcUrl] } },
    } as const;
    this.publicClient = createPublicClient({ chain, transport: http(opts.rpcUrl) });
    this.wallet = createWalletClient({ chain, transport: http(opts.rpcUrl), account: this.account });
  }

  async now(): Promise<number> {
    const block = await this.publicClient.getBlock({ blockTag: 'latest' });
    return Number(block.timestamp);
  }

  /** Creates the source escrow; `dstAmount` is what this resolver promises on the destination chain. */
  async fill(order: WireOrder, signature: Hex, dstAmount: bigint): Promise<SrcFill> {
    const txHash = await this.wallet.writeContract({
      address: this.opts.factory,
      abi: escrowFactoryAbi,
      functionName: 'createSrcEscrow',
      args: [orderMessage(order) as never, signature, dstAmount],
      value: BigInt(order.srcSafetyDeposit),
    });
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== 'success') throw new Error(`createSrcEscrow reverted (${txHash})`);
    const [created] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'SrcEscrowCreated' });
    if (!created) throw new Error(`no SrcEscrowCreated in ${txHash}`);
    const args = created.args as unknown as { escrow: Address; immutables: SrcImmutables };
    return { escrow: args.escrow, immutables: args.immutables, deployedAt: Number(args.immutables.timelocks >> 224n), txHash };
  }

  async withdraw(fill: SrcFill, secret: Hex): Promise<Hex> {
    return this.send(fill.escrow, 'withdraw', [secret, fill.immutables]);
  }

  async publicWithdraw(fill: SrcFill, secret: Hex): Promise<Hex> {
    return this.send(fill.escrow, 'publicWithdraw', [secret, fill.immutables]);
  }

  async cancel(fill: SrcFill): Promise<Hex> {
    return this.send(fill.escrow, 'cancel', [fill.immutables]);
  }

  async publicCancel(fill: SrcFill): Promise<Hex> {
    return this.send(fill.escrow, 'publicCancel', [fill.immutables]);
  }

  private async send(escrow: Address, functionName: 'withdraw' | 'publicWithdraw' | 'cancel' | 'publicCancel', args: unknown[]): Promise<Hex> {
    const hash = await this.wallet.writeContract({ address: escrow, abi: escrowSrcAbi, functionName, args } as never);
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash})`);
    return hash;
  }
}
