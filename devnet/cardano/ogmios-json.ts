/**
 * Blaze (cardano-js-sdk) ledger objects → the Ogmios v6 JSON shapes of `cardano.json`
 * (Transaction, TransactionOutput, Utxo, Value, Script). Amounts stay bigint; the server
 * writes them as exact JSON numbers (see json.ts).
 */
import { Core } from '@blaze-cardano/sdk';
import { utxoFromOgmios as providerUtxoFromOgmios, type OgmiosUtxo } from '../../cardano-tx/ogmios-provider.js';

type Json = Record<string, unknown>;

const PURPOSES = ['spend', 'mint', 'publish', 'withdraw', 'vote', 'propose'] as const;
export type RedeemerPurpose = (typeof PURPOSES)[number];

export function purposeOfTag(tag: number): RedeemerPurpose {
  return PURPOSES[tag] ?? 'spend';
}

export function outputReference(input: Core.TransactionInput): Json {
  return { transaction: { id: input.transactionId() }, index: Number(input.index()) };
}

/** Inputs in ledger order (txId, then index): the order redeemer indexes refer to. */
export function sortInputs(inputs: readonly Core.TransactionInput[]): Core.TransactionInput[] {
  return [...inputs].sort((a, b) =>
    a.transactionId() < b.transactionId() ? -1 : a.transactionId() > b.transactionId() ? 1 : Number(a.index() - b.index()),
  );
}

export function valueJson(value: Core.Value): Json {
  const out: Record<string, Record<string, bigint> | { lovelace: bigint }> = { ada: { lovelace: value.coin() } };
  for (const [assetId, qty] of value.multiasset() ?? new Map<string, bigint>()) {
    const policy = assetId.slice(0, 56);
    const name = assetId.slice(56);
    const bucket = (out[policy] ??= {}) as Record<string, bigint>;
    bucket[name] = qty;
  }
  return out;
}

function nativeScriptJson(s: Core.Cardano.NativeScript): Json {
  const K = Core.Cardano.NativeScriptKind;
  switch (s.kind) {
    case K.RequireSignature:
      return { clause: 'signature', from: s.keyHash };
    case K.RequireAllOf:
      return { clause: 'all', from: s.scripts.map(nativeScriptJson) };
    case K.RequireAnyOf:
      return { clause: 'any', from: s.scripts.map(nativeScriptJson) };
    case K.RequireNOf:
      return { clause: 'some', atLeast: BigInt(s.required), from: s.scripts.map(nativeScriptJson) };
    case K.RequireTimeBefore:
      return { clause: 'before', slot: Number(s.slot) };
    case K.RequireTimeAfter:
      return { clause: 'after', slot: Number(s.slot) };
  }
}

export function scriptJson(script: Core.Script): Json {
  const core = script.toCore();
  if (core.__type === Core.Cardano.ScriptType.Native) {
    return { language: 'native', json: nativeScriptJson(core), cbor: script.toCbor() };
  }
  const language = ['plutus:v1', 'plutus:v2', 'plutus:v3'][core.version] ?? 'plutus:v3';
  return { language, cbor: core.bytes };
}

export function outputJson(output: Core.TransactionOutput): Json {
  const json: Json = { address: output.address().toBech32(), value: valueJson(output.amount()) };
  const datum = output.datum();
  if (datum) {
    const inline = datum.asInlineData();
    if (inline) json.datum = inline.toCbor();
    else json.datumHash = datum.asDataHash();
  }
  const script = output.scriptRef();
  if (script) json.script = scriptJson(script);
  return json;
}

export function utxoJson(input: Core.TransactionInput, output: Core.TransactionOutput): Json {
  return { ...outputReference(input), ...outputJson(output) };
}

export function transactionJson(tx: Core.Transaction): Json {
  const body = tx.body();
  const wits = tx.witnessSet();
  const json: Json = {
    id: tx.getId(),
    spends: tx.isValid() ? 'inputs' : 'collaterals',
    inputs: sortInputs(body.inputs().values()).map(outputReference),
    outputs: body.outputs().map(outputJson),
    fee: { ada: { lovelace: body.fee() } },
  };
  const refs = body.referenceInputs()?.values();
  if (refs?.length) json.references = sortInputs(refs).map(outputReference);
  const collaterals = body.collateral()?.values();
  if (collaterals?.length) json.collaterals = sortInputs(collaterals).map(outputReference);
  const collateralReturn = body.collateralReturn();
  if (collateralReturn) json.collateralReturn = outputJson(collateralReturn);
  const totalCollateral = body.totalCollateral();
  if (totalCollateral !== undefined) json.totalCollateral = { ada: { lovelace: totalCollateral } };

  const validFrom = body.validityStartInterval();
  const ttl = body.ttl();
  if (validFrom !== undefined || ttl !== undefined) {
    json.validityInterval = {
      ...(validFrom !== undefined ? { invalidBefore: Number(validFrom) } : {}),
      ...(ttl !== undefined ? { invalidAfter: Number(ttl) } : {}),
    };
  }
  const mint = body.mint();
  if (mint?.size) json.mint = valueJson(new Core.Value(0n, mint));
  if (json.mint) delete (json.mint as Json).ada;
  const networkId = body.networkId();
  if (networkId !== undefined) json.network = networkId === 1 ? 'mainnet' : 'testnet';
  const sdh = body.scriptDataHash();
  if (sdh) json.scriptIntegrityHash = sdh;
  const required = body.requiredSigners()?.values();
  if (required?.length) json.requiredExtraSignatories = required.map((h) => h.value());
  const withdrawals = body.withdrawals();
  if (withdrawals?.size) {
    json.withdrawals = Object.fromEntries([...withdrawals].map(([acct, amt]) => [acct, { ada: { lovelace: amt } }]));
  }

  json.signatories = (wits.vkeys()?.values() ?? []).map((w) => ({ key: w.vkey(), signature: w.signature() }));
  const redeemers = wits.redeemers()?.values();
  if (redeemers?.length) {
    json.redeemers = redeemers.map((r) => ({
      validator: { purpose: purposeOfTag(r.tag()), index: Number(r.index()) },
      redeemer: r.data().toCbor(),
      executionUnits: { memory: r.exUnits().mem(), cpu: r.exUnits().steps() },
    }));
  }
  const datums = wits.plutusData()?.values();
  if (datums?.length) {
    json.datums = Object.fromEntries(datums.map((d) => [d.hash(), d.toCbor()]));
  }
  const scripts: Core.Script[] = [
    ...(wits.nativeScripts()?.values() ?? []).map((s) => Core.Script.newNativeScript(s)),
    ...(wits.plutusV1Scripts()?.values() ?? []).map((s) => Core.Script.newPlutusV1Script(s)),
    ...(wits.plutusV2Scripts()?.values() ?? []).map((s) => Core.Script.newPlutusV2Script(s)),
    ...(wits.plutusV3Scripts()?.values() ?? []).map((s) => Core.Script.newPlutusV3Script(s)),
  ];
  if (scripts.length) json.scripts = Object.fromEntries(scripts.map((s) => [s.hash(), scriptJson(s)]));
  json.cbor = tx.toCbor();
  return json;
}

/**
 * An Ogmios `Utxo` item (evaluateTransaction's additionalUtxo, queryLedgerState/utxo) as a Blaze
 * UTxO: the production provider's conversion, so the devnet and the relayer read UTxOs alike.
 */
export function utxoFromOgmios(raw: unknown): Core.TransactionUnspentOutput {
  return providerUtxoFromOgmios(raw as OgmiosUtxo);
}
