/**
 * EscrowSrc: who may move the maker's funds, when, with what, and exactly once.
 * Timelocks (TIMELOCKS in the harness): withdrawal 60, public withdrawal 600, cancellation 1200,
 * public cancellation 1800 seconds after deployedAt. Windows are [start, end).
 */
import { describe, expect, it } from 'vitest';
import { encodeFunctionData, parseEventLogs, toFunctionSelector, type Hex } from 'viem';
import { reentrantTokenAbi, reentrantTokenBytecode } from '../../contracts/evm/artifacts.js';
import type { DevnetRole } from '../../devnet/evm/index.js';
import {
  deploy,
  E18,
  escrowFactoryAbi,
  escrowSrcAbi,
  ethBalance,
  expectRevert,
  filledOrder,
  gasCost,
  RESCUE_DELAY,
  send,
  testTokenAbi,
  tokenBalance,
  tryFrom,
  useChain,
  ZERO_ADDRESS,
  type SrcFill,
  type SrcImmutables,
} from './support.js';

const chain = useChain();

function escrowCall(fill: SrcFill, role: DevnetRole, functionName: string, args: readonly unknown[], at: number) {
  return send(chain, role, { address: fill.escrow, abi: escrowSrcAbi, functionName, args }, at);
}

describe('EscrowSrc windows', () => {
  it('withdraw: taker only, from deployedAt+srcWithdrawal (inclusive) to srcCancellation (exclusive)', async () => {
    const { order, fill, secret } = await filledOrder(chain);
    const t0 = fill.deployedAt;
    const imm = fill.immutables;
    await expectRevert(escrowCall(fill, 'resolver', 'withdraw', [secret, imm], t0 + 59), 'InvalidTime');
    await tryFrom(chain, async () => {
      await expectRevert(escrowCall(fill, 'resolver', 'withdraw', [secret, imm], t0 + 1200), 'InvalidTime');
    });
    await tryFrom(chain, async () => {
      await escrowCall(fill, 'resolver', 'withdraw', [secret, imm], t0 + 1199);
    });

    const takerTokens = await tokenBalance(chain, chain.addr.resolver);
    const takerEth = await ethBalance(chain, chain.addr.resolver);
    const r = await escrowCall(fill, 'resolver', 'withdraw', [secret, imm], t0 + 60);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(takerTokens + order.makingAmount);
    expect(await ethBalance(chain, chain.addr.resolver)).toBe(takerEth + order.srcSafetyDeposit - gasCost(r));
    expect(await tokenBalance(chain, fill.escrow)).toBe(0n);
    expect(await ethBalance(chain, fill.escrow)).toBe(0n);
    const [event] = parseEventLogs({ abi: escrowSrcAbi, logs: r.logs, eventName: 'EscrowWithdrawal' });
    expect(event?.address).toBe(fill.escrow.toLowerCase());
    expect(event?.args).toEqual({ secret, to: chain.addr.resolver, isPublic: false });
  });

  it('publicWithdraw: anyone from srcPublicWithdrawal to srcCancellation; tokens to the taker, deposit to the caller', async () => {
    const { order, fill, secret } = await filledOrder(chain);
    const t0 = fill.deployedAt;
    const imm = fill.immutables;
    await expectRevert(escrowCall(fill, 'stranger', 'publicWithdraw', [secret, imm], t0 + 599), 'InvalidTime');
    await tryFrom(chain, async () => {
      await expectRevert(escrowCall(fill, 'stranger', 'publicWithdraw', [secret, imm], t0 + 1200), 'InvalidTime');
    });
    const takerTokens = await tokenBalance(chain, chain.addr.resolver);
    const strangerEth = await ethBalance(chain, chain.addr.stranger);
    const r = await escrowCall(fill, 'stranger', 'publicWithdraw', [secret, imm], t0 + 600);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(takerTokens + order.makingAmount);
    expect(await ethBalance(chain, chain.addr.stranger)).toBe(strangerEth + order.srcSafetyDeposit - gasCost(r));
    const [event] = parseEventLogs({ abi: escrowSrcAbi, logs: r.logs, eventName: 'EscrowWithdrawal' });
    expect(event?.args).toEqual({ secret, to: chain.addr.resolver, isPublic: true });
  });

  it('cancel: taker only, from srcCancellation; tokens back to the maker, deposit to the taker', async () => {
    const { order, fill } = await filledOrder(chain);
    const t0 = fill.deployedAt;
    const imm = fill.immutables;
    await expectRevert(escrowCall(fill, 'resolver', 'cancel', [imm], t0 + 1199), 'InvalidTime');
    await expectRevert(escrowCall(fill, 'stranger', 'cancel', [imm], t0 + 1200), 'InvalidCaller');
    const makerTokens = await tokenBalance(chain, chain.addr.maker);
    const takerEth = await ethBalance(chain, chain.addr.resolver);
    const r = await escrowCall(fill, 'resolver', 'cancel', [imm], t0 + 1200);
    expect(await tokenBalance(chain, chain.addr.maker)).toBe(makerTokens + order.makingAmount);
    expect(await ethBalance(chain, chain.addr.resolver)).toBe(takerEth + order.srcSafetyDeposit - gasCost(r));
    const [event] = parseEventLogs({ abi: escrowSrcAbi, logs: r.logs, eventName: 'EscrowCancelled' });
    expect(event?.args).toEqual({ to: chain.addr.maker, isPublic: false });
  });

  it('publicCancel: anyone from srcPublicCancellation; tokens to the maker, deposit to the caller', async () => {
    const { order, fill } = await filledOrder(chain);
    const t0 = fill.deployedAt;
    const imm = fill.immutables;
    await expectRevert(escrowCall(fill, 'stranger', 'publicCancel', [imm], t0 + 1799), 'InvalidTime');
    const makerTokens = await tokenBalance(chain, chain.addr.maker);
    const strangerEth = await ethBalance(chain, chain.addr.stranger);
    const r = await escrowCall(fill, 'stranger', 'publicCancel', [imm], t0 + 1800);
    expect(await tokenBalance(chain, chain.addr.maker)).toBe(makerTokens + order.makingAmount);
    expect(await ethBalance(chain, chain.addr.stranger)).toBe(strangerEth + order.srcSafetyDeposit - gasCost(r));
    const [event] = parseEventLogs({ abi: escrowSrcAbi, logs: r.logs, eventName: 'EscrowCancelled' });
    expect(event?.args).toEqual({ to: chain.addr.maker, isPublic: true });
  });
});

