/**
 * Ogmios block transactions → escrow chain events. Pure: the caller supplies the block's
 * height/hash/time and, for spends, the creation event of the escrow being spent (a
 * transaction's inputs carry only output references).
 *
 * Event indexes within a transaction (ChainEventMeta.index): an escrow_created event has the
 * index of its output; a spend event has `outputs.length + position of the input among the
 * sorted inputs`, so both kinds are unique per transaction and stable across replays.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Core } from '@blaze-cardano/sdk';
import type { Hex } from '../../domain/order.js';
import type { EscrowCancelledEvent, EscrowCreatedEvent, EscrowShortfall, EscrowWithdrawnEvent } from '../events.js';
import {
  DatumError,
  decodeEscrowDatum,
  decodeEscrowRedeemer,
  decodeOutRefDatum,
  plutusAddressToBech32,
  type EscrowRedeemer,
} from './escrow-datum.js';

/** The parts of Ogmios's Transaction JSON we read (as @cardano-ogmios/client parses it). */
export interface OgmiosTx {
  id: string;
  spends?: 'inputs' | 'collaterals';
  inputs: { transaction: { id: string }; index: number | bigint }[];
  outputs: OgmiosOutput[];
  redeemers?: { validator: { purpose: string; index: number | bigint }; redeemer: string }[];
}

export interface OgmiosOutput {
  address: string;
  value: Record<string, Record<string, bigint | number>>;
  datum?: string;
  datumHash?: string;
}

export interface DecodeConfig {
  chain: string;
  /** Payment credential (script hash, 28 bytes hex) of the escrow address. */
  scriptHash: string;
  networkId: 0 | 1;
}

export interface BlockInfo {
  height: bigint;
  hash: string;
  /** Unix seconds. */
  time: number;
}

export type IgnoredReason = 'no_inline_datum' | 'bad_datum';

export interface CreatedScan {
  events: EscrowCreatedEvent[];
  ignored: { ref: string; reason: IgnoredReason; detail?: string }[];
}

export const escrowRef = (txId: string, index: number | bigint) => `${txId}#${Number(index)}`;
const eventId = (chain: string, txId: string, index: number) => `${chain}:${txId}:${index}`;
const hex0x = (h: string) => `0x${h}` as Hex;

/** Whether a bech32 address's payment credential is the given script hash (cheap reject first). */
export function paysToScript(bech32: string, scriptHash: string): boolean {
  try {
    const pay = Core.Address.fromBech32(bech32).getProps().paymentPart;
    return pay?.type === Core.CredentialType.ScriptHash && pay.hash === scriptHash;
  } catch {
    return false; // Byron/base58 or garbage: never an escrow
  }
}

function held(value: OgmiosOutput['value'], policyId: string, assetName: string): bigint {
  if (policyId === '') return BigInt(value.ada?.lovelace ?? 0);
  return BigInt(value[policyId]?.[assetName] ?? 0);
}

/**
 * What an escrow output lacks to cover its datum as the validator will demand it: the amount
 * (plus the deposit, for lovelace) in lovelace, or the amount of the asset and the deposit in
 * lovelace. Empty when covered.
 */
export function valueShortfall(value: OgmiosOutput['value'], unit: string, amount: bigint, safetyDeposit: bigint): EscrowShortfall[] {
  const lovelace = held(value, '', '');
  if (unit === 'lovelace') {
    const required = amount + safetyDeposit;
    return lovelace >= required ? [] : [{ asset: 'lovelace', required, held: lovelace }];
  }
  const tokens = held(value, unit.slice(0, 56), unit.slice(56));
  const out: EscrowShortfall[] = [];
  if (tokens < amount) out.push({ asset: unit, required: amount, held: tokens });
  if (lovelace < safetyDeposit) out.push({ asset: 'lovelace', required: safetyDeposit, held: lovelace });
  return out;
}
const seconds = (ms: bigint) => Number(ms / 1000n);

