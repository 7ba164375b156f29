/**
 * EscrowFactory.createSrcEscrow: the EIP-712 order, its signature and every rule a fill must pass.
 */
import { describe, expect, it } from 'vitest';
import { parseEventLogs, type Hex } from 'viem';
import { packTimelocks } from '../../src/domain/timelocks.js';
import {
  approve,
  deploy,
  E18,
  erc1271WalletAbi,
  escrowFactoryAbi,
  expectRevert,
  feeOnTransferTokenAbi,
  fillOrder,
  hashOf,
  makeOrder,
  RESCUE_DELAY,
  send,
  signOrder,
  testTokenAbi,
  toContractOrder,
  tokenBalance,
  useChain,
  ethBalance,
  gasCost,
  ZERO_ADDRESS,
} from './support.js';
import { erc1271WalletBytecode, feeOnTransferTokenBytecode } from '../../contracts/evm/artifacts.js';

const chain = useChain();

describe('order hash and signature', () => {
  it('hashOrder equals orderHash() of src/domain/eip712.ts, with and without auction points', async () => {
    const plain = makeOrder(chain);
    const withPoints = makeOrder(chain, {
      dstChain: 'cardano:preprod',
      receiver: 'addr_test1qpunicode✓',
      auction: {
        startTime: 1_700_000_000,
        duration: 900,
        startAmount: 5_000n,
        endAmount: 1_000n,
        points: [
          { offset: 100, amount: 4_000n },
          { offset: 500, amount: 4_000n },
          { offset: 800, amount: 1_500n },
        ],
      },
    });
    for (const order of [plain, withPoints]) {
      const onChain = await chain.client.readContract({
        address: chain.devnet.factory,
        abi: escrowFactoryAbi,
        functionName: 'hashOrder',
        args: [toContractOrder(order)],
      });
      expect(onChain).toBe(hashOf(chain, order));
    }
    // Changing any signed field changes the hash.
    expect(hashOf(chain, { ...plain, receiver: plain.receiver + 'x' })).not.toBe(hashOf(chain, plain));
  });

  it('accepts an order signed with viem signTypedData(orderTypedData()) and moves the tokens into the escrow', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', order.makingAmount);
    const makerBefore = await tokenBalance(chain, chain.addr.maker);
    const fill = await fillOrder(chain, order, { at: chain.now + 200 });

    expect(fill.immutables).toEqual({
      orderHash: hashOf(chain, order),
      hashlock: order.hashlock,
      maker: chain.addr.maker,
      taker: chain.addr.resolver,
      token: chain.devnet.token,
      amount: order.makingAmount,
      safetyDeposit: order.srcSafetyDeposit,
      timelocks: packTimelocks(order.timelocks, chain.now + 200),
    });
    expect(fill.dst).toEqual({
      chain: order.dstChain,
      receiver: order.receiver,
      asset: order.takerAsset,
      amount: order.auction.startAmount,
      safetyDeposit: order.dstSafetyDeposit,
    });
    const predicted = await chain.client.readContract({
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'addressOfEscrowSrc',
      args: [fill.immutables],
    });
    expect(fill.escrow).toBe(predicted);
    expect(await tokenBalance(chain, fill.escrow)).toBe(order.makingAmount);
    expect(await ethBalance(chain, fill.escrow)).toBe(order.srcSafetyDeposit);
    expect(await tokenBalance(chain, chain.addr.maker)).toBe(makerBefore - order.makingAmount);
    expect(
      await chain.client.readContract({
        address: chain.devnet.factory,
        abi: escrowFactoryAbi,
        functionName: 'filled',
        args: [hashOf(chain, order)],
      }),
    ).toBe(true);
  });

  it('refuses a forged signature (signed by someone other than the maker)', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', order.makingAmount);
    const forged = await signOrder(chain, order, 'stranger');
    await expectRevert(fillOrder(chain, order, { signature: forged, at: chain.now + 200 }), 'InvalidSignature');
    // A valid signature over a different order does not authorise this one either.
    const other = await signOrder(chain, { ...order, makingAmount: order.makingAmount - 1n });
    await expectRevert(fillOrder(chain, order, { signature: other, at: chain.now + 200 }), 'InvalidSignature');
  });

  it('refuses a signature made for another chain id or another factory', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', order.makingAmount);
    const otherChain = await signOrder(chain, order, 'maker', { chainId: 1 });
    await expectRevert(fillOrder(chain, order, { signature: otherChain, at: chain.now + 200 }), 'InvalidSignature');
    const otherFactory = await signOrder(chain, order, 'maker', {
      verifyingContract: '0x1111111111111111111111111111111111111111',
    });
    await expectRevert(fillOrder(chain, order, { signature: otherFactory, at: chain.now + 300 }), 'InvalidSignature');
  });

  it('refuses a replayed signature: an order fills once', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', 2n * order.makingAmount);
    const signature = await signOrder(chain, order);
    await fillOrder(chain, order, { signature, at: chain.now + 200 });
    await expectRevert(
      fillOrder(chain, order, { signature, at: chain.now + 300, taker: 'otherResolver' }),
      'OrderAlreadyFilled',
    );
  });

  it('accepts an ERC-1271 contract maker whose owner signed', async () => {
    const wallet = await deploy(chain, { abi: erc1271WalletAbi, bytecode: erc1271WalletBytecode, args: [chain.addr.maker] });
    await send(chain, 'deployer', {
      address: chain.devnet.token,
      abi: feeOnTransferTokenAbi, // any ERC-20 ABI with mint(address,uint256)
      functionName: 'mint',
      args: [wallet, 100n * E18],
    });
    await send(chain, 'maker', {
      address: wallet,
      abi: erc1271WalletAbi,
      functionName: 'approve',
      args: [chain.devnet.token, chain.devnet.factory, 100n * E18],
    });
    const order = makeOrder(chain, { maker: wallet });
    const byOwner = await signOrder(chain, order, 'maker');
    const byStranger = await signOrder(chain, order, 'stranger');
    await expectRevert(fillOrder(chain, order, { signature: byStranger, at: chain.now + 200 }), 'InvalidSignature');
    const fill = await fillOrder(chain, order, { signature: byOwner, at: chain.now + 201 });
    expect(fill.immutables.maker).toBe(wallet);
    expect(await tokenBalance(chain, fill.escrow)).toBe(order.makingAmount);
  });
});

