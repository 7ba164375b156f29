/**
 * A Blaze `Provider` over Ogmios v6 JSON-RPC alone (no Kupo, no Blockfrost): protocol parameters,
 * UTxOs by address and by output reference, submit, evaluate, tip and slot arithmetic. The same
 * tx builders thus run against the devnet and against a real cardano-node + Ogmios.
 *
 * Ogmios has no asset or datum-hash index, so `getUnspentOutputByNFT` and `resolveDatum` are not
 * supported (escrows use inline datums and known addresses).
 */
import {
  createInteractionContext,
  createLedgerStateQueryClient,
  createTransactionSubmissionClient,
  type InteractionContext,
  type LedgerStateQuery,
  type TransactionSubmission,
} from '@cardano-ogmios/client';
import { Core, Provider } from '@blaze-cardano/sdk';
import { SlotClock } from '../src/chains/cardano/slot-time.js';

type NetworkName = ConstructorParameters<typeof Provider>[1];
type Json = Record<string, unknown>;
export type OgmiosUtxo = {
  transaction: { id: string };
  index: number | bigint;
  address: string;
  value: Record<string, Record<string, number | bigint | string>>;
  datum?: string;
  datumHash?: string;
  script?: { language: string; cbor?: string };
};

const PURPOSE_TAG: Record<string, number> = {
  spend: Core.RedeemerTag.Spend,
  mint: Core.RedeemerTag.Mint,
  publish: Core.RedeemerTag.Cert,
  withdraw: Core.RedeemerTag.Reward,
  vote: Core.RedeemerTag.Voting,
  propose: Core.RedeemerTag.Proposing,
};

export class OgmiosProviderError extends Error {
  constructor(
    readonly code: 'UNSUPPORTED' | 'BAD_RESPONSE',
    message: string,
  ) {
    super(message);
    this.name = 'OgmiosProviderError';
  }
}

export interface OgmiosEndpoint {
  host: string;
  port: number;
  tls?: boolean;
}

export class OgmiosProvider extends Provider {
  private constructor(
    private readonly context: InteractionContext,
    private readonly query: LedgerStateQuery.LedgerStateQueryClient,
    private readonly submitter: TransactionSubmission.TransactionSubmissionClient,
    private readonly clock: SlotClock,
    networkId: Core.NetworkId,
    networkName: NetworkName,
  ) {
    super(networkId, networkName);
  }

  /** Connects (the client GETs /health first) and reads the slot arithmetic of the current era. */
  static async connect(
    endpoint: OgmiosEndpoint,
    opts: { networkId: 0 | 1; networkName?: NetworkName },
  ): Promise<OgmiosProvider> {
    const context = await createInteractionContext(
      () => undefined,
      () => undefined,
      { connection: { host: endpoint.host, port: endpoint.port, tls: endpoint.tls ?? false } },
    );
    try {
      const query = await createLedgerStateQueryClient(context);
      const submitter = await createTransactionSubmissionClient(context);
      const clock = await readSlotClock(query);
      return new OgmiosProvider(
        context,
        query,
        submitter,
        clock,
        opts.networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet,
        opts.networkName ?? 'unknown',
      );
    } catch (err) {
      context.socket.close();
      throw err;
    }
  }

  override getSlotConfig(): Core.SlotConfig {
    return this.clock.currentEra();
  }

  /** The chain's slot clock (all eras), as the tx builders take it. */
  slotClock(): SlotClock {
    return this.clock;
  }

  async getNetworkTip(): Promise<{ slot: number; id: string }> {
    const tip = await this.query.networkTip();
    if (tip === 'origin') return { slot: 0, id: '' };
    return { slot: Number(tip.slot), id: tip.id };
  }

  async getParameters(): Promise<Core.ProtocolParameters> {
    return protocolParametersFromOgmios((await this.query.protocolParameters()) as unknown as Json);
  }

  async getUnspentOutputs(address: Core.Address): Promise<Core.TransactionUnspentOutput[]> {
    const raw = await this.query.utxo({ addresses: [address.toBech32()] });
    return (raw as unknown as OgmiosUtxo[]).map(utxoFromOgmios);
  }

  async getUnspentOutputsWithAsset(address: Core.Address, unit: Core.AssetId): Promise<Core.TransactionUnspentOutput[]> {
    return (await this.getUnspentOutputs(address)).filter((u) => (u.output().amount().multiasset()?.get(unit) ?? 0n) > 0n);
  }

  getUnspentOutputByNFT(_unit: Core.AssetId): Promise<Core.TransactionUnspentOutput> {
    return Promise.reject(new OgmiosProviderError('UNSUPPORTED', 'Ogmios has no asset index: look the NFT up by address'));
  }

  async resolveUnspentOutputs(txIns: Core.TransactionInput[]): Promise<Core.TransactionUnspentOutput[]> {
    if (txIns.length === 0) return [];
    const raw = await this.query.utxo({
      outputReferences: txIns.map((i) => ({ transaction: { id: i.transactionId() }, index: Number(i.index()) })),
    });
    return (raw as unknown as OgmiosUtxo[]).map(utxoFromOgmios);
  }