export function scanCreated(tx: OgmiosTx, block: BlockInfo, cfg: DecodeConfig): CreatedScan {
  const scan: CreatedScan = { events: [], ignored: [] };
  if (tx.spends === 'collaterals') return scan; // a failed script tx creates only its collateral return
  tx.outputs.forEach((out, index) => {
    if (!paysToScript(out.address, cfg.scriptHash)) return;
    const ref = escrowRef(tx.id, index);
    if (!out.datum) {
      scan.ignored.push({ ref, reason: 'no_inline_datum' });
      return;
    }
    let d;
    try {
      d = decodeEscrowDatum(out.datum);
    } catch (err) {
      scan.ignored.push({ ref, reason: 'bad_datum', detail: err instanceof DatumError ? err.message : String(err) });
      return;
    }
    const isLovelace = d.asset.policyId === '';
    const unit = isLovelace ? 'lovelace' : d.asset.policyId + d.asset.assetName;
    // Report the datum's terms, which the validator enforces on every payout, and say where
    // the output does not hold them: such an output can never pay out, it is never "capped".
    const shortfall = valueShortfall(out.value, unit, d.amount, d.safetyDeposit);
    const side = d.publicCancellationAt === null ? 'dst' : 'src';
    scan.events.push({
      type: 'escrow_created',
      id: eventId(cfg.chain, tx.id, index),
      chain: cfg.chain,
      txHash: tx.id,
      index,
      blockNumber: block.height,
      blockHash: block.hash,
      blockTime: block.time,
      side,
      escrow: ref,
      orderHash: hex0x(d.orderHash),
      hashlock: hex0x(d.hashlock),
      maker: side === 'dst' ? plutusAddressToBech32(d.withdrawTo, cfg.networkId) : d.maker,
      taker: d.taker,
      token: unit,
      amount: d.amount,
      safetyDeposit: d.safetyDeposit,
      ...(shortfall.length > 0 ? { shortfall } : {}),
      deployedAt: block.time,
      deadlines: {
        withdrawal: seconds(d.withdrawalAt),
        publicWithdrawal: seconds(d.publicWithdrawalAt),
        cancellation: seconds(d.cancellationAt),
        ...(d.publicCancellationAt !== null ? { publicCancellation: seconds(d.publicCancellationAt) } : {}),
      },
    });
  });
  return scan;
}

/** An input spent with a redeemer shaped like an escrow action: possibly an escrow spend. */
export interface SpendCandidate {
  ref: string;
  txId: string;
  index: number;
  redeemer: EscrowRedeemer;
}

export function sortedInputs(tx: OgmiosTx): { id: string; index: number }[] {
  return tx.inputs
    .map((i) => ({ id: i.transaction.id, index: Number(i.index) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index));
}

export function spendCandidates(tx: OgmiosTx): SpendCandidate[] {
  if (tx.spends === 'collaterals' || !tx.redeemers?.length) return [];
  const inputs = sortedInputs(tx);
  const out: SpendCandidate[] = [];
  for (const r of tx.redeemers) {
    if (r.validator.purpose !== 'spend') continue;
    const position = Number(r.validator.index);
    const input = inputs[position];
    if (!input) continue;
    let redeemer: EscrowRedeemer;
    try {
      redeemer = decodeEscrowRedeemer(r.redeemer);
    } catch {
      continue;
    }
    out.push({ ref: escrowRef(input.id, input.index), txId: tx.id, index: tx.outputs.length + position, redeemer });
  }
  return out;
}

export type SpendResult =
  | { ok: true; event: EscrowWithdrawnEvent | EscrowCancelledEvent }
  | { ok: false; reason: 'secret_mismatch' };

/**
 * The withdraw/cancel event for a spend of `created`. `to` is the address of the payout output
 * tagged with this escrow's output reference (the validator's anti double-satisfaction rule);
 * without one, the best the creation event tells (see README).
 */
export function spendEvent(
  c: SpendCandidate,
  created: EscrowCreatedEvent,
  tx: OgmiosTx,
  block: BlockInfo,
  cfg: DecodeConfig,
): SpendResult {
  const [escrowTx, escrowIndex] = c.ref.split('#') as [string, string];
  const payout = tx.outputs.find((o) => {
    const tag = o.datum ? decodeOutRefDatum(o.datum) : null;
    return tag !== null && tag.txId === escrowTx && tag.index === Number(escrowIndex);
  });
  const keyAddress = (keyHash: string) =>
    plutusAddressToBech32({ payment: { type: 'key', hash: keyHash } }, cfg.networkId);
  const meta = {
    id: eventId(cfg.chain, tx.id, c.index),
    chain: cfg.chain,
    txHash: tx.id,
    index: c.index,
    blockNumber: block.height,
    blockHash: block.hash,
    blockTime: block.time,
    side: created.side,
    escrow: c.ref,
    orderHash: created.orderHash,
  };
  if (c.redeemer.action === 'withdraw' || c.redeemer.action === 'publicWithdraw') {
    const secret = c.redeemer.secret;
    const hash = Buffer.from(keccak_256(Buffer.from(secret, 'hex'))).toString('hex');
    if (secret.length !== 64 || hex0x(hash) !== created.hashlock.toLowerCase()) return { ok: false, reason: 'secret_mismatch' };
    const fallback = created.side === 'dst' ? created.maker : keyAddress(created.taker);
    return {
      ok: true,
      event: {
        ...meta,
        type: 'escrow_withdrawn',
        secret: hex0x(secret),
        public: c.redeemer.action === 'publicWithdraw',
        to: payout?.address ?? fallback,
      },
    };
  }
  const fallback = created.side === 'dst' ? keyAddress(created.taker) : keyAddress(created.maker);
  return {
    ok: true,
    event: { ...meta, type: 'escrow_cancelled', public: c.redeemer.action === 'publicCancel', to: payout?.address ?? fallback },
  };
}