describe('fill rules', () => {
  it('invalidateNonce emits NonceInvalidated and blocks every order with that nonce', async () => {
    const order = makeOrder(chain, { nonce: 77n });
    await approve(chain, 'maker', order.makingAmount);
    const receipt = await send(chain, 'maker', {
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'invalidateNonce',
      args: [77n],
    });
    const [event] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'NonceInvalidated' });
    expect(event?.args).toEqual({ maker: chain.addr.maker, nonce: 77n });
    await expectRevert(fillOrder(chain, order, { at: chain.now + 200 }), 'InvalidatedNonce');
    // Another maker's nonce 77 is unaffected; the same maker's nonce 78 too.
    const other = makeOrder(chain, { nonce: 78n });
    await fillOrder(chain, other, { at: chain.now + 201 });
  });

  it('accepts a fill at block.timestamp == expiry and refuses one a second later', async () => {
    const order = makeOrder(chain, { expiry: chain.now + 500 });
    await approve(chain, 'maker', order.makingAmount);
    await expectRevert(fillOrder(chain, order, { at: chain.now + 501 }), 'OrderExpired');
    const fill = await fillOrder(chain, order, { at: chain.now + 500 });
    expect(fill.deployedAt).toBe(order.expiry);
  });

  it('requires msg.value to equal the source safety deposit', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', order.makingAmount);
    await expectRevert(fillOrder(chain, order, { value: order.srcSafetyDeposit - 1n, at: chain.now + 200 }), 'InvalidMsgValue');
    await expectRevert(fillOrder(chain, order, { value: order.srcSafetyDeposit + 1n, at: chain.now + 200 }), 'InvalidMsgValue');
  });

  it('refuses timelocks out of the architecture §6 order, including dstCancellation >= srcCancellation', async () => {
    const base = makeOrder(chain).timelocks;
    const broken = [
      { ...base, srcWithdrawal: base.srcPublicWithdrawal },
      { ...base, srcPublicWithdrawal: base.srcCancellation },
      { ...base, srcCancellation: base.srcPublicCancellation },
      { ...base, dstWithdrawal: base.dstPublicWithdrawal },
      { ...base, dstPublicWithdrawal: base.dstCancellation },
      { ...base, dstCancellation: base.srcCancellation },
    ];
    await approve(chain, 'maker', 100n * E18);
    for (const timelocks of broken) {
      await expectRevert(fillOrder(chain, makeOrder(chain, { timelocks }), { at: chain.now + 200 }), 'InvalidTimelocks');
    }
    // The boundary that is allowed: dstCancellation one second before srcCancellation.
    await fillOrder(chain, makeOrder(chain, { timelocks: { ...base, dstCancellation: base.srcCancellation - 1 } }), {
      at: chain.now + 201,
    });
  });

  it('refuses source stages that reach the rescue delay: srcPublicCancellation == RESCUE_DELAY refused, one below accepted', async () => {
    // Otherwise the taker's rescueFunds (from deployedAt + RESCUE_DELAY) would open before the maker's refund.
    const base = makeOrder(chain).timelocks;
    await approve(chain, 'maker', 200n * E18);
    const at = { ...base, srcPublicCancellation: RESCUE_DELAY };
    await expectRevert(fillOrder(chain, makeOrder(chain, { timelocks: at }), { at: chain.now + 200 }), 'TimelocksBeyondRescueDelay');
    const beyond = { ...base, srcCancellation: RESCUE_DELAY + 10, srcPublicCancellation: RESCUE_DELAY + 20 };
    await expectRevert(fillOrder(chain, makeOrder(chain, { timelocks: beyond }), { at: chain.now + 200 }), 'TimelocksBeyondRescueDelay');
    const fill = await fillOrder(chain, makeOrder(chain, { timelocks: { ...base, srcPublicCancellation: RESCUE_DELAY - 1 } }), {
      at: chain.now + 201,
    });
    expect(await tokenBalance(chain, fill.escrow)).toBe(100n * E18);
  });

  it('refuses malformed auctions', async () => {
    await approve(chain, 'maker', 100n * E18);
    const a = makeOrder(chain).auction;
    const broken = [
      { ...a, duration: 0 },
      { ...a, endAmount: 0n, startAmount: 0n },
      { ...a, startAmount: a.endAmount - 1n },
      { ...a, points: [{ offset: 0, amount: a.startAmount }] }, // offset must be > 0
      { ...a, points: [{ offset: a.duration, amount: a.endAmount }] }, // and < duration
      { ...a, points: [{ offset: 200, amount: a.endAmount }, { offset: 200, amount: a.endAmount }] }, // strictly increasing
      { ...a, points: [{ offset: 300, amount: a.endAmount }, { offset: 200, amount: a.endAmount }] },
      { ...a, points: [{ offset: 200, amount: a.startAmount + 1n }] }, // above start
      { ...a, points: [{ offset: 200, amount: a.endAmount - 1n }] }, // below end
      { ...a, points: [{ offset: 100, amount: a.endAmount }, { offset: 200, amount: a.endAmount + 1n }] }, // rising
      { ...a, points: Array.from({ length: 17 }, (_, i) => ({ offset: i + 1, amount: a.startAmount })) },
    ];
    for (const auction of broken) {
      await expectRevert(
        fillOrder(chain, makeOrder(chain, { auction }), { at: chain.now + 200, dstAmount: auction.startAmount }),
        'InvalidAuction',
      );
    }
  });

  it('refuses a zero makingAmount', async () => {
    await expectRevert(fillOrder(chain, makeOrder(chain, { makingAmount: 0n }), { at: chain.now + 200 }), 'InvalidAmount');
  });

  it('refuses when the maker has not approved the factory, changing nothing', async () => {
    const order = makeOrder(chain);
    await expectRevert(fillOrder(chain, order, { at: chain.now + 200 }), 'ERC20InsufficientAllowance');
    const filled = await chain.client.readContract({
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'filled',
      args: [hashOf(chain, order)],
    });
    expect(filled).toBe(false);
  });

  it('tokens sent to the escrow address before the fill neither block it nor count toward makingAmount', async () => {
    const order = makeOrder(chain);
    await approve(chain, 'maker', order.makingAmount);
    const at = chain.now + 200;
    const immutables = {
      orderHash: hashOf(chain, order),
      hashlock: order.hashlock,
      maker: chain.addr.maker,
      taker: chain.addr.resolver,
      token: chain.devnet.token,
      amount: order.makingAmount,
      safetyDeposit: order.srcSafetyDeposit,
      timelocks: packTimelocks(order.timelocks, at),
    };
    const predicted = await chain.client.readContract({
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'addressOfEscrowSrc',
      args: [immutables],
    });
    await send(chain, 'otherResolver', { address: chain.devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [predicted, 7n] });
    const fill = await fillOrder(chain, order, { at });
    expect(fill.escrow).toBe(predicted);
    expect(await tokenBalance(chain, fill.escrow)).toBe(order.makingAmount + 7n);
  });

  it('refuses a fee-on-transfer token: the escrow would hold less than makingAmount', async () => {
    const fee = await deploy(chain, { abi: feeOnTransferTokenAbi, bytecode: feeOnTransferTokenBytecode });
    await send(chain, 'deployer', { address: fee, abi: feeOnTransferTokenAbi, functionName: 'mint', args: [chain.addr.maker, 100n * E18] });
    await approve(chain, 'maker', 100n * E18, fee);
    const order = makeOrder(chain, { makerAsset: fee });
    await expectRevert(fillOrder(chain, order, { at: chain.now + 200 }), 'TransferAmountMismatch');
    expect(await tokenBalance(chain, chain.addr.maker, fee)).toBe(100n * E18);
  });
});

