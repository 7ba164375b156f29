/**
 * A small wallet for devnet accounts that talks to the devnet only through Ogmios (the stock
 * @cardano-ogmios/client): UTxOs from `queryLedgerState/utxo`, script budgets from
 * `evaluateTransaction`, submission with `submitTransaction`. Transactions are built with
 * Blaze's TxBuilder and signed with the account's Ed25519 key.
 *
 * For tests and local tooling; the relayer's production path has its own provider.
 */
import {
  createInteractionContext,
  createLedgerStateQueryClient,
  createTransactionSubmissionClient,
  type InteractionContext,
  type LedgerStateQuery,
  type TransactionSubmission,
} from '@cardano-ogmios/client';
import { Core, TxBuilder } from '@blaze-cardano/sdk';
import type { DevnetAccount } from './genesis.js';
import { utxoFromOgmios, utxoJson } from './ogmios-json.js';

type LedgerStateQueryClient = LedgerStateQuery.LedgerStateQueryClient;
type TransactionSubmissionClient = TransactionSubmission.TransactionSubmissionClient;

const TAGS = ['spend', 'mint', 'publish', 'withdraw', 'vote', 'propose'];

export class DevnetWallet {
  readonly address: Core.Address;
  /** Inputs our submitted txs spend, until the tip shows them spent. */
  private readonly spent = new Set<string>();
  /** Our submitted txs' outputs to us, until the tip shows them: lets the next tx chain on them. */
  private readonly pendingOutputs = new Map<string, Core.TransactionUnspentOutput>();

  private constructor(
    readonly account: DevnetAccount,
    private readonly context: InteractionContext,
    private readonly query: LedgerStateQueryClient,
    private readonly submitter: TransactionSubmissionClient,
    readonly params: Core.ProtocolParameters,
  ) {
    this.address = Core.Address.fromBech32(account.address);
  }

  /** `params` are the protocol parameters the devnet enforces (Blaze's defaults unless configured otherwise). */
  static async connect(
    endpoint: { host: string; port: number },
    account: DevnetAccount,
    params: Core.ProtocolParameters = Core.hardCodedProtocolParams,
  ): Promise<DevnetWallet> {
    const context = await createInteractionContext(
      () => undefined,
      () => undefined,
      { connection: { host: endpoint.host, port: endpoint.port } },
    );
    const query = await createLedgerStateQueryClient(context);
    const submitter = await createTransactionSubmissionClient(context);
    return new DevnetWallet(account, context, query, submitter, params);
  }

  get paymentKeyHash(): string {
    return this.account.paymentKeyHash;
  }

  async utxosAt(address: string | Core.Address): Promise<Core.TransactionUnspentOutput[]> {
    const bech32 = typeof address === 'string' ? address : address.toBech32();
    const raw = await this.query.utxo({ addresses: [bech32] });
    return raw.map(utxoFromOgmios);
  }

  /**
   * Spendable UTxOs: the tip's (queryLedgerState/utxo answers at the tip, as on a node) minus
   * what our pending txs spend, plus our pending txs' change — so several txs can go into one block.
   */
  async utxos(): Promise<Core.TransactionUnspentOutput[]> {
    const confirmed = await this.utxosAt(this.address);
    const keys = new Set(confirmed.map((u) => refOf(u.input())));
    for (const k of this.spent) if (!keys.has(k) && !this.pendingOutputs.has(k)) this.spent.delete(k);
    for (const k of this.pendingOutputs.keys()) if (keys.has(k)) this.pendingOutputs.delete(k);
    return [...confirmed, ...this.pendingOutputs.values()].filter((u) => !this.spent.has(refOf(u.input())));
  }

  /**
   * A TxBuilder funded by this wallet: its UTxOs for coin selection (minus `exclude`), change
   * back to it, script budgets from the devnet's evaluateTransaction.
   */
  async newTx(opts: { exclude?: string[] } = {}): Promise<TxBuilder> {
    const excluded = new Set(opts.exclude ?? []);
    const utxos = (await this.utxos()).filter(
      (u) => !excluded.has(`${u.input().transactionId()}#${u.input().index()}`),
    );
    return new TxBuilder(this.params)
      .setNetworkId(Core.NetworkId.Testnet)
      .addUnspentOutputs(utxos)
      .setChangeAddress(this.address)
      .useEvaluator((tx, additional) => this.evaluate(tx, additional));
  }

  /** Budgets from Ogmios, written back into the transaction's redeemers. */
  async evaluate(tx: Core.Transaction, additional: Core.TransactionUnspentOutput[] = []): Promise<Core.Redeemers> {
    const extra = additional.map((u) => utxoJson(u.input(), u.output()));
    const results = await this.submitter.evaluateTransaction(
      tx.toCbor(),
      // The client's types use bigint-typed Utxo; the JSON we send is the same shape.
      extra.length ? (extra as unknown as Parameters<TransactionSubmissionClient['evaluateTransaction']>[1]) : undefined,
    );
    const redeemers = tx.witnessSet().redeemers()?.values() ?? [];
    const updated = redeemers.map((r) => {
      const hit = results.find((x) => x.validator.purpose === TAGS[r.tag()] && Number(x.validator.index) === Number(r.index()));
      if (!hit) return r;
      const copy = Core.Redeemer.fromCbor(r.toCbor());
      copy.setExUnits(new Core.ExUnits(BigInt(hit.budget.memory), BigInt(hit.budget.cpu)));
      return copy;
    });
    const out = Core.Redeemers.fromCore([]);
    out.setValues(updated);
    return out;
  }

  /** Adds this account's vkey witness. */
  sign(tx: Core.Transaction): Core.Transaction {
    const signature = Core.signMessage(Core.HexBlob(tx.getId()), Core.Ed25519PrivateNormalKeyHex(this.account.privateKey));
    const ws = tx.witnessSet();
    const vkeys = ws.vkeys()?.toCore() ?? [];
    ws.setVkeys(
      Core.CborSet.fromCore(
        [...vkeys, [Core.Ed25519PublicKeyHex(this.account.publicKey), Core.Ed25519SignatureHex(signature)]],
        Core.VkeyWitness.fromCore,
      ),
    );
    tx.setWitnessSet(ws);
    return tx;
  }

  async submit(tx: Core.Transaction): Promise<string> {
    const id = await this.submitter.submitTransaction(tx.toCbor());
    const body = tx.body();
    for (const i of body.inputs().values()) this.spent.add(refOf(i));
    body.outputs().forEach((o, i) => {
      if (o.address().toBech32() !== this.address.toBech32()) return;
      const input = new Core.TransactionInput(Core.TransactionId(id), BigInt(i));
      this.pendingOutputs.set(refOf(input), new Core.TransactionUnspentOutput(input, o));
    });
    return id;
  }

  /** Builds (complete), signs and submits; returns the signed transaction. */
  async buildSignSubmit(builder: TxBuilder): Promise<Core.Transaction> {
    const tx = this.sign(await builder.complete());
    await this.submit(tx);
    return tx;
  }

  async close(): Promise<void> {
    const socket = this.context.socket;
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      });
    }
  }
}

const refOf = (i: Core.TransactionInput) => `${i.transactionId()}#${i.index()}`;
