/**
 * Shared parts of the end-to-end tests on the devnets: both chains and a relayer wired to them,
 * orders signed by the devnet maker, and a Cardano party (resolver or attacker) that builds its
 * own escrow transactions — honest ones, or outputs whose value and datum disagree.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Core } from '@blaze-cardano/sdk';
import { keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { escrowScript } from '../../contracts/cardano/index.js';
import { RelayerClient, type WireOrder } from '../../client/http.js';
import { signOrder } from '../../client/sign.js';
import { startCardanoDevnet, type CardanoDevnet, type DevnetAccount } from '../../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet, type EvmDevnet, type EvmDevnetOptions } from '../../devnet/evm/index.js';
import { EvmSourceChain, type SrcFill } from '../../resolver/evm.js';
import { OgmiosProvider } from '../../cardano-tx/ogmios-provider.js';
import {
  cancel,
  Ed25519KeySigner,
  bech32ToPlutusAddress,
  escrowDatumData,
  escrowValue,
  fundedBuilder,
  withdraw,
  LOVELACE,
  type EscrowDatum,
  type EscrowTxContext,
} from '../../cardano-tx/index.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';

export interface E2e {
  evm: EvmDevnet;
  ada: CardanoDevnet;
  relayer: RunningRelayer;
  api: RelayerClient;
  dataDir: string;
  /** The filling resolver's EVM side (the devnet's `resolver` account). */
  resolverEvm: EvmSourceChain;
  stop(): Promise<void>;
}

/**
 * Anvil (1 s blocks) and the Cardano devnet, the relayer on both with its monitors, coordinator,
 * HTTP API and secret gate, and the maker's allowance to the factory. `env` overrides the config.
 */
export async function startE2e(opts: { evm?: EvmDevnetOptions; env?: Record<string, string> } = {}): Promise<E2e> {
  const [evm, ada] = await Promise.all([startEvmDevnet({ blockTime: 1, ...opts.evm }), startCardanoDevnet()]);
  const dataDir = await mkdtemp(join(tmpdir(), 'relayer-e2e-'));
  const relayer = await startRelayer(
    loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      WS_PORT: '0',
      EVM_CONFIRMATIONS: '2',
      CARDANO_CONFIRMATIONS: '2',
      SECRET_MARGIN_SECONDS: '30',
      SETTLEMENT_TOLERANCE_SECONDS: '2',
      ...opts.env,
    }),
    { logger: pino({ level: 'silent' }), devnets: { evm, cardano: ada } },
  );
  // The maker lets the factory pull its tokens.
  await approveFactory(evm);
  return {
    evm,
    ada,
    relayer,
    api: new RelayerClient(relayer.httpUrl),
    dataDir,
    resolverEvm: new EvmSourceChain({ rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey }),
    stop: async () => {
      await relayer.stop();
      await Promise.all([evm.stop(), ada.stop()]);
    },
  };
}

export const DEFAULT_TIMELOCKS: WireOrder['timelocks'] = {
  srcWithdrawal: 4,
  srcPublicWithdrawal: 600,
  srcCancellation: 900,
  srcPublicCancellation: 1000,
  dstWithdrawal: 4,
  dstPublicWithdrawal: 300,
  dstCancellation: 700,
};

export interface SignedOrder {
  order: WireOrder;
  signature: Hex;
  secret: Hex;
}

export interface MadeOrder extends SignedOrder {
  orderHash: Hex;
}

/** An ETH → ADA order of the devnet maker, paying `ada.accounts[2]`, signed but not submitted. */
export async function signedOrder(e: E2e, over: Partial<WireOrder> = {}): Promise<SignedOrder> {
  const secret = `0x${randomBytes(32).toString('hex')}` as Hex;
  const now = Math.floor(Date.now() / 1000);
  const order: WireOrder = {
    srcChain: String(e.evm.chainId),
    dstChain: 'cardano:devnet',
    maker: e.evm.accounts.maker.address,
    receiver: e.ada.accounts[2]!.address,
    makerAsset: e.evm.token,
    makingAmount: (10n ** 18n).toString(),
    takerAsset: 'lovelace',
    auction: { startTime: now - 5, duration: 120, startAmount: '6000000', endAmount: '5000000', points: [] },
    hashlock: keccak256(secret),
    timelocks: DEFAULT_TIMELOCKS,
    srcSafetyDeposit: '1000',
    dstSafetyDeposit: '1000000',
    nonce: BigInt(`0x${randomBytes(6).toString('hex')}`).toString(),
    salt: '7',
    expiry: now + 3600,
    ...over,
  };
  const signature = await signOrder(privateKeyToAccount(e.evm.accounts.maker.privateKey), await e.api.typedData(), order);
  return { order, signature, secret };
}

/** `signedOrder`, submitted to the relayer. */
export async function makeOrder(e: E2e, over: Partial<WireOrder> = {}): Promise<MadeOrder> {
  const signed = await signedOrder(e, over);
  const { orderHash } = await e.api.submit(signed.order, signed.signature);
  return { ...signed, orderHash };
}

export async function statusOf(api: RelayerClient, orderHash: string): Promise<string> {
  return (await api.order(orderHash)).status;
}

/**
 * The honest destination escrow datum for a fill: the order's hashlock and receiver, `taker` as
 * taker and refund address, deadlines from the source escrow's real deployedAt. `over` changes
 * any term (an attacker's variant); `deployedAt` shifts every deadline.
 */
