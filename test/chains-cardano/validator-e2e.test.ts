/**
 * End to end with the committed escrow validator: the tx builders (cardano-tx/) lock
 * and withdraw through Ogmios on the devnet, the scripts really run, and the escrow follower reports
 * both events from what it follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { escrowScript } from '../../contracts/cardano/index.js';
import { InProcessBus } from '../../src/bus/in-process.js';
import type { ChainEventUpdate, EscrowCreatedEvent } from '../../src/chains/events.js';
import { cardanoEscrowFollower } from '../../src/chains/cardano/escrow-follower.js';
import type { ChainFollower } from '../../src/chains/follower.js';
import { OgmiosProvider } from '../../cardano-tx/ogmios-provider.js';
import { bech32ToPlutusAddress, createEscrow, Ed25519KeySigner, withdraw } from '../../cardano-tx/index.js';
import { storeOn } from '../../src/store/index.js';
import { startCardanoDevnet, type CardanoDevnet } from '../../devnet/cardano/index.js';
import { until } from '../devnet-cardano/support/index.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { newSecret } from './support.js';

describe('Cardano escrow follower with the real escrow validator', () => {
  let devnet: CardanoDevnet;
  let pg: TestPostgres;
  let provider: OgmiosProvider;
  let monitor: ChainFollower;
  const bus = new InProcessBus();
  const updates: ChainEventUpdate[] = [];

  beforeAll(async () => {
    [devnet, pg] = await Promise.all([startCardanoDevnet({ autoBlocks: false }), withPostgres()]);
    provider = await OgmiosProvider.connect({ host: devnet.host, port: devnet.port }, { networkId: 0 });
    bus.subscribe('chain', (u) => updates.push(u));
    monitor = cardanoEscrowFollower({
      chain: devnet.chain,
      ogmios: { url: devnet.url },
      escrowScriptHash: escrowScript.hash,
      confirmations: 2,
      store: storeOn(pg.database).chainState,
      bus,
    });
    await monitor.start();
  });

  afterAll(async () => {
    await monitor?.stop();
    await provider?.close();
    await devnet?.stop();
    await bus.stop();
    await pg?.drop();
  });

  it('reports a destination escrow and its withdrawal with the secret, paid to the receiver', async () => {
    const signer = new Ed25519KeySigner(devnet.accounts[0]!.privateKey, 0);
    const ctx = { provider, signer, networkId: 0 as const, clock: provider.slotClock() };
    const receiver = devnet.accounts[1]!;
    const { secret, hashlock } = newSecret();
    const orderHash = randomBytes(32).toString('hex');
    const now = BigInt(devnet.now());
    const { escrow } = await createEscrow(ctx, {
      orderHash,
      hashlock,
      maker: receiver.paymentKeyHash,
      taker: signer.paymentKeyHash,
      withdrawTo: bech32ToPlutusAddress(receiver.address),
      cancelTo: bech32ToPlutusAddress(signer.address.toBech32()),
      asset: { policyId: '', assetName: '' },
      amount: 40_000_000n,
      safetyDeposit: 2_000_000n,
      withdrawalAt: now + 10_000n,
      publicWithdrawalAt: now + 20_000n,
      cancellationAt: now + 600_000n,
      publicCancellationAt: null,
    } as Parameters<typeof createEscrow>[1]);
    await devnet.produceBlock();
    await until(() => updates.find((u) => u.event.type === 'escrow_created'));
    const created = updates.find((u) => u.event.type === 'escrow_created')!.event as EscrowCreatedEvent;
    expect(created).toMatchObject({
      escrow: `${escrow.txId}#${escrow.index}`,
      side: 'dst',
      orderHash: `0x${orderHash}`,
      maker: receiver.address,
      amount: 40_000_000n,
      safetyDeposit: 2_000_000n,
    });

    devnet.advanceTime(11_000);
    await devnet.produceBlock(); // the builders take "now" from the tip
    await withdraw(ctx, { escrow, secret });
    await devnet.produceBlock();
    await until(() => updates.find((u) => u.event.type === 'escrow_withdrawn'));
    expect(updates.find((u) => u.event.type === 'escrow_withdrawn')!.event).toMatchObject({
      escrow: created.escrow,
      secret: `0x${secret}`,
      public: false,
      to: receiver.address,
      orderHash: `0x${orderHash}`,
    });
    await devnet.produceBlock(); // 2 confirmations for the withdrawal too
    await until(() => updates.filter((u) => u.status === 'final').length === 2);
  });
});
