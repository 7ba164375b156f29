/**
 * EscrowFactory.createDstEscrow and EscrowDst: the reverse direction, where a resolver funds an
 * escrow paying an EVM receiver. Windows are [start, end) in absolute unix seconds.
 */
import { describe, expect, it } from 'vitest';
import { keccak256, parseEventLogs, toHex, type Hex } from 'viem';
import type { DevnetRole } from '../../devnet/evm/index.js';
import { feeOnTransferTokenBytecode } from '../../contracts/evm/artifacts.js';
import {
  approve,
  deploy,
  E18,
  escrowDstAbi,
  escrowFactoryAbi,
  ethBalance,
  expectRevert,
  feeOnTransferTokenAbi,
  gasCost,
  RESCUE_DELAY,
  send,
  testTokenAbi,
  tokenBalance,
  tryFrom,
  useChain,
  ZERO_ADDRESS,
  type DstImmutables,
} from './support.js';

const chain = useChain();
const SECRET = toHex(0x5ec2e7n, { size: 32 });

/** Destination immutables created at now+100: withdrawal +30, public +300, cancellation +900. */
function dstImmutables(overrides: Partial<DstImmutables> = {}): DstImmutables {
  const t0 = BigInt(chain.now + 100);
  return {
    orderHash: keccak256(toHex('order-1')),
    hashlock: keccak256(SECRET),
    receiver: chain.addr.maker,
    taker: chain.addr.resolver,
    token: chain.devnet.token,
    amount: 50n * E18,
    safetyDeposit: 10n ** 16n,
    withdrawalAt: t0 + 30n,
    publicWithdrawalAt: t0 + 300n,
    cancellationAt: t0 + 900n,
    ...overrides,
  };
}

function create(imm: DstImmutables, opts: { from?: DevnetRole; value?: bigint; at?: number } = {}) {
  const value = opts.value ?? (imm.token === ZERO_ADDRESS ? imm.amount + imm.safetyDeposit : imm.safetyDeposit);
  return send(
    chain,
    opts.from ?? 'resolver',
    { address: chain.devnet.factory, abi: escrowFactoryAbi, functionName: 'createDstEscrow', args: [imm], value },
    opts.at ?? chain.now + 100,
  );
}

async function created(overrides: Partial<DstImmutables> = {}): Promise<{ imm: DstImmutables; escrow: Hex }> {
  const imm = dstImmutables(overrides);
  if (imm.token !== ZERO_ADDRESS) await approve(chain, 'resolver', imm.amount, imm.token);
  const receipt = await create(imm);
  const [event] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'DstEscrowCreated' });
  if (!event) throw new Error('no DstEscrowCreated');
  return { imm, escrow: event.args.escrow };
}

function escrowCall(escrow: Hex, role: DevnetRole, functionName: string, args: readonly unknown[], at: number) {
  return send(chain, role, { address: escrow, abi: escrowDstAbi, functionName, args }, at);
}