export function dstDatum(
  m: Pick<MadeOrder, 'orderHash' | 'order'>,
  fill: SrcFill,
  taker: CardanoActor,
  amount: bigint,
  over: Partial<EscrowDatum> & { deployedAt?: number } = {},
): EscrowDatum {
  const { deployedAt, ...terms } = over;
  const base = BigInt((deployedAt ?? fill.deployedAt) * 1000);
  const t = m.order.timelocks;
  return {
    orderHash: m.orderHash.slice(2),
    hashlock: m.order.hashlock.slice(2),
    maker: receiverKeyHash(m.order.receiver),
    taker: taker.paymentKeyHash,
    withdrawTo: bech32ToPlutusAddress(m.order.receiver),
    cancelTo: bech32ToPlutusAddress(taker.address),
    asset: m.order.takerAsset === 'lovelace' ? LOVELACE : { policyId: m.order.takerAsset.slice(0, 56), assetName: m.order.takerAsset.slice(56) },
    amount,
    safetyDeposit: BigInt(m.order.dstSafetyDeposit),
    withdrawalAt: base + BigInt(t.dstWithdrawal * 1000),
    publicWithdrawalAt: base + BigInt(t.dstPublicWithdrawal * 1000),
    cancellationAt: base + BigInt(t.dstCancellation * 1000),
    publicCancellationAt: null,
    ...terms,
  };
}

function receiverKeyHash(bech32: string): string {
  const pay = Core.Address.fromBech32(bech32).getProps().paymentPart;
  return pay?.type === Core.CredentialType.KeyHash ? pay.hash : '00'.repeat(28);
}

/**
 * One Cardano key (a resolver, or an attacker) building its own transactions through Ogmios.
 * Its transactions go one at a time and each waits until it is in a block, so the next one's
 * coin selection (from the tip) never reuses an input still in the mempool.
 */
export class CardanoActor {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly ctx: EscrowTxContext,
    private readonly provider: OgmiosProvider,
  ) {}

  static async connect(ada: CardanoDevnet, account: DevnetAccount): Promise<CardanoActor> {
    const provider = await OgmiosProvider.connect({ host: ada.host, port: ada.port }, { networkId: 0 });
    const signer = new Ed25519KeySigner(account.privateKey, 0);
    return new CardanoActor({ provider, signer, networkId: 0, clock: provider.slotClock() }, provider);
  }

  get address(): string {
    return this.ctx.signer.address.toBech32();
  }

  get paymentKeyHash(): string {
    return this.ctx.signer.paymentKeyHash;
  }

  /**
   * Locks `value` at the escrow script with `datum` inline. By default the value is exactly what
   * the datum claims (amount + deposit, or the asset plus the deposit in lovelace); an attacker
   * passes another. Resolves with the escrow's output reference once it is in a block.
   */
  lock(datum: EscrowDatum, value: Core.Value = escrowValue(datum)): Promise<string> {
    return this.serially(async () => {
      const output = new Core.TransactionOutput(escrowScript.address(0), value);
      output.setDatum(Core.Datum.newInlineData(escrowDatumData(datum)));
      const tx = await this.send((await fundedBuilder(this.ctx)).addOutput(output));
      const index = tx.body().outputs().findIndex((o) => o.address().toBech32() === escrowScript.address(0).toBech32());
      return `${tx.getId()}#${index}`;
    });
  }

  /** Mints `quantity` of a token under a policy only this key can sign; returns its unit (policy id + name hex). */
  mint(name: string, quantity: bigint): Promise<string> {
    return this.serially(async () => {
      const native = Core.NativeScript.newScriptPubkey(new Core.ScriptPubkey(Core.Ed25519KeyHashHex(this.paymentKeyHash)));
      const policy = Core.Script.newNativeScript(native);
      const assetName = Buffer.from(name).toString('hex');
      await this.send(
        (await fundedBuilder(this.ctx)).addMint(Core.PolicyId(policy.hash()), new Map([[Core.AssetName(assetName), quantity]])).provideScript(policy),
      );
      return policy.hash() + assetName;
    });
  }

  withdraw(escrow: string, secret: Hex): Promise<string> {
    return this.serially(() => this.landed(withdraw({ ...this.ctx, submit: false }, { escrow: parseRef(escrow), secret: secret.slice(2) })));
  }

  cancel(escrow: string): Promise<string> {
    return this.serially(() => this.landed(cancel({ ...this.ctx, submit: false }, { escrow: parseRef(escrow) })));
  }

  close(): Promise<void> {
    return this.provider.close();
  }

  private async landed(built: Promise<{ tx: Core.Transaction }>): Promise<string> {
    const { tx } = await built;
    await this.submitAndWait(tx);
    return tx.getId();
  }

  private async send(builder: Awaited<ReturnType<typeof fundedBuilder>>): Promise<Core.Transaction> {
    const tx = await this.ctx.signer.sign(await builder.complete());
    await this.submitAndWait(tx);
    return tx;
  }

  /** Submits, then waits until the transaction's first output is at the tip. */
  private async submitAndWait(tx: Core.Transaction): Promise<void> {
    await this.provider.postTransactionToChain(tx);
    const first = new Core.TransactionInput(Core.TransactionId(tx.getId()), 0n);
    for (let i = 0; (await this.provider.resolveUnspentOutputs([first])).length === 0; i++) {
      if (i > 600) throw new Error(`transaction ${tx.getId()} not in a block after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parseRef(ref: string): { txId: string; index: number } {
  const [txId, index] = ref.split('#');
  return { txId: txId!, index: Number(index) };
}

/** Runs the given jobs one at a time (e.g. transactions from one EVM account, whose nonces must not collide). */
export function serial(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
}

/**
 * Reads until `done(value)` holds and returns that value; after `timeoutMs` throws with the last
 * value seen. For waits outside a test's own body (where `expect.poll` is not available), e.g.
 * scenarios started side by side in `beforeAll` and awaited by their tests.
 */
export async function pollFor<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
