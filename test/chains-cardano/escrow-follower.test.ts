/**
 * The Cardano escrow follower (Cardano source + escrow decoder + the chain follower) on the real devnet (over Ogmios) with the real Postgres store:
 * what it reports for escrow outputs and spends, finality, restarts, rollbacks, disconnects.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { ChainEventUpdate, EscrowCreatedEvent, EscrowWithdrawnEvent } from '../../src/chains/events.js';
import { cardanoEscrowFollower, type CardanoEscrowFollowerOptions } from '../../src/chains/cardano/escrow-follower.js';
import type { ChainFollower } from '../../src/chains/follower.js';
import type { ChainStateStore } from '../../src/chains/ports.js';
import { plutusAddressToBech32 } from '../../src/chains/cardano/escrow-datum.js';
import { storeOn, type Store } from '../../src/store/index.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { DevnetWallet } from '../../devnet/cardano/wallet.js';
import { alwaysFail, scriptAddress } from '../devnet-cardano/support/scripts.js';
import { until } from '../devnet-cardano/support/index.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { ESCROW_HASH, escrowDatum, lockEscrow, newSecret, spendEscrow } from './support.js';

const CHAIN = 'cardano:devnet';

describe('Cardano escrow follower', () => {
  let devnet: CardanoDevnet;
  let pg: TestPostgres;
  let store: Store;
  let bus: InProcessBus;
  let wallet: DevnetWallet;
  let updates: ChainEventUpdate[];
  const followers: ChainFollower[] = [];

  beforeEach(async () => {
    [devnet, pg] = await Promise.all([startCardanoDevnet({ autoBlocks: false }), withPostgres()]);
    store = storeOn(pg.database);
    bus = new InProcessBus();
    updates = [];
    bus.subscribe('chain', (u) => updates.push(u));
    wallet = await DevnetWallet.connect(devnet, devnet.accounts[0]!);
  });

  afterEach(async () => {
    for (const m of followers.splice(0)) await m.stop();
    await wallet?.close();
    await devnet?.stop();
    await bus?.stop();
    await pg?.drop();
  });

  function follower(opts: Partial<CardanoEscrowFollowerOptions> = {}): ChainFollower {
    const m = cardanoEscrowFollower({
      chain: CHAIN,
      ogmios: { host: devnet.host, port: devnet.port },
      escrowScriptHash: ESCROW_HASH,
      confirmations: 3,
      store: store.chainState,
      bus,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      ...opts,
    });
    followers.push(m as ChainFollower);
    return m as ChainFollower;
  }

  const observed = (type: string) => updates.filter((u) => u.status === 'observed' && u.event.type === type);
  const caughtUp = (m: ChainFollower) => until(() => m.status().processed?.height === devnet.tip().height);

  it('reports creations with their datum terms and any shortfall of the real output value, withdrawals with the secret, cancellations, and finality', async () => {
    const m = follower();
    await m.start();
    const { secret, hashlock } = newSecret();
    const dstDatum = escrowDatum(devnet, { hashlock });
    const dst = await lockEscrow(wallet, dstDatum);
    // A forged datum: it claims 50 ADA but the output holds 20 ADA (2 of them the deposit).
    const forged = await lockEscrow(wallet, escrowDatum(devnet, { hashlock, amount: 50_000_000n }), { lovelace: 20_000_000n });
    // A look-alike at another script address, and junk at the escrow address.
    await lockEscrow(wallet, dstDatum, { address: scriptAddress(alwaysFail()) });
    await lockEscrow(wallet, 'd8799f4100ff');
    const srcDatum = escrowDatum(devnet, { hashlock: newSecret().hashlock, side: 'src' });
    const src = await lockEscrow(wallet, srcDatum);
    const created = await devnet.produceBlock();

    await until(() => observed('escrow_created').length === 3);
    const byRef = new Map(observed('escrow_created').map((u) => [(u.event as EscrowCreatedEvent).escrow, u.event as EscrowCreatedEvent]));
    expect([...byRef.keys()].sort()).toEqual([dst.ref, forged.ref, src.ref].sort());

    const d = byRef.get(dst.ref)!;
    expect(d).toMatchObject({
      chain: CHAIN,
      side: 'dst',
      orderHash: `0x${dstDatum.orderHash}`,
      hashlock: `0x${hashlock}`,
      maker: devnet.accounts[1]!.address, // dst: the receiver (withdrawTo) as bech32
      taker: devnet.accounts[0]!.paymentKeyHash,
      token: 'lovelace',
      amount: 10_000_000n,
      safetyDeposit: 2_000_000n,
      blockNumber: BigInt(created.height),
      blockHash: created.id,
      txHash: dst.tx.getId(),
    });
    const blockTime = Math.floor((devnet.slotConfig.zeroTime + created.slot * devnet.slotConfig.slotLength) / 1000);
    expect(d.deployedAt).toBe(blockTime);
    expect(d.deadlines).toEqual({
      withdrawal: Number(dstDatum.withdrawalAt / 1000n),
      publicWithdrawal: Number(dstDatum.publicWithdrawalAt / 1000n),
      cancellation: Number(dstDatum.cancellationAt / 1000n),
    });
    // The datum's terms, with the shortfall that makes it no escrow of any order (never capped).
    expect(byRef.get(forged.ref)).toMatchObject({
      amount: 50_000_000n,
      shortfall: [{ asset: 'lovelace', required: 52_000_000n, held: 20_000_000n }],
    });
    expect(d.shortfall).toBeUndefined();
    const s = byRef.get(src.ref)!;
    expect(s).toMatchObject({ side: 'src', maker: devnet.accounts[1]!.paymentKeyHash });
    expect(s.deadlines.publicCancellation).toBe(Number(srcDatum.publicCancellationAt! / 1000n));

    // Withdraw the dst escrow to the receiver with the secret; cancel the src escrow back to the maker.
    const receiver = devnet.accounts[1]!.address;
    const withdraw = await spendEscrow(wallet, dst.ref, { action: 'withdraw', secret }, receiver, 10_000_000n);
    const makerAddr = plutusAddressToBech32(srcDatum.cancelTo, 0);
    await spendEscrow(wallet, src.ref, { action: 'publicCancel' }, makerAddr, 10_000_000n);
    await devnet.produceBlock();
    await until(() => observed('escrow_withdrawn').length === 1 && observed('escrow_cancelled').length === 1);
    const w = observed('escrow_withdrawn')[0]!.event as EscrowWithdrawnEvent;
    expect(w).toMatchObject({ escrow: dst.ref, side: 'dst', secret: `0x${secret}`, public: false, to: receiver, txHash: withdraw.getId() });
    expect(w.orderHash).toBe(`0x${dstDatum.orderHash}`);
    expect(observed('escrow_cancelled')[0]!.event).toMatchObject({ escrow: src.ref, side: 'src', public: true, to: makerAddr });

    // Finality: 3 confirmations, the block itself included.
    expect(updates.filter((u) => u.status === 'final')).toEqual([]);
    await devnet.produceBlock();
    await until(() => updates.filter((u) => u.status === 'final').length === 3);
    expect(updates.filter((u) => u.status === 'final').map((u) => u.event.type)).toEqual([
      'escrow_created',
      'escrow_created',
      'escrow_created',
    ]);
    await devnet.produceBlock();
    await until(() => updates.filter((u) => u.status === 'final').length === 5);

    const st = m.status();
    expect(st).toMatchObject({ chain: CHAIN, connected: true, lagBlocks: 0, lastError: null });
    expect(st.processed).toEqual({ slot: devnet.tip().slot, height: devnet.tip().height, hash: devnet.tip().id });
    expect(st.head).toEqual({ slot: devnet.tip().slot, height: devnet.tip().height, hash: devnet.tip().id });
    expect(updates).toHaveLength(5 + 5);
  });

  it('resumes after a restart from the stored point: nothing published twice, nothing missed', async () => {
    const registry = new Registry();
    const first = follower({ registry });
    await first.start();
    const a = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await until(() => observed('escrow_created').length === 1);
    await first.stop();
    await first.stop(); // idempotent

    // While it is down: more blocks, one more escrow.
    const b = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await devnet.produceBlock();

    const second = follower({ registry });
    await second.start();
    await caughtUp(second);
    await until(() => observed('escrow_created').length === 2);
    expect(observed('escrow_created').map((u) => (u.event as EscrowCreatedEvent).escrow)).toEqual([a.ref, b.ref]);
    // `a` reached 3 confirmations while the follower was down: reported final once, on resume.
    await until(() => updates.some((u) => u.status === 'final'));
    expect(updates.filter((u) => u.status === 'final').map((u) => (u.event as EscrowCreatedEvent).escrow)).toEqual([a.ref]);
    const metrics = await registry.getSingleMetricAsString('chain_follower_processed_height');
    expect(metrics).toContain(`chain_follower_processed_height{chain="${CHAIN}"} ${devnet.tip().height}`);
  });

  it('reverses events of rolled-back blocks, and reports them again when re-added', async () => {
    const m = follower();
    await m.start();
    const e = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await until(() => observed('escrow_created').length === 1);

    const dropped = await devnet.rollback(1);
    expect(dropped).toEqual([e.tx.toCbor()]);
    await until(() => updates.some((u) => u.status === 'reverted'));
    expect(updates.find((u) => u.status === 'reverted')!.event).toMatchObject({ escrow: e.ref });
    expect(await store.chainState.eventById(CHAIN, `${CHAIN}:${e.tx.getId()}:0`)).toBeNull();

    // The same transaction mined again on the new branch.
    await wallet.submit(e.tx);
    await devnet.produceBlock();
    await until(() => observed('escrow_created').length === 2);
    const again = observed('escrow_created')[1]!.event as EscrowCreatedEvent;
    expect(again.escrow).toBe(e.ref);
    expect(again.blockHash).toBe(devnet.tip().id);
    expect(updates.map((u) => u.status)).toEqual(['observed', 'reverted', 'observed']);
  });

  it('reads a block again from Ogmios when its commit fails: the session starts over, nothing is skipped', async () => {
    const cs = store.chainState;
    let failed = 0;
    // The real store, except that the first commit holding an event fails.
    const flaky: ChainStateStore = {
      getCursor: (c) => cs.getCursor(c),
      apply: async (batch) => {
        if ((batch.observed?.length ?? 0) > 0 && failed++ === 0) throw new Error('store unavailable');
        return cs.apply(batch);
      },
      rollback: (c, to) => cs.rollback(c, to),
      blockAt: (c, h) => cs.blockAt(c, h),
      recentBlocks: (c, n) => cs.recentBlocks(c, n),
      eventById: (c, id) => cs.eventById(c, id),
      pending: (c) => cs.pending(c),
      pruneBlocks: (c, h) => cs.pruneBlocks(c, h),
    };
    const registry = new Registry();
    const m = follower({ store: flaky, registry, minBackoffMs: 200, maxBackoffMs: 200 });
    await m.start();
    await caughtUp(m);
    const a = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await devnet.produceBlock(); // the node moves on while the follower backs off
    await until(() => observed('escrow_created').length === 1);
    expect((observed('escrow_created')[0]!.event as EscrowCreatedEvent).escrow).toBe(a.ref);
    await caughtUp(m);
    expect(failed).toBeGreaterThanOrEqual(2); // it failed once, then went through
    const errors = (await registry.getSingleMetric('chain_follower_errors_total')!.get()).values[0]?.value ?? 0;
    expect(errors).toBeGreaterThanOrEqual(1);
    expect(m.status()).toMatchObject({ connected: true, lastError: null });
  });

  it('loses nothing when the socket is killed or the devnet restarts on the same port', async () => {
    const registry = new Registry();
    const m = follower({ registry });
    await m.start();
    await caughtUp(m);

    devnet.dropConnections(); // every client socket, the wallet's too
    // (it may reconnect before a poll could see it down: count the ended sessions instead)
    const reconnects = async () => (await registry.getSingleMetric('chain_follower_errors_total')!.get()).values[0]?.value ?? 0;
    await until(async () => (await reconnects()) >= 1);
    await wallet.close();
    wallet = await DevnetWallet.connect(devnet, devnet.accounts[0]!);
    const a = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await until(() => observed('escrow_created').length === 1);
    expect((observed('escrow_created')[0]!.event as EscrowCreatedEvent).escrow).toBe(a.ref);

    // Stop the devnet, keep its chain, extend it while the monitor is cut off, restart on the same port.
    await wallet.close();
    const chain = devnet.exportChain();
    const port = devnet.port;
    await devnet.stop();
    await until(() => !m.status().connected);
    devnet = await startCardanoDevnet({ autoBlocks: false, port, restore: chain });
    wallet = await DevnetWallet.connect(devnet, devnet.accounts[0]!);
    const b = await lockEscrow(wallet, escrowDatum(devnet, { hashlock: newSecret().hashlock }));
    await devnet.produceBlock();
    await until(() => observed('escrow_created').length === 2);
    expect((observed('escrow_created')[1]!.event as EscrowCreatedEvent).escrow).toBe(b.ref);
    await caughtUp(m);
    expect(m.status().connected).toBe(true);
    expect(observed('escrow_created')).toHaveLength(2);
  });
});

describe('Cardano escrow follower configuration', () => {
  it('refuses a bad script hash or confirmation depth before touching anything', () => {
    const base = {
      chain: CHAIN,
      ogmios: { host: '127.0.0.1', port: 1 },
      escrowScriptHash: ESCROW_HASH,
      confirmations: 3,
      store: {} as CardanoEscrowFollowerOptions['store'],
      bus: new InProcessBus(),
    };
    expect(() => cardanoEscrowFollower({ ...base, escrowScriptHash: 'nothex' })).toThrow(/escrowScriptHash/);
    expect(() => cardanoEscrowFollower({ ...base, confirmations: -1 })).toThrow(/confirmations/);
    expect(cardanoEscrowFollower(base).status()).toMatchObject({ connected: false, head: null, processed: null });
  });
});