describe('EscrowSrc guards', () => {
  it('refuses the wrong secret and a caller other than the taker in the private window', async () => {
    const { fill, secret } = await filledOrder(chain);
    const wrong = `0x${'11'.repeat(32)}` as Hex;
    await expectRevert(escrowCall(fill, 'resolver', 'withdraw', [wrong, fill.immutables], fill.deployedAt + 60), 'InvalidSecret');
    await expectRevert(escrowCall(fill, 'stranger', 'withdraw', [secret, fill.immutables], fill.deployedAt + 61), 'InvalidCaller');
    await expectRevert(
      escrowCall(fill, 'stranger', 'publicWithdraw', [wrong, fill.immutables], fill.deployedAt + 600),
      'InvalidSecret',
    );
  });

  it('is single-use: no second withdrawal, no cancel after a withdrawal', async () => {
    const { fill, secret } = await filledOrder(chain);
    const imm = fill.immutables;
    const readSettled = () =>
      chain.client.readContract({ address: fill.escrow, abi: escrowSrcAbi, functionName: 'settled' });
    expect(await readSettled()).toBe(false);
    await escrowCall(fill, 'resolver', 'withdraw', [secret, imm], fill.deployedAt + 60);
    expect(await readSettled()).toBe(true);
    // Refill the escrow so only the single-use rule (not an empty balance) can stop a second payout.
    await send(chain, 'maker', { address: chain.devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [fill.escrow, imm.amount] });
    await expectRevert(escrowCall(fill, 'resolver', 'withdraw', [secret, imm], fill.deployedAt + 70), 'AlreadySettled');
    await expectRevert(escrowCall(fill, 'stranger', 'publicWithdraw', [secret, imm], fill.deployedAt + 600), 'AlreadySettled');
    await expectRevert(escrowCall(fill, 'resolver', 'cancel', [imm], fill.deployedAt + 1200), 'AlreadySettled');
    await expectRevert(escrowCall(fill, 'stranger', 'publicCancel', [imm], fill.deployedAt + 1800), 'AlreadySettled');
  });

  it('refuses immutables that do not hash to the escrow\'s own CREATE2 address', async () => {
    const { fill, secret } = await filledOrder(chain);
    const imm = fill.immutables;
    const forged: SrcImmutables[] = [
      { ...imm, amount: imm.amount + 1n },
      { ...imm, taker: chain.addr.stranger },
      { ...imm, maker: chain.addr.stranger },
      { ...imm, token: ZERO_ADDRESS },
      { ...imm, safetyDeposit: imm.safetyDeposit + 1n },
      { ...imm, hashlock: `0x${'22'.repeat(32)}` },
      // deployedAt moved 1000 s earlier would open every window early
      { ...imm, timelocks: imm.timelocks - (1000n << 224n) },
    ];
    for (const bad of forged) {
      const caller = bad.taker === chain.addr.stranger ? 'stranger' : 'resolver';
      await expectRevert(escrowCall(fill, caller, 'withdraw', [secret, bad], fill.deployedAt + 60), 'InvalidImmutables');
    }
    await expectRevert(escrowCall(fill, 'resolver', 'cancel', [{ ...imm, maker: chain.addr.resolver }], fill.deployedAt + 1200), 'InvalidImmutables');
    // The implementation contract itself cannot be used as an escrow.
    const impl = await chain.client.readContract({
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'ESCROW_SRC_IMPLEMENTATION',
    });
    await expectRevert(
      send(chain, 'resolver', { address: impl, abi: escrowSrcAbi, functionName: 'withdraw', args: [secret, imm] }, fill.deployedAt + 61),
      'InvalidImmutables',
    );
  });

  it('every entry point checks the immutables: forged ones cannot redirect a public action or a rescue', async () => {
    const { fill, secret } = await filledOrder(chain);
    const imm = fill.immutables;
    const t0 = fill.deployedAt;
    await expectRevert(escrowCall(fill, 'stranger', 'publicWithdraw', [secret, { ...imm, taker: chain.addr.stranger }], t0 + 600), 'InvalidImmutables');
    await expectRevert(escrowCall(fill, 'stranger', 'publicCancel', [{ ...imm, maker: chain.addr.stranger }], t0 + 1800), 'InvalidImmutables');
    await expectRevert(
      escrowCall(fill, 'stranger', 'rescueFunds', [chain.devnet.token, imm.amount, { ...imm, taker: chain.addr.stranger }], t0 + RESCUE_DELAY),
      'InvalidImmutables',
    );
  });

  it('a cancelled escrow is settled: no second cancel or public cancel, even after a refill', async () => {
    const { fill } = await filledOrder(chain);
    const imm = fill.immutables;
    await escrowCall(fill, 'resolver', 'cancel', [imm], fill.deployedAt + 1200);
    await send(chain, 'maker', { address: chain.devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [fill.escrow, imm.amount] });
    await expectRevert(escrowCall(fill, 'resolver', 'cancel', [imm], fill.deployedAt + 1201), 'AlreadySettled');
    await expectRevert(escrowCall(fill, 'stranger', 'publicCancel', [imm], fill.deployedAt + 1800), 'AlreadySettled');
  });

  it('rescueFunds: taker only, from deployedAt + RESCUE_DELAY, emits FundsRescued', async () => {
    const { order, fill } = await filledOrder(chain);
    const imm = fill.immutables;
    const t0 = fill.deployedAt;
    await expectRevert(
      escrowCall(fill, 'resolver', 'rescueFunds', [chain.devnet.token, order.makingAmount, imm], t0 + RESCUE_DELAY - 1),
      'InvalidTime',
    );
    await expectRevert(
      escrowCall(fill, 'stranger', 'rescueFunds', [chain.devnet.token, order.makingAmount, imm], t0 + RESCUE_DELAY),
      'InvalidCaller',
    );
    const before = await tokenBalance(chain, chain.addr.resolver);
    const r = await escrowCall(fill, 'resolver', 'rescueFunds', [chain.devnet.token, order.makingAmount, imm], t0 + RESCUE_DELAY);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(before + order.makingAmount);
    const [event] = parseEventLogs({ abi: escrowSrcAbi, logs: r.logs, eventName: 'FundsRescued' });
    expect(event?.args).toEqual({ token: chain.devnet.token, amount: order.makingAmount });
    // Native coin left behind (the safety deposit) is rescued with token = address(0).
    await escrowCall(fill, 'resolver', 'rescueFunds', [ZERO_ADDRESS, order.srcSafetyDeposit, imm], t0 + RESCUE_DELAY + 1);
    expect(await ethBalance(chain, fill.escrow)).toBe(0n);
    // A zero amount moves nothing and calls nobody: even an address that is no token is fine.
    await escrowCall(fill, 'resolver', 'rescueFunds', [chain.addr.stranger, 0n, imm], t0 + RESCUE_DELAY + 2);
  });

  it('native ETH: withdrawal pays the taker makingAmount + deposit, cancellation returns makingAmount to the maker', async () => {
    const { order, fill, secret } = await filledOrder(chain, { makerAsset: ZERO_ADDRESS, makingAmount: 2n * E18 });
    await tryFrom(chain, async () => {
      const before = await ethBalance(chain, chain.addr.resolver);
      const r = await escrowCall(fill, 'resolver', 'withdraw', [secret, fill.immutables], fill.deployedAt + 60);
      expect(await ethBalance(chain, chain.addr.resolver)).toBe(before + order.makingAmount + order.srcSafetyDeposit - gasCost(r));
    });
    const makerBefore = await ethBalance(chain, chain.addr.maker);
    await escrowCall(fill, 'stranger', 'publicCancel', [fill.immutables], fill.deployedAt + 1800);
    expect(await ethBalance(chain, chain.addr.maker)).toBe(makerBefore + order.makingAmount);
    expect(await ethBalance(chain, fill.escrow)).toBe(0n);
  });

  it('refuses re-entry: a token calling back into the escrow during the payout is stopped by the guard', async () => {
    const token = await deploy(chain, { abi: reentrantTokenAbi, bytecode: reentrantTokenBytecode });
    await send(chain, 'deployer', { address: token, abi: reentrantTokenAbi, functionName: 'mint', args: [chain.addr.maker, 100n * E18] });
    const { order, fill, secret } = await filledOrder(chain, { makerAsset: token });
    await send(chain, 'stranger', {
      address: token,
      abi: reentrantTokenAbi,
      functionName: 'arm',
      args: [fill.escrow, encodeFunctionData({ abi: escrowSrcAbi, functionName: 'publicWithdraw', args: [secret, fill.immutables] })],
    });
    const before = await tokenBalance(chain, chain.addr.resolver, token);
    await escrowCall(fill, 'stranger', 'publicWithdraw', [secret, fill.immutables], fill.deployedAt + 600);
    const read = (functionName: 'reentrySucceeded' | 'reentryRevertData') =>
      chain.client.readContract({ address: token, abi: reentrantTokenAbi, functionName });
    expect(await read('reentrySucceeded')).toBe(false);
    expect(await read('reentryRevertData')).toBe(toFunctionSelector('ReentrancyGuardReentrantCall()'));
    expect(await tokenBalance(chain, chain.addr.resolver, token)).toBe(before + order.makingAmount);
  });
});
