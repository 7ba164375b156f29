/**
 * The destination escrow is created by a persisted, signed transaction that a retry re-sends
 * byte for byte (issue 5 item 4): a lost answer, a dropped connection or a crash after the node
 * accepted it can never lock a second escrow. Real Cardano devnet (Ogmios v6), real relayer for
 * the bot-level case; nothing about the chain is mocked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Core } from '@blaze-cardano/sdk';
import { keccak256, type Hex } from 'viem';
import { RelayerClient, type WireOrder } from '../../client/http.js';
import { escrowScript } from '../../contracts/cardano/index.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { startEvmDevnet, type EvmDevnet } from '../../devnet/evm/index.js';
import { dstEscrowRequest, type Job } from '../../resolver/bot.js';
import type { DstEscrowRequest, PendingDstTx } from '../../resolver/destination.js';
import { CardanoDestinationChain, type LandingOptions } from '../../resolver/cardano.js';
import { createResolver } from '../../resolver/setup.js';
import { OgmiosProvider } from '../../cardano-tx/ogmios-provider.js';
import {
  decodeEscrowDatum,
  Ed25519KeySigner,
  fundedBuilder,
  submitSigned,
  type EscrowTxContext,
} from '../../cardano-tx/index.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';

const AMOUNT = 7_000_000n;
const DEPOSIT = 2_000_000n;

interface Node {
  devnet: CardanoDevnet;
  provider: OgmiosProvider;
}

async function startNode(opts: { autoBlocks?: boolean } = {}): Promise<Node> {
  const devnet = await startCardanoDevnet(opts);
  const provider = await OgmiosProvider.connect({ host: devnet.host, port: devnet.port }, { networkId: 0 });
  return { devnet, provider };
}

function ctxOf(node: Node, account: number): EscrowTxContext {
  return { provider: node.provider, signer: new Ed25519KeySigner(node.devnet.accounts[account]!.privateKey, 0), networkId: 0, clock: node.provider.slotClock() };
}

function destination(node: Node, account: number, landing: LandingOptions = {}): CardanoDestinationChain {
  const clock = node.provider.slotClock();
  return new CardanoDestinationChain(
    node.devnet.chain,
    ctxOf(node, account),
    async () => Number(clock.slotToMs((await node.provider.getNetworkTip()).slot)),
    () => '00'.repeat(28),
    landing,
  );
}

const newOrderHash = () => `0x${randomBytes(32).toString('hex')}` as Hex;

function request(node: Node, orderHash: Hex): DstEscrowRequest {
  const t0 = node.devnet.now();
  return {
    orderHash,
    hashlock: `0x${randomBytes(32).toString('hex')}`,
    receiver: node.devnet.accounts[2]!.address,
    asset: 'lovelace',
    amount: AMOUNT,
    safetyDeposit: DEPOSIT,
    withdrawalAt: t0 + 10_000,
    publicWithdrawalAt: t0 + 300_000,
    cancellationAt: t0 + 600_000,
  };
}

/** The escrow outputs at the script address (tip) whose datum carries `orderHash`. */
async function escrowsFor(node: Node, orderHash: Hex): Promise<string[]> {
  const utxos = await node.provider.getUnspentOutputs(escrowScript.address(0));
  return utxos
    .filter((u) => {
      const inline = u.output().datum()?.asInlineData();
      return inline !== undefined && decodeEscrowDatum(inline.toCbor()).orderHash === orderHash.slice(2);
    })
    .map((u) => `${u.input().transactionId()}#${u.input().index()}`);
}

/** Another transaction of the same wallet that spends every input of `p` (and pays itself). */
async function spendInputsOf(ctx: EscrowTxContext, p: PendingDstTx): Promise<string> {
  return spend(ctx, [...Core.Transaction.fromCbor(Core.TxCBOR(p.cbor)).body().inputs().values()]);
}

/** A transaction of the wallet that spends exactly `inputs` (its own outputs) and pays itself. */
async function spend(ctx: EscrowTxContext, inputs: Core.TransactionInput[]): Promise<string> {
  const utxos = await ctx.provider.resolveUnspentOutputs(inputs);
  expect(utxos).toHaveLength(inputs.length);
  const builder = await fundedBuilder(ctx);
  for (const u of utxos) builder.addInput(u);
  builder.payLovelace(ctx.signer.address, 3_000_000n);
  const tx = await ctx.signer.sign(await builder.complete());
  return submitSigned(ctx, tx.toCbor());
}

