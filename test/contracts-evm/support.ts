/**
 * Shared set-up of the EVM contract tests: one devnet (anvil + factory + token) per test file,
 * an anvil snapshot taken before and reverted after every test, exact block timestamps, and
 * helpers that build, sign and fill orders the way a maker and a resolver would.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  BaseError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  encodeFunctionData,
  http,
  keccak256,
  parseEventLogs,
  toHex,
  getAddress,
  type Abi,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  erc1271WalletAbi,
  escrowDstAbi,
  escrowFactoryAbi,
  escrowSrcAbi,
  feeOnTransferTokenAbi,
  testTokenAbi,
} from '../../contracts/evm/artifacts.js';
import { DEVNET_ROLES, startEvmDevnet, type DevnetRole, type EvmDevnet } from '../../devnet/evm/index.js';
import { orderHash, orderMessage, orderTypedData } from '../../src/domain/eip712.js';
import type { Order, Timelocks } from '../../src/domain/order.js';

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as const;
export const RESCUE_DELAY = 30 * 24 * 3600;
export const E18 = 10n ** 18n;

/** Every custom error any of our contracts (or the tokens they call) can revert with. */
const ALL_ERRORS_ABI = [
  ...escrowFactoryAbi,
  ...escrowSrcAbi,
  ...escrowDstAbi,
  ...testTokenAbi,
  ...feeOnTransferTokenAbi,
].filter((x) => x.type === 'error');

export type Wallet = WalletClient<HttpTransport, typeof foundry, PrivateKeyAccount>;

export interface Chain {
  devnet: EvmDevnet;
  client: PublicClient;
  test: TestClient<'anvil'>;
  wallets: Record<DevnetRole, Wallet>;
  /** address of each role */
  addr: Record<DevnetRole, Hex>;
  /** timestamp of the latest block when the test began: tests schedule everything relative to it */
  now: number;
}

/**
 * The factory under test: the committed artifact, or the artifact JSON named by EVM_FACTORY_ARTIFACT
 * (how `npm run mutate` runs these tests against a mutant of the contracts). The ABI is the committed one.
 */
function factoryBytecodeUnderTest(): Hex | undefined {
  const file = process.env.EVM_FACTORY_ARTIFACT;
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { bytecode: Hex }).bytecode : undefined;
}

/** Registers the per-file devnet and per-test snapshot hooks; the returned object is filled in beforeAll. */
export function useChain(): Chain {
  const chain = {} as Chain;
  let snapshot: Hex | undefined;
  beforeAll(async () => {
    chain.devnet = await startEvmDevnet({ rescueDelay: RESCUE_DELAY, factoryBytecode: factoryBytecodeUnderTest() });
    const transport = http(chain.devnet.rpcUrl);
    chain.client = createPublicClient({ chain: foundry, transport });
    chain.test = createTestClient({ chain: foundry, transport, mode: 'anvil' });
    const wallets: Partial<Record<DevnetRole, Wallet>> = {};
    for (const role of DEVNET_ROLES) {
      wallets[role] = createWalletClient({
        chain: foundry,
        transport,
        account: privateKeyToAccount(chain.devnet.accounts[role].privateKey),
      });
    }
    chain.wallets = wallets as Chain['wallets'];
    chain.addr = Object.fromEntries(DEVNET_ROLES.map((r) => [r, chain.devnet.accounts[r].address])) as Chain['addr'];
  });
  afterAll(async () => {
    await chain.devnet?.stop();
  });
  beforeEach(async () => {
    snapshot = await chain.test.snapshot();
    // Mining one block at an exact time re-anchors anvil's clock, whatever earlier tests set.
    chain.now = Number((await chain.client.getBlock()).timestamp) + 1;
    await chain.test.setNextBlockTimestamp({ timestamp: BigInt(chain.now) });
    await chain.test.mine({ blocks: 1 });
  });
  afterEach(async () => {
    if (snapshot) await chain.test.revert({ id: snapshot });
  });
  return chain;
}

export interface Tx {
  address: Hex;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
}

/**
 * Sends `tx` from `role` in the next block, mined at unix second `at` if given. The call is first
 * simulated against that pending block, so a revert surfaces as a `Reverted` error carrying the
 * custom error's name; otherwise the transaction is mined and must succeed.
 */
