/**
 * The relayer against real local chains: anvil with the real escrow factory, the Ogmios-speaking
 * Cardano devnet with the committed escrow validator, both real monitors, the coordinator, the
 * HTTP API and the secret gate. The test plays maker and resolver with real transactions.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createPublicClient, http, type Hex } from 'viem';
import { testTokenAbi } from '../../contracts/evm/artifacts.js';
import { RelayerApiError, RelayerClient, type WireOrder } from '../../client/http.js';
import type { CardanoDevnet } from '../../devnet/cardano/index.js';
import type { EvmDevnet } from '../../devnet/evm/index.js';
import type { Job, ResolverBot } from '../../resolver/bot.js';
import type { DestinationChain } from '../../resolver/destination.js';
import { PublicActionRunner } from '../../resolver/public-actions.js';
import { EvmSourceChain, type SrcFill } from '../../resolver/evm.js';
import { createResolver } from '../../resolver/setup.js';
import { CardanoActor, DEFAULT_TIMELOCKS, dstDatum, makeOrder as makeE2eOrder, startE2e, statusOf as statusVia, type E2e } from './support.js';

let e2e: E2e;
let evm: EvmDevnet;
let ada: CardanoDevnet;
let api: RelayerClient;
let resolverEvm: EvmSourceChain;
let resolverAda: CardanoActor;
/** A second, reference resolver that never fills: it only takes the public actions the relayer announces. */
let watcher: { bot: ResolverBot; close(): Promise<void> };
const API_KEY = 'e2e-watcher-resolver-key-0123';

beforeAll(async () => {
  e2e = await startE2e({ env: { API_KEYS: API_KEY } });
  ({ evm, ada, api, resolverEvm } = e2e);
  resolverAda = await CardanoActor.connect(ada, ada.accounts[0]!);

  watcher = await createResolver({
    relayerUrl: e2e.relayer.httpUrl,
    wsUrl: e2e.relayer.wsUrl,
    apiKey: API_KEY,
    evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.otherResolver.privateKey },
    cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[1]!.privateKey },
    maxPayment: () => null,
    jobsFile: join(e2e.dataDir, 'watcher-jobs.json'),
    logger: pino({ level: 'silent' }),
    pollMs: 500,
    publicActionsPollMs: 2_000,
  });
  await watcher.bot.start();
}, 240_000);

afterAll(async () => {
  await watcher?.close();
  await resolverAda?.close();
  await e2e?.stop();
});

function makeOrder(timelocks: WireOrder['timelocks'] = DEFAULT_TIMELOCKS) {
  return makeE2eOrder(e2e, { timelocks });
}

/** The resolver's destination escrow on Cardano, with deadlines from the source escrow's real deployedAt. */
async function lockDestination(orderHash: Hex, order: WireOrder, fill: SrcFill, amount: bigint, over: { deployedAt?: number } = {}) {
  return resolverAda.lock(dstDatum({ orderHash, order }, fill, resolverAda, amount, over));
}

/** Both monitors have seen the destination escrow and its blocks are final, yet the order stays src_escrowed. */
async function expectRefusedDestination(orderHash: Hex): Promise<void> {
  const tipAfterLock = ada.tip().height;
  await expect.poll(() => ada.tip().height, { timeout: 60_000, interval: 250 }).toBeGreaterThan(tipAfterLock + 3);
  await expect
    .poll(async () => (await api.escrows({ orderHash })).items.some((e) => e.side === 'dst'), { timeout: 60_000, interval: 250 })
    .toBe(true);
  expect(await statusOf(orderHash)).toBe('src_escrowed');
}

function statusOf(orderHash: string): Promise<string> {
  return statusVia(api, orderHash);
}

