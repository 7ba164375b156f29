/**
 * Cardano follow: how many blocks per second the escrow monitor follows when every block holds
 * 100 escrow-creating transactions.
 *
 * Setup (not timed): the devnet (Blaze emulator behind Ogmios) with blocks on demand; 100 txs
 * per block, each locking 12 ADA at the escrow script address with a full escrow datum (fresh
 * order hash and hashlock) plus change, chained on the previous tx's change and submitted over
 * Ogmios. So every block is ~100 real Conway transactions in Ogmios JSON (with CBOR), ~55 kB.
 *
 * Measured, each on a fresh Postgres database, the real path (Ogmios chain-sync with 100
 * pipelined nextBlock → decode → ChainStateStore.apply → bus), 3 confirmations:
 *   - catchUp: a monitor started on a chain of BLOCKS such blocks, until its cursor is at the tip
 *     (batches of up to 100 blocks per store transaction);
 *   - live: at the tip, LIVE_BLOCKS more blocks produced one at a time; per block, the time from
 *     produceBlock() until the monitor has committed it (devnet sealing and JSON included).
 *
 *   npx tsx bench/cardano-follow.ts
 */
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createInteractionContext, createTransactionSubmissionClient } from '@cardano-ogmios/client';
import { Core } from '@blaze-cardano/sdk';
import { InProcessBus } from '../src/bus/in-process.js';
import { cardanoEscrowFollower } from '../src/chains/cardano/escrow-follower.js';
import { bech32ToPlutusAddress, escrowDatumData } from '../src/chains/cardano/escrow-datum.js';
import { timedChainStore } from './_timed-store.js';
import { ChainStateRepository } from '../src/store/chain-state-repo.js';
import { startCardanoDevnet, type CardanoDevnet } from '../devnet/cardano/index.js';
import { alwaysOk, scriptAddress } from '../test/devnet-cardano/support/scripts.js';
import { withPostgres } from '../test/support/db.js';

const BLOCKS = 30;
const TXS_PER_BLOCK = 100;
const LIVE_BLOCKS = 10;
const LOCK = 12_000_000n;
const FEE = 300_000n;

const script = alwaysOk();
const escrowAddress = scriptAddress(script);

/** Builds, signs and submits TXS_PER_BLOCK chained escrow txs, then (optionally) seals a block. */
class EscrowFeeder {
  private input: Core.TransactionInput;
  private funds: bigint;
  private readonly owner: Core.Address;

  constructor(
    private readonly devnet: CardanoDevnet,
    private readonly submit: (cbor: string) => Promise<string>,
  ) {
    const a = devnet.accounts[0]!;
    this.owner = Core.Address.fromBech32(a.address);
    this.input = new Core.TransactionInput(Core.TransactionId('00'.repeat(32)), 0n); // account 0's only genesis UTxO
    this.funds = a.lovelace;
  }

  private escrowTx(): Core.Transaction {
    const acct = this.devnet.accounts[0]!;
    const receiver = this.devnet.accounts[1]!;
    const now = BigInt(this.devnet.now());
    const datum = escrowDatumData({
      orderHash: randomBytes(32).toString('hex'),
      hashlock: randomBytes(32).toString('hex'),
      maker: receiver.paymentKeyHash,
      taker: acct.paymentKeyHash,
      withdrawTo: bech32ToPlutusAddress(receiver.address),
      cancelTo: bech32ToPlutusAddress(acct.address),
      asset: { policyId: '', assetName: '' },
      amount: 10_000_000n,
      safetyDeposit: 2_000_000n,
      withdrawalAt: now + 60_000n,
      publicWithdrawalAt: now + 120_000n,
      cancellationAt: now + 180_000n,
      publicCancellationAt: null,
    });
    const escrowOut = new Core.TransactionOutput(escrowAddress, new Core.Value(LOCK));
    escrowOut.setDatum(Core.Datum.newInlineData(datum));
    const change = this.funds - LOCK - FEE;
    const body = new Core.TransactionBody(
      Core.CborSet.fromCore([this.input.toCore()], Core.TransactionInput.fromCore),
      [escrowOut, new Core.TransactionOutput(this.owner, new Core.Value(change))],
      FEE,
    );
    const tx = new Core.Transaction(body, new Core.TransactionWitnessSet());
    const sig = Core.signMessage(Core.HexBlob(tx.getId()), Core.Ed25519PrivateNormalKeyHex(acct.privateKey));
    const ws = new Core.TransactionWitnessSet();
    ws.setVkeys(
      Core.CborSet.fromCore([[Core.Ed25519PublicKeyHex(acct.publicKey), Core.Ed25519SignatureHex(sig)]], Core.VkeyWitness.fromCore),
    );
    tx.setWitnessSet(ws);
    this.input = new Core.TransactionInput(tx.getId(), 1n);
    this.funds = change;
    return tx;
  }