export async function send(chain: Chain, role: DevnetRole, tx: Tx, at?: number): Promise<TransactionReceipt> {
  await pinNextBlockTime(chain, at);
  const wallet = chain.wallets[role];
  const data = encodeFunctionData({ abi: tx.abi, functionName: tx.functionName, args: tx.args ?? [] } as never);
  try {
    await chain.client.call({ account: wallet.account, to: tx.address, data, value: tx.value, blockTag: 'pending' });
  } catch (err) {
    throw new Reverted(revertName(err), err);
  }
  const hash = await wallet.sendTransaction({
    to: tx.address,
    data,
    value: tx.value,
    gas: 5_000_000n,
  });
  const receipt = await chain.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  expect(receipt.status).toBe('success');
  return receipt;
}

/**
 * Every block a test mines gets an explicit time: `at`, or one second after the latest block.
 * Left to anvil's wall clock, set-up transactions could land after the times a test schedules.
 */
async function pinNextBlockTime(chain: Chain, at?: number): Promise<void> {
  const next = at ?? Number((await chain.client.getBlock()).timestamp) + 1;
  await chain.test.setNextBlockTimestamp({ timestamp: BigInt(next) });
}

export class Reverted extends Error {
  constructor(
    readonly errorName: string,
    cause: unknown,
  ) {
    super(`reverted with ${errorName}`, { cause });
  }
}

function revertName(err: unknown): string {
  if (!(err instanceof BaseError)) throw err;
  const withData = err.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data?: Hex } | null;
  const data = withData?.data;
  if (!data || data === '0x') return 'EmptyRevert';
  try {
    return decodeErrorResult({ abi: ALL_ERRORS_ABI, data }).errorName;
  } catch {
    return `UnknownRevert(${data.slice(0, 10)})`;
  }
}

/** Awaits `p` and asserts it reverted with the custom error `name`. */
export async function expectRevert(p: Promise<unknown>, name: string): Promise<void> {
  const outcome = await p.then(
    () => 'succeeded',
    (e: unknown) => (e instanceof Reverted ? e.errorName : `threw ${String(e)}`),
  );
  expect(outcome).toBe(name);
}

// ------------------------------------------------------------------ orders

export const TIMELOCKS: Timelocks = {
  srcWithdrawal: 60,
  srcPublicWithdrawal: 600,
  srcCancellation: 1200,
  srcPublicCancellation: 1800,
  dstWithdrawal: 30,
  dstPublicWithdrawal: 300,
  dstCancellation: 900,
};

let saltCounter = 1n;

/** A valid order of `maker` selling 100 test tokens, priced by an auction starting at `start`. */
export function makeOrder(chain: Chain, overrides: Partial<Order> = {}): Order {
  const secret = overrides.hashlock ? undefined : secretFor(saltCounter);
  return {
    srcChain: '31337',
    dstChain: 'cardano:devnet',
    maker: chain.addr.maker,
    receiver: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
    makerAsset: chain.devnet.token,
    makingAmount: 100n * E18,
    takerAsset: 'lovelace',
    auction: { startTime: chain.now + 100, duration: 600, startAmount: 2_000_000n, endAmount: 1_000_000n, points: [] },
    hashlock: secret ? keccak256(secret) : (overrides.hashlock as Hex),
    timelocks: { ...TIMELOCKS },
    srcSafetyDeposit: 10n ** 16n,
    dstSafetyDeposit: 2_000_000n,
    nonce: 1n,
    salt: saltCounter++,
    expiry: chain.now + 3600,
    ...overrides,
  };
}

/** A deterministic 32-byte secret; its keccak256 is the order's hashlock. */
export function secretFor(n: bigint): Hex {
  return toHex(n + 0xabcdefn, { size: 32 });
}

export function secretOf(order: Order): Hex {
  const secret = secretFor(order.salt);
  if (keccak256(secret) !== order.hashlock) throw new Error('order was not built with the default secret');
  return secret;
}

/** The order as the factory's `Order` tuple (the EIP-712 message has exactly its field names). */
export const toContractOrder = orderMessage;

export async function signOrder(
  chain: Chain,
  order: Order,
  signer: DevnetRole = 'maker',
  domain: { chainId?: number; verifyingContract?: Hex } = {},
): Promise<Hex> {
  const typed = orderTypedData(order, domain.chainId ?? chain.devnet.chainId, domain.verifyingContract ?? chain.devnet.factory);
  return chain.wallets[signer].signTypedData(typed);
}

export function hashOf(chain: Chain, order: Order): Hex {
  return orderHash(order, chain.devnet.chainId, chain.devnet.factory);
}

