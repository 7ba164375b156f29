/**
 * Drives the real contracts on the EVM devnet the way makers and resolvers do: a maker-signed
 * order filled into a source escrow, a resolver-funded destination escrow, withdrawals,
 * cancellations, rescues and nonce invalidation. Returns what the monitor should report.
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  zeroAddress,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { escrowDstAbi, escrowFactoryAbi, escrowSrcAbi, testTokenAbi } from '../../../contracts/evm/artifacts.js';
import type { EvmDevnet } from '../../../devnet/evm/index.js';
import { orderMessage, orderTypedData } from '../../../src/domain/eip712.js';
import type { Order, Timelocks } from '../../../src/domain/order.js';
import { factoryEventsAbi } from '../../../src/chains/evm/abi.js';

export const TIMELOCKS: Timelocks = {
  srcWithdrawal: 10,
  srcPublicWithdrawal: 100,
  srcCancellation: 1_000,
  srcPublicCancellation: 1_100,
  dstWithdrawal: 10,
  dstPublicWithdrawal: 90,
  dstCancellation: 900,
};

export type Devnet = EvmDevnet;

export function clientsFor(devnet: EvmDevnet) {
  const chain = { ...foundry, id: devnet.chainId, rpcUrls: { default: { http: [devnet.rpcUrl] } } };
  const transport = http(devnet.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const walletOf = (role: keyof EvmDevnet['accounts']) =>
    createWalletClient({ chain, transport, account: privateKeyToAccount(devnet.accounts[role].privateKey) });
  const test = createTestClient({ chain, transport, mode: 'anvil' });
  const wait = async (hash: Hex): Promise<TransactionReceipt> => {
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return r;
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  /** Moves chain time forward and mines a block at the new time. */
  const advance = async (seconds: number) => {
    await test.increaseTime({ seconds });
    await test.mine({ blocks: 1 });
  };
  return { publicClient, walletOf, test, wait, now, advance };
}

export interface SrcFill {
  order: Order;
  secret: Hex;
  escrow: Address;
  orderHash: Hex;
  immutables: {
    orderHash: Hex; hashlock: Hex; maker: Address; taker: Address; token: Address;
    amount: bigint; safetyDeposit: bigint; timelocks: bigint;
  };
  receipt: TransactionReceipt;
}

let saltCounter = 1n;

/** The maker signs an order selling `amount` test tokens; the resolver fills it. */
export async function fillSrcEscrow(devnet: EvmDevnet, opts: { amount?: bigint; nonce?: bigint } = {}): Promise<SrcFill> {
  const c = clientsFor(devnet);
  const maker = c.walletOf('maker');
  const resolver = c.walletOf('resolver');
  const secret = keccak256(`0x${(saltCounter + 1000n).toString(16).padStart(64, '0')}`);
  const amount = opts.amount ?? 10n ** 18n;
  const start = await c.now();
  const order: Order = {
    srcChain: String(devnet.chainId),
    dstChain: 'cardano:devnet',
    maker: devnet.accounts.maker.address,
    receiver: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
    makerAsset: devnet.token,
    makingAmount: amount,
    takerAsset: 'lovelace',
    auction: { startTime: start, duration: 600, startAmount: 5_000_000n, endAmount: 4_000_000n, points: [] },
    hashlock: keccak256(secret),
    timelocks: TIMELOCKS,
    srcSafetyDeposit: 10n ** 15n,
    dstSafetyDeposit: 2_000_000n,
    nonce: opts.nonce ?? saltCounter,
    salt: saltCounter++,
    expiry: start + 3_600,
  };
  await c.wait(await maker.writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.factory, amount] }));
  const signature = await maker.signTypedData(orderTypedData(order, devnet.chainId, devnet.factory));
  const receipt = await c.wait(
    await resolver.writeContract({
      address: devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'createSrcEscrow',
      args: [orderMessage(order), signature, order.auction.startAmount],
      value: order.srcSafetyDeposit,
    }),
  );
  const [created] = parseEventLogs({ abi: factoryEventsAbi, eventName: 'SrcEscrowCreated', logs: receipt.logs });
  if (!created) throw new Error('no SrcEscrowCreated in the fill receipt');
  return { order, secret, escrow: created.args.escrow, orderHash: created.args.orderHash, immutables: created.args.immutables, receipt };
}