  /**
   * Submits one block's worth of escrow txs, one after the other (the devnet's mempool lets them
   * chain). Not all at once: the Ogmios client gives every pending request its own socket
   * listener, so n concurrent requests cost n² reply parses.
   */
  async fill(): Promise<void> {
    for (let i = 0; i < TXS_PER_BLOCK; i++) await this.submit(this.escrowTx().toCbor());
  }
}

export async function run(): Promise<object> {
  const devnet = await startCardanoDevnet({
    autoBlocks: false,
    genesis: { count: 2, utxosPerAccount: 1, lovelacePerAccount: 10_000_000_000_000n },
  });
  const context = await createInteractionContext(() => {}, () => {}, { connection: { host: devnet.host, port: devnet.port } });
  const submitter = await createTransactionSubmissionClient(context);
  const feeder = new EscrowFeeder(devnet, (cbor) => submitter.submitTransaction(cbor));
  const databases: Awaited<ReturnType<typeof withPostgres>>[] = [];
  try {
    const setupStarted = performance.now();
    for (let b = 0; b < BLOCKS; b++) {
      await feeder.fill();
      await devnet.produceBlock();
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const pg = await withPostgres();
    databases.push(pg);
    const bus = new InProcessBus();
    let published = 0;
    bus.subscribe('chain', () => published++);
    // Time spent inside the store's transactions, to tell store cost from follow + decode cost.
    const { store, applyMs } = timedChainStore(new ChainStateRepository(pg.database.db));
    const monitor = cardanoEscrowFollower({
      chain: devnet.chain,
      ogmios: { host: devnet.host, port: devnet.port },
      escrowScriptHash: script.hash(),
      confirmations: 3,
      store,
      bus,
    });
    const tipHeight = devnet.tip().height;
    const started = performance.now();
    await monitor.start();
    while (monitor.status().processed?.height !== tipHeight) await new Promise((r) => setTimeout(r, 2));
    const catchUpSeconds = (performance.now() - started) / 1000;
    const caughtUpEvents = published;
    const catchUpStoreSeconds = applyMs() / 1000;

    const latencies: number[] = [];
    for (let i = 0; i < LIVE_BLOCKS; i++) {
      await feeder.fill();
      const t0 = performance.now();
      const { height } = await devnet.produceBlock();
      while (monitor.status().processed?.height !== height) await new Promise((r) => setTimeout(r, 1));
      latencies.push(performance.now() - t0);
    }
    await monitor.stop();
    await bus.stop();

    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    return {
      txsPerBlock: TXS_PER_BLOCK,
      setup: { blocks: BLOCKS, seconds: round(setupSeconds) },
      catchUp: {
        blocks: tipHeight,
        escrowEvents: caughtUpEvents,
        seconds: round(catchUpSeconds),
        blocksPerSecond: round(tipHeight / catchUpSeconds),
        escrowTxsPerSecond: Math.round((BLOCKS * TXS_PER_BLOCK) / catchUpSeconds),
        storeApplySeconds: round(catchUpStoreSeconds),
      },
      live: {
        blocks: LIVE_BLOCKS,
        meanMsPerBlock: round(mean),
        maxMsPerBlock: round(Math.max(...latencies)),
        blocksPerSecond: round(1000 / mean),
      },
    };
  } finally {
    await new Promise<void>((resolve) => {
      context.socket.once('close', () => resolve());
      context.socket.close();
    });
    await devnet.stop();
    for (const d of databases) await d.drop();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