describe('native ETH as the maker asset', () => {
  const factoryCall = (functionName: string, args: readonly unknown[] = [], value?: bigint) => ({
    address: chain.devnet.factory,
    abi: escrowFactoryAbi,
    functionName,
    args,
    value,
  });
  const nativeBalance = (who: Hex) =>
    chain.client.readContract({ address: chain.devnet.factory, abi: escrowFactoryAbi, functionName: 'nativeBalance', args: [who] });

  it('fills from the maker\'s deposit: the escrow holds makingAmount + safety deposit in ETH', async () => {
    const order = makeOrder(chain, { makerAsset: ZERO_ADDRESS, makingAmount: 3n * E18 });
    await expectRevert(fillOrder(chain, order, { at: chain.now + 200 }), 'InsufficientNativeBalance');

    await send(chain, 'maker', factoryCall('depositNative', [], 5n * E18));
    expect(await nativeBalance(chain.addr.maker)).toBe(5n * E18);
    const fill = await fillOrder(chain, order, { at: chain.now + 201 });
    expect(fill.immutables.token).toBe(ZERO_ADDRESS);
    expect(await ethBalance(chain, fill.escrow)).toBe(3n * E18 + order.srcSafetyDeposit);
    expect(await nativeBalance(chain.addr.maker)).toBe(2n * E18);
  });

  it('withdrawNative returns the unused deposit and refuses more than the balance', async () => {
    await send(chain, 'maker', factoryCall('depositNative', [], 2n * E18));
    await expectRevert(send(chain, 'maker', factoryCall('withdrawNative', [2n * E18 + 1n])), 'InsufficientNativeBalance');
    await expectRevert(send(chain, 'stranger', factoryCall('withdrawNative', [1n])), 'InsufficientNativeBalance');
    const before = await ethBalance(chain, chain.addr.maker);
    const r = await send(chain, 'maker', factoryCall('withdrawNative', [2n * E18]));
    expect(await ethBalance(chain, chain.addr.maker)).toBe(before + 2n * E18 - gasCost(r));
    expect(await nativeBalance(chain.addr.maker)).toBe(0n);
    await expectRevert(send(chain, 'maker', factoryCall('depositNative', [], 0n)), 'InvalidAmount');
    await expectRevert(send(chain, 'maker', factoryCall('withdrawNative', [0n])), 'InvalidAmount');
  });
});