describe('destination escrow: prepare, persist, (re-)send', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode(); // a block every second
  });
  afterAll(async () => {
    await node?.provider.close();
    await node?.devnet.stop();
  });

  it('a prepared tx is signed but not sent', async () => {
    const orderHash = newOrderHash();
    const p = await destination(node, 0).prepareEscrow(request(node, orderHash));
    expect(p.escrow).toMatch(new RegExp(`^${p.txId}#\\d+$`));
    expect(Core.Transaction.fromCbor(Core.TxCBOR(p.cbor)).getId()).toBe(p.txId);
    const tip = node.devnet.tip().height;
    await expect.poll(() => node.devnet.tip().height, { timeout: 10_000 }).toBeGreaterThan(tip + 1);
    expect(await escrowsFor(node, orderHash)).toEqual([]);
  });

  it('submit, then submit the same pending tx again (lost answer): landed both times, one escrow', async () => {
    const dst = destination(node, 0);
    const orderHash = newOrderHash();
    const p = await dst.prepareEscrow(request(node, orderHash));
    expect(await dst.submitEscrow(p)).toBe('landed');
    expect(await dst.submitEscrow(p)).toBe('landed');
    expect(await escrowsFor(node, orderHash)).toEqual([p.escrow]);
  });

  it('the node accepted the tx but the answer was lost: the retry finds it in the mempool, waits, landed; one escrow', async () => {
    const dst = destination(node, 0);
    const orderHash = newOrderHash();
    const p = await dst.prepareEscrow(request(node, orderHash));
    await submitSigned(ctxOf(node, 0), p.cbor); // accepted; pretend the answer never came back
    expect(await dst.submitEscrow(p)).toBe('landed'); // the re-send is refused (3117): inputs already spent by this tx
    expect(await dst.submitEscrow(p)).toBe('landed');
    const escrow = await escrowsFor(node, orderHash);
    expect(escrow).toEqual([p.escrow]);
    const [out] = await node.provider.resolveUnspentOutputs([new Core.TransactionInput(Core.TransactionId(p.txId), BigInt(p.escrow.split('#')[1]!))]);
    expect(out!.output().amount().coin()).toBe(AMOUNT + DEPOSIT);
  });

  it("a pending tx whose inputs another tx spent is 'dead'; a freshly prepared one then lands", async () => {
    const dst = destination(node, 1);
    const orderHash = newOrderHash();
    const req = request(node, orderHash);
    const stale = await dst.prepareEscrow(req);
    await spendInputsOf(ctxOf(node, 1), stale); // in the mempool only: submitEscrow must wait for the block
    expect(await dst.submitEscrow(stale)).toBe('dead');
    expect(await escrowsFor(node, orderHash)).toEqual([]);

    const fresh = await dst.prepareEscrow(req);
    expect(fresh.txId).not.toBe(stale.txId);
    expect(await dst.submitEscrow(fresh)).toBe('landed');
    // The dead one stays dead; re-sending it changes nothing.
    expect(await dst.submitEscrow(stale)).toBe('dead');
    expect(await escrowsFor(node, orderHash)).toEqual([fresh.escrow]);
  });

  it('refuses a pending record whose CBOR is another tx', async () => {
    const dst = destination(node, 0);
    const p = await dst.prepareEscrow(request(node, newOrderHash()));
    await expect(dst.submitEscrow({ ...p, txId: 'ab'.repeat(32) })).rejects.toThrow(/not ab/);
  });
});

describe('destination escrow: waiting is bounded', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ autoBlocks: false });
  });
  afterAll(async () => {
    await node?.provider.close();
    await node?.devnet.stop();
  });

  it('throws while the tx is not in a block yet, keeps nothing twice, and lands on a later try', async () => {
    const dst = destination(node, 0, { pollMs: 50, timeoutMs: 400 });
    const orderHash = newOrderHash();
    const p = await dst.prepareEscrow(request(node, orderHash));
    await expect(dst.submitEscrow(p)).rejects.toThrow(/not in a block after 400 ms/);
    await expect(dst.submitEscrow(p)).rejects.toThrow(/not in a block/); // re-sent: 3117, still in the mempool
    await node.devnet.produceBlock();
    expect(await dst.submitEscrow(p)).toBe('landed');
    expect(await escrowsFor(node, orderHash)).toEqual([p.escrow]);
  });
});

