/**
 * The text-envelope form of a compiled Plutus V3 script, as cardano-cli writes it:
 * `cborHex` is the flat UPLC program CBOR-wrapped twice (the on-chain script bytes are the
 * flat program wrapped once; the envelope wraps those bytes again). Blaze's
 * `PlutusV3Script.fromCbor` takes exactly this form.
 */
import { Core } from '@blaze-cardano/sdk';

export interface PlutusScriptEnvelope {
  type: 'PlutusScriptV3';
  description: string;
  cborHex: string;
  hash: string;
}

/** CBOR major type 2 (byte string) header + bytes. */
export function cborBytes(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const header =
    n < 24 ? [0x40 + n] : n < 0x100 ? [0x58, n] : n < 0x10000 ? [0x59, n >> 8, n & 0xff] : [0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(header.length + n);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}

export function scriptFromEnvelopeHex(cborHex: string): Core.Script {
  return Core.Script.newPlutusV3Script(Core.PlutusV3Script.fromCbor(Core.HexBlob(cborHex)));
}

export function envelopeOf(flat: Uint8Array, description: string): PlutusScriptEnvelope {
  const cborHex = Buffer.from(cborBytes(cborBytes(flat))).toString('hex');
  return { type: 'PlutusScriptV3', description, cborHex, hash: scriptFromEnvelopeHex(cborHex).hash() };
}
