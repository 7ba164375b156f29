/**
 * The committed Cardano escrow script (no compiler needed): its CBOR, hash, a Blaze Script,
 * and its enterprise address on a network.
 */
import { readFileSync } from 'node:fs';
import { Core } from '@blaze-cardano/sdk';
import { scriptFromEnvelopeHex, type PlutusScriptEnvelope } from './artifact.js';

/** The escrow script of a text envelope (the committed one below; the mutation runner passes others). */
export function escrowScriptFrom(envelope: PlutusScriptEnvelope) {
  return {
    /** Text-envelope CBOR (flat program CBOR-wrapped twice). */
    cborHex: envelope.cborHex,
    /** blake2b-224 script hash (the payment credential of the escrow address). */
    hash: envelope.hash,
    /** Blaze Script, for `addInput(..., redeemer)` + `provideScript`. */
    script: scriptFromEnvelopeHex(envelope.cborHex),
    /** Enterprise script address (no staking part); networkId 0 = testnets/devnet, 1 = mainnet. */
    address(networkId: 0 | 1): Core.Address {
      return new Core.Address({
        type: Core.AddressType.EnterpriseScript,
        networkId: networkId === 1 ? Core.NetworkId.Mainnet : Core.NetworkId.Testnet,
        paymentPart: { type: Core.CredentialType.ScriptHash, hash: Core.Hash28ByteBase16(envelope.hash) },
      });
    },
  };
}

export function readEscrowEnvelope(file: string | URL): PlutusScriptEnvelope {
  return JSON.parse(readFileSync(file, 'utf8')) as PlutusScriptEnvelope;
}

export const escrowScript = escrowScriptFrom(readEscrowEnvelope(new URL('./escrow.plutus.json', import.meta.url)));

export type EscrowScript = typeof escrowScript;

/** The order script (ADA→ETH orders), built for the committed escrow's hash; same shape as the escrow's. */
export const orderScript = escrowScriptFrom(readEscrowEnvelope(new URL('./order.plutus.json', import.meta.url)));

export type OrderScript = typeof orderScript;