describe('resolver bot resumes a job persisted with a pending destination tx', () => {
  let node: Node;
  let evm: EvmDevnet;
  let relayer: RunningRelayer;
  beforeAll(async () => {
    [node, evm] = await Promise.all([startNode(), startEvmDevnet({ blockTime: 1 })]);
    relayer = await startRelayer(
      loadConfig({
        DATA_DIR: await mkdtemp(join(tmpdir(), 'idem-relayer-')),
        HOST: '127.0.0.1',
        HTTP_PORT: '0',
        WS_PORT: '0',
        API_KEYS: 'idempotent-resolver-key-0123',
      }),
      { logger: pino({ level: 'silent' }), devnets: { evm, cardano: node.devnet } },
    );
  }, 240_000);
  afterAll(async () => {
    await relayer?.stop();
    await node?.provider.close();
    await Promise.all([node?.devnet.stop(), evm?.stop()]);
  });

  /** A job as the bot writes it right after the source fill (the source side is not touched here). */
  function srcCreatedJob(orderHash: Hex): Job {
    const order: WireOrder = {
      srcChain: String(evm.chainId),
      dstChain: node.devnet.chain,
      maker: evm.accounts.maker.address,
      receiver: node.devnet.accounts[2]!.address,
      makerAsset: evm.token,
      makingAmount: (10n ** 18n).toString(),
      takerAsset: 'lovelace',
      auction: { startTime: 0, duration: 120, startAmount: AMOUNT.toString(), endAmount: AMOUNT.toString(), points: [] },
      hashlock: `0x${randomBytes(32).toString('hex')}`,
      timelocks: { srcWithdrawal: 10, srcPublicWithdrawal: 600, srcCancellation: 900, srcPublicCancellation: 1000, dstWithdrawal: 10, dstPublicWithdrawal: 300, dstCancellation: 700 },
      srcSafetyDeposit: '1000',
      dstSafetyDeposit: DEPOSIT.toString(),
      nonce: '1',
      salt: '7',
      expiry: Math.floor(Date.now() / 1000) + 3600,
    };
    return {
      orderHash,
      state: 'src_created',
      order,
      dstAmount: AMOUNT.toString(),
      src: { escrow: `0x${'11'.repeat(20)}`, txHash: `0x${'22'.repeat(32)}`, deployedAt: Math.floor(node.devnet.now() / 1000), immutables: {} },
      txs: { srcEscrow: `0x${'22'.repeat(32)}` },
      updatedAt: new Date().toISOString(),
    };
  }

  /** The reference resolver on `node`, resuming from `jobsFile`; it fills nothing new. */
  function resolverOn(jobsFile: string, account: number) {
    return createResolver({
      relayerUrl: relayer.httpUrl,
      wsUrl: relayer.wsUrl,
      apiKey: 'idempotent-resolver-key-0123',
      evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
      cardano: { host: node.devnet.host, port: node.devnet.port, chain: node.devnet.chain, networkId: 0, paymentKey: node.devnet.accounts[account]!.privateKey },
      maxPayment: () => null,
      jobsFile,
      logger: pino({ level: 'silent' }),
      pollMs: 300,
      publicActions: false,
    });
  }

  it('crash after the send, and crash before it: each job ends dst_created with its persisted tx, one escrow each', { timeout: 120_000 }, async () => {
    const RESOLVER = 3;
    const dst = destination(node, RESOLVER);
    const sent = srcCreatedJob(newOrderHash());
    sent.dstPending = await dst.prepareEscrow(dstEscrowRequest(sent));
    await submitSigned(ctxOf(node, RESOLVER), sent.dstPending.cbor); // the node has it; the resolver "died" before recording
    await node.devnet.produceBlock();
    // Both pending txs are prepared against the same wallet: the second must not reuse the first's inputs.
    const notSent = srcCreatedJob(newOrderHash());
    notSent.dstPending = await dst.prepareEscrow(dstEscrowRequest(notSent));

    const dir = await mkdtemp(join(tmpdir(), 'idem-bot-'));
    const jobsFile = join(dir, 'jobs.json');
    await writeFile(jobsFile, JSON.stringify([sent, notSent], null, 2));

    const resolver = await resolverOn(jobsFile, RESOLVER);
    try {
      await resolver.bot.start();
      for (const job of [sent, notSent]) {
        const done = await resolver.bot.waitFor(job.orderHash, ['dst_created'], 90_000);
        expect(done.dst).toMatchObject({ escrow: job.dstPending!.escrow, txId: job.dstPending!.txId });
        expect(done.txs.dstEscrow).toBe(job.dstPending!.txId);
        expect(done.dstPending).toBeUndefined();
      }
      // A few more ticks and blocks: still exactly one escrow per order.
      const tip = node.devnet.tip().height;
      await expect.poll(() => node.devnet.tip().height, { timeout: 10_000 }).toBeGreaterThan(tip + 2);
      expect(await escrowsFor(node, sent.orderHash)).toEqual([sent.dstPending.escrow]);
      expect(await escrowsFor(node, notSent.orderHash)).toEqual([notSent.dstPending.escrow]);
    } finally {
      await resolver.close();
    }
    const saved = JSON.parse(await readFile(jobsFile, 'utf8')) as Job[];
    expect(saved.map((j) => [j.state, j.dstPending])).toEqual([
      ['dst_created', undefined],
      ['dst_created', undefined],
    ]);
  });

  it('a pending tx that landed long ago and whose outputs are all spent since reads dead on chain; the relayer\'s record keeps the bot from locking again', { timeout: 120_000 }, async () => {
    const RESOLVER = 4;
    const dst = destination(node, RESOLVER);
    const ctx = ctxOf(node, RESOLVER);
    const secret = `0x${randomBytes(32).toString('hex')}` as Hex;
    const job = srcCreatedJob(newOrderHash());
    job.order.hashlock = keccak256(secret);
    job.src!.deployedAt -= 20; // the withdrawal window (deployedAt + 10 s) is open
    const p = await dst.prepareEscrow(dstEscrowRequest(job));
    expect(await dst.submitEscrow(p)).toBe('landed');
    // "During the outage": the escrow is withdrawn and the change output reused.
    await dst.withdraw(p.escrow, secret);
    const change = Core.Transaction.fromCbor(Core.TxCBOR(p.cbor))
      .body()
      .outputs()
      .map((_, i) => new Core.TransactionInput(Core.TransactionId(p.txId), BigInt(i)))
      .filter((i) => `${p.txId}#${i.index()}` !== p.escrow);
    await spend(ctx, change);
    // The spend is only in the mempool yet: until it is in a block its outputs still read 'landed'.
    await expect.poll(async () => (await node.provider.resolveUnspentOutputs(change)).length, { timeout: 60_000, interval: 250 }).toBe(0);
    const api = new RelayerClient(relayer.httpUrl);
    await expect
      .poll(async () => (await api.escrows({ orderHash: job.orderHash })).items.map((e) => [e.escrowId, e.status]), { timeout: 60_000, interval: 250 })
      .toEqual([[p.escrow, 'withdrawn']]);
    expect(await dst.submitEscrow(p)).toBe('dead'); // the chain alone cannot tell (documented limit)

    job.dstPending = p;
    const jobsFile = join(await mkdtemp(join(tmpdir(), 'idem-bot-')), 'jobs.json');
    await writeFile(jobsFile, JSON.stringify([job], null, 2));
    const resolver = await resolverOn(jobsFile, RESOLVER);
    try {
      await resolver.bot.start();
      const done = await resolver.bot.waitFor(job.orderHash, ['dst_created'], 60_000);
      expect(done.dst).toMatchObject({ escrow: p.escrow, txId: p.txId });
      const tip = node.devnet.tip().height;
      await expect.poll(() => node.devnet.tip().height, { timeout: 10_000 }).toBeGreaterThan(tip + 2);
    } finally {
      await resolver.close();
    }
    expect(await escrowsFor(node, job.orderHash)).toEqual([]); // no second escrow was locked
    expect((await api.escrows({ orderHash: job.orderHash })).items).toHaveLength(1);
  });
});