describe('createDstEscrow', () => {
  it('pulls the amount from the taker, holds the deposit, emits DstEscrowCreated at the predicted address', async () => {
    const imm = dstImmutables();
    await approve(chain, 'resolver', imm.amount);
    const before = await tokenBalance(chain, chain.addr.resolver);
    const receipt = await create(imm);
    const [event] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'DstEscrowCreated' });
    expect(event?.args.orderHash).toBe(imm.orderHash);
    expect(event?.args.taker).toBe(chain.addr.resolver);
    expect(event?.args.immutables).toEqual(imm);
    const predicted = await chain.client.readContract({
      address: chain.devnet.factory,
      abi: escrowFactoryAbi,
      functionName: 'addressOfEscrowDst',
      args: [imm],
    });
    expect(event?.args.escrow).toBe(predicted);
    expect(await tokenBalance(chain, predicted)).toBe(imm.amount);
    expect(await ethBalance(chain, predicted)).toBe(imm.safetyDeposit);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(before - imm.amount);
  });

  it('requires taker == msg.sender', async () => {
    const imm = dstImmutables();
    await approve(chain, 'otherResolver', imm.amount);
    await expectRevert(create(imm, { from: 'otherResolver' }), 'InvalidCaller');
  });

  it('requires withdrawalAt < publicWithdrawalAt < cancellationAt, and cancellationAt in the future', async () => {
    await approve(chain, 'resolver', 1000n * E18);
    const ok = dstImmutables();
    const broken = [
      { ...ok, publicWithdrawalAt: ok.withdrawalAt },
      { ...ok, cancellationAt: ok.publicWithdrawalAt },
      { ...ok, withdrawalAt: ok.cancellationAt + 1n },
    ];
    for (const imm of broken) await expectRevert(create(imm), 'InvalidTimelocks');
    const pastCancellation = dstImmutables({ withdrawalAt: 1n, publicWithdrawalAt: 2n, cancellationAt: BigInt(chain.now + 100) });
    await expectRevert(create(pastCancellation), 'InvalidTimelocks');
    await create({ ...pastCancellation, cancellationAt: BigInt(chain.now + 101) });
  });

  it('requires msg.value = safetyDeposit for a token, amount + safetyDeposit for native ETH', async () => {
    const imm = dstImmutables();
    await approve(chain, 'resolver', imm.amount);
    await expectRevert(create(imm, { value: imm.safetyDeposit - 1n }), 'InvalidMsgValue');
    await expectRevert(create(imm, { value: imm.safetyDeposit + imm.amount }), 'InvalidMsgValue');
    const native = dstImmutables({ token: ZERO_ADDRESS, amount: E18 });
    await expectRevert(create(native, { value: native.safetyDeposit }), 'InvalidMsgValue');
    await expectRevert(create(native, { value: native.amount + native.safetyDeposit + 1n }), 'InvalidMsgValue');
  });

  it('refuses a zero amount, a zero receiver and a fee-on-transfer token', async () => {
    await expectRevert(create(dstImmutables({ amount: 0n })), 'InvalidAmount');
    await expectRevert(create(dstImmutables({ receiver: ZERO_ADDRESS })), 'InvalidReceiver');
    const fee = await deploy(chain, { abi: feeOnTransferTokenAbi, bytecode: feeOnTransferTokenBytecode });
    await send(chain, 'deployer', { address: fee, abi: feeOnTransferTokenAbi, functionName: 'mint', args: [chain.addr.resolver, 100n * E18] });
    await approve(chain, 'resolver', 100n * E18, fee);
    await expectRevert(create(dstImmutables({ token: fee })), 'TransferAmountMismatch');
  });

  it('refuses the same immutables twice (one escrow per immutables)', async () => {
    const { imm } = await created();
    await approve(chain, 'resolver', imm.amount);
    await expectRevert(create(imm, { at: chain.now + 101 }), 'FailedDeployment');
  });
});