export async function withdrawSrc(devnet: EvmDevnet, fill: SrcFill): Promise<TransactionReceipt> {
  const c = clientsFor(devnet);
  const deployedAt = Number(fill.immutables.timelocks >> 224n);
  const wait = deployedAt + TIMELOCKS.srcWithdrawal - (await c.now());
  if (wait > 0) await c.advance(wait);
  return c.wait(
    await c.walletOf('resolver').writeContract({ address: fill.escrow, abi: escrowSrcAbi, functionName: 'withdraw', args: [fill.secret, fill.immutables] }),
  );
}

export interface DstFill {
  escrow: Address;
  secret: Hex;
  immutables: {
    orderHash: Hex; hashlock: Hex; receiver: Address; taker: Address; token: Address; amount: bigint;
    safetyDeposit: bigint; withdrawalAt: bigint; publicWithdrawalAt: bigint; cancellationAt: bigint;
  };
  receipt: TransactionReceipt;
}

/** The resolver funds a native-ETH destination escrow paying the maker. */
export async function createDstEscrow(devnet: EvmDevnet, orderHash: Hex): Promise<DstFill> {
  const c = clientsFor(devnet);
  const resolver = c.walletOf('resolver');
  const secret = keccak256(orderHash);
  const t = await c.now();
  const immutables = {
    orderHash,
    hashlock: keccak256(secret),
    receiver: devnet.accounts.maker.address,
    taker: devnet.accounts.resolver.address,
    token: zeroAddress as Address,
    amount: 3n * 10n ** 17n,
    safetyDeposit: 10n ** 15n,
    withdrawalAt: BigInt(t + TIMELOCKS.dstWithdrawal),
    publicWithdrawalAt: BigInt(t + TIMELOCKS.dstPublicWithdrawal),
    cancellationAt: BigInt(t + TIMELOCKS.dstCancellation),
  };
  const receipt = await c.wait(
    await resolver.writeContract({
      address: devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'createDstEscrow',
      args: [immutables],
      value: immutables.amount + immutables.safetyDeposit,
    }),
  );
  const [created] = parseEventLogs({ abi: factoryEventsAbi, eventName: 'DstEscrowCreated', logs: receipt.logs });
  if (!created) throw new Error('no DstEscrowCreated in the receipt');
  return { escrow: created.args.escrow, secret, immutables, receipt };
}

/** Past the cancellation time (+ the rescue delay): cancel, then rescue a stray deposit. */
export async function cancelAndRescueDst(devnet: EvmDevnet, dst: DstFill): Promise<{ cancel: TransactionReceipt; rescue: TransactionReceipt }> {
  const c = clientsFor(devnet);
  const resolver = c.walletOf('resolver');
  const wait = Number(dst.immutables.cancellationAt) - (await c.now());
  if (wait > 0) await c.advance(wait);
  const cancel = await c.wait(await resolver.writeContract({ address: dst.escrow, abi: escrowDstAbi, functionName: 'cancel', args: [dst.immutables] }));
  // Someone sends tokens to the settled escrow by mistake; after the rescue delay the taker recovers them.
  await c.wait(await resolver.writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [dst.escrow, 12_345n] }));
  await c.advance(devnet.rescueDelay + 1);
  const rescue = await c.wait(
    await resolver.writeContract({ address: dst.escrow, abi: escrowDstAbi, functionName: 'rescueFunds', args: [devnet.token, 12_345n, dst.immutables] }),
  );
  return { cancel, rescue };
}

export async function invalidateNonce(devnet: EvmDevnet, nonce: bigint): Promise<TransactionReceipt> {
  const c = clientsFor(devnet);
  return c.wait(await c.walletOf('maker').writeContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'invalidateNonce', args: [nonce] }));
}

export function eventId(chainId: number, receipt: TransactionReceipt, logIndex: number): string {
  return `${chainId}:${receipt.transactionHash}:${logIndex}`;
}
