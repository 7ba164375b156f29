/**
 * Measures the gas of the escrow lifecycle on a fresh devnet and prints a Markdown table:
 *
 *   npx tsx contracts/evm/gas-report.ts
 *
 * Every number is `gasUsed` from a mined transaction's receipt (21,000 intrinsic gas and
 * calldata included), on anvil with the committed artifacts. Block times are set explicitly.
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  toHex,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { escrowDstAbi, escrowFactoryAbi, escrowSrcAbi, testTokenAbi } from './artifacts.js';
import { startEvmDevnet } from '../../devnet/evm/index.js';
import { orderMessage, orderTypedData } from '../../src/domain/eip712.js';
import type { Order } from '../../src/domain/order.js';

const ZERO = '0x0000000000000000000000000000000000000000' as const;

async function main(): Promise<void> {
  const devnet = await startEvmDevnet();
  try {
    const transport = http(devnet.rpcUrl);
    const client = createPublicClient({ chain: foundry, transport });
    const test = createTestClient({ chain: foundry, transport, mode: 'anvil' });
    const wallet = (key: Hex) => createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
    const maker = wallet(devnet.accounts.maker.privateKey);
    const resolver = wallet(devnet.accounts.resolver.privateKey);
    let now = Number((await client.getBlock()).timestamp) + 10;
    const rows: [string, bigint][] = [];

    const mine = async (label: string | null, tx: () => Promise<Hex>, at = now + 1) => {
      now = Math.max(now, at);
      await test.setNextBlockTimestamp({ timestamp: BigInt(at) });
      const receipt = await client.waitForTransactionReceipt({ hash: await tx(), pollingInterval: 20 });
      if (receipt.status !== 'success') throw new Error(`${label} reverted`);
      if (label) rows.push([label, receipt.gasUsed]);
      return receipt;
    };

    await mine(null, () =>
      maker.writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.factory, 10n ** 30n] }),
    );
    await mine(null, () =>
      resolver.writeContract({ address: devnet.token, abi: testTokenAbi, functionName: 'approve', args: [devnet.factory, 10n ** 30n] }),
    );
    await mine('depositNative (maker, first deposit)', () =>
      maker.writeContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'depositNative', value: 10n ** 19n }),
    );

    const timelocks = {
      srcWithdrawal: 60, srcPublicWithdrawal: 600, srcCancellation: 1200, srcPublicCancellation: 1800,
      dstWithdrawal: 30, dstPublicWithdrawal: 300, dstCancellation: 900,
    };
    let salt = 0n;
    const makeOrder = (makerAsset: Hex, points: Order['auction']['points'] = []): Order & { secret: Hex } => {
      const secret = toHex(++salt, { size: 32 });
      return {
        secret,
        srcChain: '31337', dstChain: 'cardano:devnet', maker: maker.account.address,
        receiver: 'addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz',
        makerAsset, makingAmount: 10n ** 18n, takerAsset: 'lovelace',
        auction: { startTime: now, duration: 600, startAmount: 2_000_000n, endAmount: 1_000_000n, points },
        hashlock: keccak256(secret), timelocks, srcSafetyDeposit: 10n ** 16n, dstSafetyDeposit: 2_000_000n,
        nonce: salt, salt, expiry: now + 3600,
      };
    };
    const fill = async (label: string, order: Order) => {
      const signature = await maker.signTypedData(orderTypedData(order, devnet.chainId, devnet.factory));
      const receipt = await mine(label, () =>
        resolver.writeContract({
          address: devnet.factory, abi: escrowFactoryAbi, functionName: 'createSrcEscrow',
          args: [orderMessage(order), signature, order.auction.startAmount], value: order.srcSafetyDeposit,
        }),
      );
      const [ev] = parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'SrcEscrowCreated' });
      const deployedAt = Number((await client.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
      return { escrow: ev!.args.escrow, immutables: ev!.args.immutables, deployedAt };
    };

    const a = makeOrder(devnet.token);
    const fa = await fill('createSrcEscrow (ERC-20, 2-point curve)', a);
    await fill('createSrcEscrow (ERC-20, 5 points: 3 intermediate)', makeOrder(devnet.token, [
      { offset: 100, amount: 1_900_000n }, { offset: 300, amount: 1_500_000n }, { offset: 500, amount: 1_100_000n },
    ]));
    const fn = await fill('createSrcEscrow (native ETH from deposit)', makeOrder(ZERO));
    const fc = await fill('createSrcEscrow (ERC-20, for cancel)', makeOrder(devnet.token));

    await mine('EscrowSrc.withdraw (ERC-20)', () =>
      resolver.writeContract({ address: fa.escrow, abi: escrowSrcAbi, functionName: 'withdraw', args: [a.secret, fa.immutables] }),
    fa.deployedAt + 60);
    await mine('EscrowSrc.cancel (ERC-20)', () =>
      resolver.writeContract({ address: fc.escrow, abi: escrowSrcAbi, functionName: 'cancel', args: [fc.immutables] }),
    fc.deployedAt + 1200);
    await mine('EscrowSrc.publicCancel (native ETH)', () =>
      resolver.writeContract({ address: fn.escrow, abi: escrowSrcAbi, functionName: 'publicCancel', args: [fn.immutables] }),
    fn.deployedAt + 1800);

    const secret = toHex(999n, { size: 32 });
    const dst = (token: Hex, amount: bigint) => ({
      orderHash: keccak256(toHex(`dst-${token}`)), hashlock: keccak256(secret), receiver: maker.account.address,
      taker: resolver.account.address, token, amount, safetyDeposit: 10n ** 16n,
      withdrawalAt: BigInt(now + 30), publicWithdrawalAt: BigInt(now + 300), cancellationAt: BigInt(now + 900),
    });
    const createDst = async (label: string, imm: ReturnType<typeof dst>) => {
      const value = imm.token === ZERO ? imm.amount + imm.safetyDeposit : imm.safetyDeposit;
      const receipt = await mine(label, () =>
        resolver.writeContract({ address: devnet.factory, abi: escrowFactoryAbi, functionName: 'createDstEscrow', args: [imm], value }),
      );
      return parseEventLogs({ abi: escrowFactoryAbi, logs: receipt.logs, eventName: 'DstEscrowCreated' })[0]!.args.escrow;
    };
    const dt = dst(devnet.token, 10n ** 18n);
    const dn = dst(ZERO, 10n ** 18n);
    const et = await createDst('createDstEscrow (ERC-20)', dt);
    const en = await createDst('createDstEscrow (native ETH)', dn);
    await mine('EscrowDst.withdraw (ERC-20)', () =>
      resolver.writeContract({ address: et, abi: escrowDstAbi, functionName: 'withdraw', args: [secret, dt] }),
    Number(dt.withdrawalAt) + 1);
    await mine('EscrowDst.cancel (native ETH)', () =>
      resolver.writeContract({ address: en, abi: escrowDstAbi, functionName: 'cancel', args: [dn] }),
    Number(dn.cancellationAt));

    const width = Math.max(...rows.map(([l]) => l.length));
    process.stdout.write(`| ${'operation'.padEnd(width)} | gas used |\n|${'-'.repeat(width + 2)}|---------:|\n`);
    for (const [label, gas] of rows) process.stdout.write(`| ${label.padEnd(width)} | ${gas.toLocaleString('en-US').padStart(8)} |\n`);
  } finally {
    await devnet.stop();
  }
}

await main();