describe('EscrowDst windows', () => {
  it('withdraw: taker only, [withdrawalAt, cancellationAt), tokens to the receiver, deposit to the taker', async () => {
    const { imm, escrow } = await created();
    const at = Number(imm.withdrawalAt);
    await expectRevert(escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], at - 1), 'InvalidTime');
    await tryFrom(chain, () =>
      expectRevert(escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], Number(imm.cancellationAt)), 'InvalidTime'),
    );
    await tryFrom(chain, () => escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], Number(imm.cancellationAt) - 1));
    await expectRevert(escrowCall(escrow, 'stranger', 'withdraw', [SECRET, imm], at), 'InvalidCaller');

    const receiverTokens = await tokenBalance(chain, chain.addr.maker);
    const takerEth = await ethBalance(chain, chain.addr.resolver);
    const r = await escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], at);
    expect(await tokenBalance(chain, chain.addr.maker)).toBe(receiverTokens + imm.amount);
    expect(await ethBalance(chain, chain.addr.resolver)).toBe(takerEth + imm.safetyDeposit - gasCost(r));
    const [event] = parseEventLogs({ abi: escrowDstAbi, logs: r.logs, eventName: 'EscrowWithdrawal' });
    expect(event?.address).toBe(escrow.toLowerCase());
    expect(event?.args).toEqual({ secret: SECRET, to: chain.addr.maker, isPublic: false });
  });

  it('publicWithdraw: anyone, [publicWithdrawalAt, cancellationAt), tokens to the receiver, deposit to the caller', async () => {
    const { imm, escrow } = await created();
    const at = Number(imm.publicWithdrawalAt);
    await expectRevert(escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, imm], at - 1), 'InvalidTime');
    await tryFrom(chain, () =>
      expectRevert(escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, imm], Number(imm.cancellationAt)), 'InvalidTime'),
    );
    const receiverTokens = await tokenBalance(chain, chain.addr.maker);
    const strangerEth = await ethBalance(chain, chain.addr.stranger);
    const r = await escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, imm], at);
    expect(await tokenBalance(chain, chain.addr.maker)).toBe(receiverTokens + imm.amount);
    expect(await ethBalance(chain, chain.addr.stranger)).toBe(strangerEth + imm.safetyDeposit - gasCost(r));
    const [event] = parseEventLogs({ abi: escrowDstAbi, logs: r.logs, eventName: 'EscrowWithdrawal' });
    expect(event?.args).toEqual({ secret: SECRET, to: chain.addr.maker, isPublic: true });
  });

  it('cancel: taker only, from cancellationAt, tokens back to the taker; there is no public cancel', async () => {
    const { imm, escrow } = await created();
    const at = Number(imm.cancellationAt);
    await expectRevert(escrowCall(escrow, 'resolver', 'cancel', [imm], at - 1), 'InvalidTime');
    await expectRevert(escrowCall(escrow, 'stranger', 'cancel', [imm], at), 'InvalidCaller');
    const takerTokens = await tokenBalance(chain, chain.addr.resolver);
    const takerEth = await ethBalance(chain, chain.addr.resolver);
    const r = await escrowCall(escrow, 'resolver', 'cancel', [imm], at);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(takerTokens + imm.amount);
    expect(await ethBalance(chain, chain.addr.resolver)).toBe(takerEth + imm.safetyDeposit - gasCost(r));
    expect(await ethBalance(chain, escrow)).toBe(0n);
    const [event] = parseEventLogs({ abi: escrowDstAbi, logs: r.logs, eventName: 'EscrowCancelled' });
    expect(event?.args).toEqual({ to: chain.addr.resolver, isPublic: false });
    expect(escrowDstAbi.some((x) => x.type === 'function' && (x.name as string) === 'publicCancel')).toBe(false);
  });
});