export async function approve(chain: Chain, role: DevnetRole, amount: bigint, token: Hex = chain.devnet.token): Promise<void> {
  await send(chain, role, { address: token, abi: testTokenAbi, functionName: 'approve', args: [chain.devnet.factory, amount] });
}

export interface SrcImmutables {
  orderHash: Hex;
  hashlock: Hex;
  maker: Hex;
  taker: Hex;
  token: Hex;
  amount: bigint;
  safetyDeposit: bigint;
  timelocks: bigint;
}

export interface DstImmutables {
  orderHash: Hex;
  hashlock: Hex;
  receiver: Hex;
  taker: Hex;
  token: Hex;
  amount: bigint;
  safetyDeposit: bigint;
  withdrawalAt: bigint;
  publicWithdrawalAt: bigint;
  cancellationAt: bigint;
}

export interface SrcFill {
  receipt: TransactionReceipt;
  escrow: Hex;
  immutables: SrcImmutables;
  dst: { chain: string; receiver: string; asset: string; amount: bigint; safetyDeposit: bigint };
  deployedAt: number;
}

/** Fills `order` from `taker` at unix second `at` with `dstAmount` (default: the auction's start amount). */
export async function fillOrder(
  chain: Chain,
  order: Order,
  opts: { signature?: Hex; dstAmount?: bigint; at?: number; taker?: DevnetRole; value?: bigint } = {},
): Promise<SrcFill> {
  const signature = opts.signature ?? (await signOrder(chain, order));
  const receipt = await send(
    chain,
    opts.taker ?? 'resolver',
    {
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'createSrcEscrow',
      args: [toContractOrder(order), signature, opts.dstAmount ?? order.auction.startAmount],
      value: opts.value ?? order.srcSafetyDeposit,
    },
    opts.at,
  );
  const [event] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'SrcEscrowCreated' });
  if (!event) throw new Error('no SrcEscrowCreated event');
  const block = await chain.client.getBlock({ blockNumber: receipt.blockNumber });
  return {
    receipt,
    escrow: event.args.escrow,
    immutables: event.args.immutables as SrcImmutables,
    dst: event.args.dst,
    deployedAt: Number(block.timestamp),
  };
}

/** Deploys a contract from the deployer account; returns its checksummed address. */
export async function deploy(chain: Chain, params: { abi: Abi; bytecode: Hex; args?: readonly unknown[] }): Promise<Hex> {
  await pinNextBlockTime(chain);
  const hash = await chain.wallets.deployer.deployContract(params as never);
  const receipt = await chain.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (!receipt.contractAddress) throw new Error('deployment failed');
  return getAddress(receipt.contractAddress);
}

export async function tokenBalance(chain: Chain, who: Hex, token: Hex = chain.devnet.token): Promise<bigint> {
  return chain.client.readContract({ address: token, abi: testTokenAbi, functionName: 'balanceOf', args: [who] });
}

export async function ethBalance(chain: Chain, who: Hex): Promise<bigint> {
  return chain.client.getBalance({ address: who });
}

/** ETH spent on gas by a receipt's sender. */
export function gasCost(r: TransactionReceipt): bigint {
  return r.gasUsed * r.effectiveGasPrice;
}

export { erc1271WalletAbi, escrowDstAbi, escrowFactoryAbi, escrowSrcAbi, feeOnTransferTokenAbi, testTokenAbi };

/** Runs `fn` inside its own anvil snapshot, so several outcomes can be tried from one state. */
export async function tryFrom<T>(chain: Chain, fn: () => Promise<T>): Promise<T> {
  const id = await chain.test.snapshot();
  try {
    return await fn();
  } finally {
    await chain.test.revert({ id });
  }
}

/** Hashlocked fill helper for the escrow tests: an approved maker, an order, its fill at `now + 200`. */
export async function filledOrder(chain: Chain, overrides: Partial<Order> = {}): Promise<{ order: Order; fill: SrcFill; secret: Hex }> {
  const order = makeOrder(chain, overrides);
  if (order.makerAsset === ZERO_ADDRESS) {
    await send(chain, 'maker', {
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'depositNative',
      value: order.makingAmount,
    });
  } else {
    await approve(chain, 'maker', order.makingAmount, order.makerAsset as Hex);
  }
  const fill = await fillOrder(chain, order, { at: chain.now + 200 });
  return { order, fill, secret: secretOf(order) };
}