describe('relayer on real local chains', () => {
  it('verifies a real fill on both chains, gates the secret, and records the withdrawal', { timeout: 240_000 }, async () => {
    const { orderHash, secret, order, signature } = await makeOrder();
    const price = BigInt((await api.order(orderHash)).currentAmount as string);

    // Revealing before the escrows exist is refused and changes nothing.
    await expect(api.revealSecret(orderHash, secret)).rejects.toMatchObject({ status: 409 });

    const fill = await resolverEvm.fill(order, signature, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('src_escrowed');

    await lockDestination(orderHash, order, fill, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 90_000, interval: 250 }).toBe('ready_for_secret');

    const ready = await api.readyForSecret(evm.accounts.maker.address);
    expect(ready.items.map((i) => i.orderHash)).toContain(orderHash);

    await expect(api.revealSecret(orderHash, `0x${'00'.repeat(32)}`)).rejects.toMatchObject({ status: 400, code: 'INVALID_SECRET' });
    await api.revealSecret(orderHash, secret);
    expect(await statusOf(orderHash)).toBe('secret_revealed');

    // The resolver takes the maker's tokens with the secret; the monitor records the withdrawal.
    await resolverEvm.withdraw(fill, secret);
    await expect
      .poll(async () => (await api.escrows({ orderHash })).items.find((e) => e.side === 'src')?.status, { timeout: 60_000, interval: 250 })
      .toBe('withdrawn');
    const timeline = (await api.order(orderHash)).timeline!.map((t) => t.toStatus);
    expect(timeline).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed']);
  });

  it('never asks for the secret when the destination escrow holds less than promised', { timeout: 240_000 }, async () => {
    const { orderHash, secret, order, signature } = await makeOrder();
    const price = BigInt((await api.order(orderHash)).currentAmount as string);
    const fill = await resolverEvm.fill(order, signature, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('src_escrowed');

    await lockDestination(orderHash, order, fill, price - 1n);
    await expectRefusedDestination(orderHash);
    const err = await api.revealSecret(orderHash, secret).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RelayerApiError);
    expect((err as RelayerApiError).status).toBe(409);
  });

  it('never asks for the secret when the destination deadlines are later than the source allows', { timeout: 240_000 }, async () => {
    const { orderHash, order, signature } = await makeOrder();
    const price = BigInt((await api.order(orderHash)).currentAmount as string);
    const fill = await resolverEvm.fill(order, signature, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('src_escrowed');
    await lockDestination(orderHash, order, fill, price, { deployedAt: fill.deployedAt + 10 });
    await expectRefusedDestination(orderHash);
  });

  it('a resolver that never funds the destination: invalid fill, then another resolver public-cancels and the maker is refunded', { timeout: 240_000 }, async () => {
    const short = { srcWithdrawal: 2, srcPublicWithdrawal: 4, srcCancellation: 14, srcPublicCancellation: 18, dstWithdrawal: 2, dstPublicWithdrawal: 4, dstCancellation: 10 };
    const { orderHash, order, signature } = await makeOrder(short);
    const balance = () =>
      createPublicClient({ transport: http(evm.rpcUrl) }).readContract({ address: evm.token, abi: testTokenAbi, functionName: 'balanceOf', args: [evm.accounts.maker.address] });
    const before = await balance();
    const price = BigInt((await api.order(orderHash)).currentAmount as string);
    const fill = await resolverEvm.fill(order, signature, price);
    expect(await balance()).toBe(before - BigInt(order.makingAmount));

    // No destination escrow ever comes: once its window passes, the fill is invalid.
    await expect.poll(() => statusOf(orderHash), { timeout: 90_000, interval: 250 }).toBe('invalid_fill');
    const invalid = (await api.order(orderHash)).timeline!.at(-1)!;
    expect(invalid.type).toBe('dst_escrow_invalid');

    // Once the public cancellation opens, the relayer announces it and the watching resolver
    // returns the maker's funds, earning the deposit.
    await expect.poll(() => statusOf(orderHash), { timeout: 90_000, interval: 250 }).toBe('refunded');
    expect(await balance()).toBe(before);
    // The relayer may see the transaction before the watcher's receipt poll returns.
    await expect
      .poll(() => watcher.bot.publicActionRunner!.outcome({ chain: String(evm.chainId), escrow: fill.escrow, action: 'cancel' }), { timeout: 30_000 })
      .toMatchObject({ state: 'done' });
    const cancelledBy = (await api.escrows({ orderHash })).items.find((e) => e.side === 'src');
    expect(cancelledBy).toMatchObject({ status: 'cancelled', statusEvent: expect.objectContaining({ public: true }) });

    // A resolver that hears of it late sends it, is refused by the chain, and finds it settled.
    const late = new PublicActionRunner({
      client: new RelayerClient(e2e.relayer.httpUrl, { apiKey: API_KEY }),
      src: new EvmSourceChain({ rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.stranger.privateKey }),
      dst: { chain: ada.chain } as DestinationChain, // never reached: the action is on the EVM side
      stateFile: join(await mkdtemp(join(tmpdir(), 'late-')), 'public-actions.json'),
      ownsOrder: () => false,
      logger: pino({ level: 'silent' }),
    });
    const action = {
      orderHash, chain: String(evm.chainId), side: 'src' as const, action: 'cancel' as const, escrow: fill.escrow,
      opensAt: fill.deployedAt + short.srcPublicCancellation, closesAt: null,
      immutables: Object.fromEntries(Object.entries(fill.immutables).map(([k, v]) => [k, String(v)])),
    };
    late.offer(action);
    await late.run();
    expect(late.outcome(action)).toEqual({ state: 'settled_by_other' });
    expect(await balance()).toBe(before);
    const statuses = (await api.order(orderHash)).timeline!.map((t) => t.toStatus);
    expect(statuses).toEqual(['active', 'src_escrowed', 'invalid_fill', 'refunding', 'refunded']);
  });

  it('a resolver that vanishes after the secret: another resolver public-withdraws both escrows and the swap executes', { timeout: 240_000 }, async () => {
    // Secret window [2, 40) s after the fill (margin 30 s before dstCancellation 70); public windows at 25 s and 45 s.
    const short = { srcWithdrawal: 2, srcPublicWithdrawal: 45, srcCancellation: 90, srcPublicCancellation: 600, dstWithdrawal: 2, dstPublicWithdrawal: 25, dstCancellation: 70 };
    const { orderHash, secret, order, signature } = await makeOrder(short);
    const price = BigInt((await api.order(orderHash)).currentAmount as string);
    const fill = await resolverEvm.fill(order, signature, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('src_escrowed');
    await lockDestination(orderHash, order, fill, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('ready_for_secret');
    await api.revealSecret(orderHash, secret);

    // The filling resolver never withdraws. The watcher withdraws the destination to the
    // receiver, then the source to the taker, each in its public window.
    await expect.poll(() => statusOf(orderHash), { timeout: 150_000, interval: 500 }).toBe('executed');
    const escrows = (await api.escrows({ orderHash })).items;
    expect(escrows.map((e) => [e.side, e.status, e.statusEvent?.public]).sort()).toEqual([
      ['dst', 'withdrawn', true],
      ['src', 'withdrawn', true],
    ]);
    const dstEscrow = escrows.find((e) => e.side === 'dst')!;
    const runner = watcher.bot.publicActionRunner!;
    await expect.poll(() => runner.outcome({ chain: ada.chain, escrow: dstEscrow.escrowId, action: 'withdraw' }), { timeout: 30_000 }).toMatchObject({ state: 'done' });
    await expect.poll(() => runner.outcome({ chain: String(evm.chainId), escrow: fill.escrow, action: 'withdraw' }), { timeout: 30_000 }).toMatchObject({ state: 'done' });
    const statuses = (await api.order(orderHash)).timeline!.map((t) => t.toStatus);
    expect(statuses).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);

    // The filling resolver comes back with its job where it left it: it finds both escrows
    // settled by the watcher, sends nothing, and closes the job.
    const jobsFile = join(await mkdtemp(join(tmpdir(), 'returning-')), 'jobs.json');
    const job: Job = {
      orderHash: orderHash.toLowerCase() as Hex, state: 'dst_created', order, dstAmount: price.toString(), secret,
      src: { escrow: fill.escrow, txHash: fill.txHash, deployedAt: fill.deployedAt, immutables: Object.fromEntries(Object.entries(fill.immutables).map(([k, v]) => [k, String(v)])) },
      dst: { escrow: dstEscrow.escrowId, txId: dstEscrow.escrowId.split('#')[0]!, withdrawalAt: 0, cancellationAt: (fill.deployedAt + short.dstCancellation) * 1000 },
      txs: {}, updatedAt: new Date().toISOString(),
    };
    await writeFile(jobsFile, JSON.stringify([job]));
    const returning = await createResolver({
      relayerUrl: e2e.relayer.httpUrl, wsUrl: e2e.relayer.wsUrl, apiKey: API_KEY,
      evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
      cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[0]!.privateKey },
      maxPayment: () => null, jobsFile, logger: pino({ level: 'silent' }), pollMs: 300, publicActions: false,
    });
    try {
      await returning.bot.start();
      const closed = await returning.bot.waitFor(orderHash, ['done'], 60_000);
      expect(closed.txs).toEqual({});
    } finally {
      await returning.close();
    }
  });

  it('undoes what rested on blocks a reorg removed: back to active on EVM, back to src_escrowed on Cardano', { timeout: 240_000 }, async () => {
    const { orderHash, secret, order, signature } = await makeOrder();
    const price = BigInt((await api.order(orderHash)).currentAmount as string);
    const client = createPublicClient({ transport: http(evm.rpcUrl) });

    // EVM: the source escrow is seen, then its block is reorged out.
    const fill = await resolverEvm.fill(order, signature, price);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 100 }).toBe('src_escrowed');
    const fillBlock = (await client.getTransactionReceipt({ hash: fill.txHash })).blockNumber;
    const head = await client.getBlockNumber();
    await client.request({ method: 'anvil_reorg' as never, params: [Number(head - fillBlock + 1n), []] as never });
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 100 }).toBe('active');
    expect((await api.order(orderHash)).timeline!.at(-1)!.type).toBe('src_escrow_reverted');

    // Filled again for real; then the Cardano destination escrow is seen, and rolled back.
    // After the reorg anvil's block time trails the wall clock, so promise the auction's start amount.
    const promise = BigInt(order.auction.startAmount);
    const refill = await resolverEvm.fill(order, signature, promise);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 250 }).toBe('src_escrowed');
    const heightBeforeLock = ada.tip().height;
    await lockDestination(orderHash, order, refill, promise);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 100 }).not.toBe('src_escrowed');
    // Every block since just before the lock: the escrow's block is among them whatever the timer did.
    await ada.rollback(ada.tip().height - heightBeforeLock);
    await expect.poll(() => statusOf(orderHash), { timeout: 60_000, interval: 100 }).toBe('src_escrowed');
    // With the destination escrow gone, the maker's secret is refused.
    await expect(api.revealSecret(orderHash, secret)).rejects.toMatchObject({ status: 409 });
  });
});