describe('EscrowDst guards', () => {
  it('refuses the wrong secret, a second withdrawal, and a cancel after withdrawal', async () => {
    const { imm, escrow } = await created();
    const wrong = `0x${'33'.repeat(32)}` as Hex;
    await expectRevert(escrowCall(escrow, 'resolver', 'withdraw', [wrong, imm], Number(imm.withdrawalAt)), 'InvalidSecret');
    await expectRevert(escrowCall(escrow, 'stranger', 'publicWithdraw', [wrong, imm], Number(imm.publicWithdrawalAt)), 'InvalidSecret');
    await escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], Number(imm.withdrawalAt) + 1);
    await send(chain, 'resolver', { address: chain.devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [escrow, imm.amount] });
    await expectRevert(escrowCall(escrow, 'resolver', 'withdraw', [SECRET, imm], Number(imm.withdrawalAt) + 10), 'AlreadySettled');
    await expectRevert(escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, imm], Number(imm.publicWithdrawalAt)), 'AlreadySettled');
    await expectRevert(escrowCall(escrow, 'resolver', 'cancel', [imm], Number(imm.cancellationAt)), 'AlreadySettled');
  });

  it('refuses immutables that do not hash to its own address', async () => {
    const { imm, escrow } = await created();
    const forged: DstImmutables[] = [
      { ...imm, receiver: chain.addr.stranger },
      { ...imm, amount: imm.amount - 1n },
      { ...imm, withdrawalAt: imm.withdrawalAt - 10n },
      { ...imm, cancellationAt: imm.cancellationAt + 10n },
      { ...imm, hashlock: keccak256(toHex('other')) },
    ];
    for (const bad of forged) {
      await expectRevert(escrowCall(escrow, 'resolver', 'withdraw', [SECRET, bad], Number(imm.withdrawalAt)), 'InvalidImmutables');
    }
    await expectRevert(
      escrowCall(escrow, 'resolver', 'cancel', [{ ...imm, cancellationAt: imm.withdrawalAt + 1n }], Number(imm.withdrawalAt) + 2),
      'InvalidImmutables',
    );
  });

  it('every entry point checks the immutables: forged ones cannot redirect a public withdrawal or a rescue', async () => {
    const { imm, escrow } = await created();
    await expectRevert(
      escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, { ...imm, receiver: chain.addr.stranger }], Number(imm.publicWithdrawalAt)),
      'InvalidImmutables',
    );
    await expectRevert(
      escrowCall(escrow, 'stranger', 'rescueFunds', [imm.token, imm.amount, { ...imm, taker: chain.addr.stranger }], Number(imm.cancellationAt) + RESCUE_DELAY),
      'InvalidImmutables',
    );
  });

  it('a cancelled escrow is settled: no second cancel, even after a refill', async () => {
    const { imm, escrow } = await created();
    await escrowCall(escrow, 'resolver', 'cancel', [imm], Number(imm.cancellationAt));
    await send(chain, 'resolver', { address: chain.devnet.token, abi: testTokenAbi, functionName: 'transfer', args: [escrow, imm.amount] });
    await expectRevert(escrowCall(escrow, 'resolver', 'cancel', [imm], Number(imm.cancellationAt) + 1), 'AlreadySettled');
  });

  it('rescueFunds: taker only, from cancellationAt + RESCUE_DELAY', async () => {
    const { imm, escrow } = await created();
    const at = Number(imm.cancellationAt) + RESCUE_DELAY;
    await expectRevert(escrowCall(escrow, 'resolver', 'rescueFunds', [imm.token, imm.amount, imm], at - 1), 'InvalidTime');
    await expectRevert(escrowCall(escrow, 'stranger', 'rescueFunds', [imm.token, imm.amount, imm], at), 'InvalidCaller');
    const before = await tokenBalance(chain, chain.addr.resolver);
    const r = await escrowCall(escrow, 'resolver', 'rescueFunds', [imm.token, imm.amount, imm], at);
    expect(await tokenBalance(chain, chain.addr.resolver)).toBe(before + imm.amount);
    const [event] = parseEventLogs({ abi: escrowDstAbi, logs: r.logs, eventName: 'FundsRescued' });
    expect(event?.args).toEqual({ token: imm.token, amount: imm.amount });
  });

  it('native ETH: the receiver gets the amount, the caller the deposit', async () => {
    const { imm, escrow } = await created({ token: ZERO_ADDRESS, amount: 3n * E18 });
    expect(await ethBalance(chain, escrow)).toBe(imm.amount + imm.safetyDeposit);
    const receiverEth = await ethBalance(chain, chain.addr.maker);
    const strangerEth = await ethBalance(chain, chain.addr.stranger);
    const r = await escrowCall(escrow, 'stranger', 'publicWithdraw', [SECRET, imm], Number(imm.publicWithdrawalAt));
    expect(await ethBalance(chain, chain.addr.maker)).toBe(receiverEth + imm.amount);
    expect(await ethBalance(chain, chain.addr.stranger)).toBe(strangerEth + imm.safetyDeposit - gasCost(r));
    expect(await ethBalance(chain, escrow)).toBe(0n);
  });
});