  resolveDatum(_hash: Core.DatumHash): Promise<Core.PlutusData> {
    return Promise.reject(new OgmiosProviderError('UNSUPPORTED', 'Ogmios cannot resolve datum hashes: use inline datums'));
  }

  /**
   * Polls until output #0 of the transaction is in the UTxO set at the tip (Ogmios has no
   * transaction lookup). A transaction whose first output is spent before a poll sees it reads
   * as unconfirmed.
   */
  async awaitTransactionConfirmation(txId: Core.TransactionId, timeout = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = await this.resolveUnspentOutputs([new Core.TransactionInput(txId, 0n)]);
      if (found.length > 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async postTransactionToChain(tx: Core.Transaction): Promise<Core.TransactionId> {
    return Core.TransactionId(await this.submitter.submitTransaction(tx.toCbor()));
  }

  /** Budgets from Ogmios written into the redeemers. `additionalUtxos` not on chain are sent along. */
  async evaluateTransaction(tx: Core.Transaction, additionalUtxos: Core.TransactionUnspentOutput[]): Promise<Core.Redeemers> {
    const onChain = new Set(
      (await this.resolveUnspentOutputs(additionalUtxos.map((u) => u.input()))).map(
        (u) => `${u.input().transactionId()}#${u.input().index()}`,
      ),
    );
    // Real Ogmios refuses additional UTxOs that overlap the ledger's.
    const extra = additionalUtxos
      .filter((u) => !onChain.has(`${u.input().transactionId()}#${u.input().index()}`))
      .map((u) => utxoToOgmios(u));
    const results = await this.submitter.evaluateTransaction(
      tx.toCbor(),
      (extra.length ? extra : undefined) as unknown as Parameters<TransactionSubmission.TransactionSubmissionClient['evaluateTransaction']>[1],
    );
    const redeemers = tx.witnessSet().redeemers()?.values() ?? [];
    const updated = redeemers.map((r) => {
      const hit = results.find((x) => PURPOSE_TAG[x.validator.purpose] === r.tag() && BigInt(x.validator.index) === r.index());
      if (!hit) throw new OgmiosProviderError('BAD_RESPONSE', `no budget returned for redeemer ${r.tag()}:${r.index()}`);
      const copy = Core.Redeemer.fromCbor(r.toCbor());
      copy.setExUnits(new Core.ExUnits(BigInt(hit.budget.memory), BigInt(hit.budget.cpu)));
      return copy;
    });
    const out = Core.Redeemers.fromCore([]);
    out.setValues(updated);
    return out;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    const s = this.context.socket;
    if (s.readyState === s.CLOSED) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      if (s.readyState !== s.CLOSING) s.close();
    });
  }
}

/** The slot clock from `queryNetwork/startTime` + `eraSummaries` (the same clock the monitor uses). */
async function readSlotClock(query: LedgerStateQuery.LedgerStateQueryClient): Promise<SlotClock> {
  const [start, eras] = await Promise.all([query.networkStartTime(), query.eraSummaries()]);
  if (eras.length === 0) throw new OgmiosProviderError('BAD_RESPONSE', 'eraSummaries is empty');
  return new SlotClock(new Date(start as unknown as string | Date), eras);
}

export function utxoFromOgmios(u: OgmiosUtxo): Core.TransactionUnspentOutput {
  const input = new Core.TransactionInput(Core.TransactionId(u.transaction.id), BigInt(u.index));
  const assets = new Map<Core.AssetId, bigint>();
  for (const [policy, names] of Object.entries(u.value)) {
    if (policy === 'ada') continue;
    for (const [name, qty] of Object.entries(names)) assets.set(Core.AssetId(policy + name), BigInt(qty));
  }
  const coin = BigInt(u.value.ada?.lovelace ?? 0);
  const output = new Core.TransactionOutput(Core.Address.fromBech32(u.address), new Core.Value(coin, assets.size ? assets : undefined));
  if (u.datum) output.setDatum(Core.Datum.newInlineData(Core.PlutusData.fromCbor(Core.HexBlob(u.datum))));
  else if (u.datumHash) output.setDatum(Core.Datum.newDataHash(Core.DatumHash(u.datumHash)));
  if (u.script?.cbor) {
    const bytes = Core.HexBlob(u.script.cbor);
    switch (u.script.language) {
      case 'plutus:v1':
        output.setScriptRef(Core.Script.newPlutusV1Script(new Core.PlutusV1Script(bytes)));
        break;
      case 'plutus:v2':
        output.setScriptRef(Core.Script.newPlutusV2Script(new Core.PlutusV2Script(bytes)));
        break;
      case 'plutus:v3':
        output.setScriptRef(Core.Script.newPlutusV3Script(new Core.PlutusV3Script(bytes)));
        break;
      case 'native':
        output.setScriptRef(Core.Script.newNativeScript(Core.NativeScript.fromCbor(bytes)));
        break;
    }
  }
  return new Core.TransactionUnspentOutput(input, output);
}

