/**
 * Building escrow transactions on the devnet for monitor tests: outputs with the fixed escrow
 * datum at a script address, and spends with the escrow redeemers. The "escrow" script is the
 * always-succeeding V3 script, so spends run real phase-2 evaluation without needing the
 * validator's conditions; the monitor only cares about the datum, redeemer and payout outputs.
 */
import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Core } from '@blaze-cardano/sdk';
import type { CardanoDevnet } from '../../devnet/cardano/index.js';
import type { DevnetWallet } from '../../devnet/cardano/wallet.js';
import {
  bech32ToPlutusAddress,
  escrowDatumData,
  escrowRedeemerData,
  outRefData,
  type EscrowDatum,
  type EscrowRedeemer,
} from '../../src/chains/cardano/escrow-datum.js';
import { alwaysOk, scriptAddress } from '../devnet-cardano/support/scripts.js';

export const escrowScript = alwaysOk();
export const escrowAddress = scriptAddress(escrowScript);
export const ESCROW_HASH = escrowScript.hash();

export function newSecret(): { secret: string; hashlock: string } {
  const secret = randomBytes(32).toString('hex');
  return { secret, hashlock: Buffer.from(keccak_256(Buffer.from(secret, 'hex'))).toString('hex') };
}

/** A destination-side datum (publicCancellationAt = Nothing) unless `side: 'src'`. */
export function escrowDatum(
  devnet: CardanoDevnet,
  opts: { hashlock: string; side?: 'src' | 'dst'; amount?: bigint; safetyDeposit?: bigint; maker?: number; taker?: number },
): EscrowDatum {
  const maker = devnet.accounts[opts.maker ?? 1]!;
  const taker = devnet.accounts[opts.taker ?? 0]!;
  const t0 = BigInt(devnet.now());
  return {
    orderHash: randomBytes(32).toString('hex'),
    hashlock: opts.hashlock,
    maker: maker.paymentKeyHash,
    taker: taker.paymentKeyHash,
    withdrawTo: bech32ToPlutusAddress(opts.side === 'src' ? taker.address : maker.address),
    cancelTo: bech32ToPlutusAddress(opts.side === 'src' ? maker.address : taker.address),
    asset: { policyId: '', assetName: '' },
    amount: opts.amount ?? 10_000_000n,
    safetyDeposit: opts.safetyDeposit ?? 2_000_000n,
    withdrawalAt: t0 + 60_000n,
    publicWithdrawalAt: t0 + 120_000n,
    cancellationAt: t0 + 180_000n,
    publicCancellationAt: opts.side === 'src' ? t0 + 240_000n : null,
  };
}

/** Locks `lovelace` (default amount + deposit) at `address` (default the escrow address) with the datum. */
export async function lockEscrow(
  wallet: DevnetWallet,
  datum: EscrowDatum | string,
  opts: { lovelace?: bigint; address?: Core.Address } = {},
): Promise<{ tx: Core.Transaction; ref: string }> {
  const data = typeof datum === 'string' ? Core.PlutusData.fromCbor(Core.HexBlob(datum)) : escrowDatumData(datum);
  const lovelace = opts.lovelace ?? (typeof datum === 'string' ? 5_000_000n : datum.amount + datum.safetyDeposit);
  const tx = await wallet.buildSignSubmit(
    (await wallet.newTx()).lockLovelace(opts.address ?? escrowAddress, lovelace, Core.Datum.newInlineData(data)),
  );
  const index = tx.body().outputs().findIndex((o) => o.address().toBech32() === (opts.address ?? escrowAddress).toBech32());
  return { tx, ref: `${tx.getId()}#${index}` };
}

/** Spends the escrow output `ref` with `redeemer`, paying `to` (with the out-ref payout datum). */
export async function spendEscrow(
  wallet: DevnetWallet,
  ref: string,
  redeemer: EscrowRedeemer,
  to: string,
  lovelace: bigint,
): Promise<Core.Transaction> {
  const [txId, index] = ref.split('#') as [string, string];
  const utxo = (await wallet.utxosAt(escrowAddress)).find(
    (u) => u.input().transactionId() === txId && Number(u.input().index()) === Number(index),
  );
  if (!utxo) throw new Error(`escrow ${ref} not found at the escrow address`);
  return wallet.buildSignSubmit(
    (await wallet.newTx())
      .addInput(utxo, escrowRedeemerData(redeemer))
      .provideScript(escrowScript)
      .payLovelace(Core.Address.fromBech32(to), lovelace, Core.Datum.newInlineData(outRefData(txId, Number(index)))),
  );
}