export function utxoToOgmios(u: Core.TransactionUnspentOutput): Json {
  const out = u.output();
  const value: Record<string, Record<string, bigint>> = { ada: { lovelace: out.amount().coin() } };
  for (const [unit, qty] of out.amount().multiasset() ?? new Map<Core.AssetId, bigint>()) {
    (value[unit.slice(0, 56)] ??= {})[unit.slice(56)] = qty;
  }
  const json: Json = { transaction: { id: u.input().transactionId() }, index: Number(u.input().index()), address: out.address().toBech32(), value };
  const datum = out.datum();
  if (datum?.asInlineData()) json.datum = datum.asInlineData()!.toCbor();
  else if (datum?.asDataHash()) json.datumHash = datum.asDataHash();
  const script = out.scriptRef();
  if (script) {
    const core = script.toCore();
    json.script =
      core.__type === Core.Cardano.ScriptType.Native
        ? { language: 'native', cbor: script.toCbor() }
        : { language: ['plutus:v1', 'plutus:v2', 'plutus:v3'][core.version], cbor: core.bytes };
  }
  return json;
}

const lovelaceOf = (v: unknown): number => Number((v as { ada?: { lovelace?: number | bigint } } | undefined)?.ada?.lovelace ?? 0);
const bytesOf = (v: unknown): number => Number((v as { bytes?: number | bigint } | undefined)?.bytes ?? 0);

/** "num/den" → number (Blaze's ProtocolParameters keep prices as numbers). */
function ratioNumber(r: unknown): number {
  const [n, d = '1'] = String(r).split('/');
  return Number(n) / Number(d);
}

/** Ogmios v6 ProtocolParameters → Blaze's. */
export function protocolParametersFromOgmios(p: Json): Core.ProtocolParameters {
  const costModels: Core.Cardano.CostModels = new Map();
  const models = (p.plutusCostModels ?? {}) as Record<string, (number | bigint)[]>;
  (['plutus:v1', 'plutus:v2', 'plutus:v3'] as const).forEach((name, version) => {
    const m = models[name];
    if (m) costModels.set(version as Core.PlutusLanguageVersion, m.map(Number));
  });
  const prices = p.scriptExecutionPrices as { memory: string; cpu: string };
  const perTx = p.maxExecutionUnitsPerTransaction as { memory: number | bigint; cpu: number | bigint };
  const perBlock = p.maxExecutionUnitsPerBlock as { memory: number | bigint; cpu: number | bigint };
  const version = p.version as { major: number; minor: number };
  const refScripts = p.minFeeReferenceScripts as { range: number; base: number; multiplier: number } | undefined;
  return {
    coinsPerUtxoByte: Number(p.minUtxoDepositCoefficient),
    maxTxSize: bytesOf(p.maxTransactionSize),
    minFeeCoefficient: Number(p.minFeeCoefficient),
    minFeeConstant: lovelaceOf(p.minFeeConstant),
    maxBlockBodySize: bytesOf(p.maxBlockBodySize),
    maxBlockHeaderSize: bytesOf(p.maxBlockHeaderSize),
    stakeKeyDeposit: lovelaceOf(p.stakeCredentialDeposit),
    poolDeposit: p.stakePoolDeposit ? lovelaceOf(p.stakePoolDeposit) : null,
    poolRetirementEpochBound: Number(p.stakePoolRetirementEpochBound ?? 0),
    desiredNumberOfPools: Number(p.desiredNumberOfStakePools ?? 0),
    poolInfluence: String(p.stakePoolPledgeInfluence ?? '0'),
    monetaryExpansion: String(p.monetaryExpansion ?? '0'),
    treasuryExpansion: String(p.treasuryExpansion ?? '0'),
    minPoolCost: lovelaceOf(p.minStakePoolCost),
    protocolVersion: { major: Number(version.major), minor: Number(version.minor) },
    maxValueSize: bytesOf(p.maxValueSize),
    collateralPercentage: Number(p.collateralPercentage ?? 0),
    maxCollateralInputs: Number(p.maxCollateralInputs ?? 0),
    costModels,
    prices: { memory: ratioNumber(prices.memory), steps: ratioNumber(prices.cpu) },
    maxExecutionUnitsPerTransaction: { memory: Number(perTx.memory), steps: Number(perTx.cpu) },
    maxExecutionUnitsPerBlock: { memory: Number(perBlock.memory), steps: Number(perBlock.cpu) },
    ...(refScripts ? { minFeeReferenceScripts: { range: refScripts.range, base: refScripts.base, multiplier: refScripts.multiplier } } : {}),
    ...(p.maxReferenceScriptsSize ? { maxReferenceScriptsSize: bytesOf(p.maxReferenceScriptsSize) } : {}),
  };
}
