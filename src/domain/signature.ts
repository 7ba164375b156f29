/**
 * EIP-712 signature checks for orders and cancellations (architecture §4), built for intake speed:
 * orders are hashed by the dedicated encoder behind `orderHash` (eip712-encode.ts), and the
 * native libsecp256k1 binding (`secp256k1` package, ~20× faster than pure JS) recovers the
 * signer, with @noble/curves as the fallback when the native module cannot load. Both
 * backends return what viem's recoverTypedDataAddress returns (tested on random keys/orders).
 *
 * Accepted signatures: 65 bytes r‖s‖v with v in {27, 28, 0, 1}, or 64-byte EIP-2098 compact
 * r‖(yParity<<255 | s). Rejected: any other length, r or s outside [1, n), and high s (EIP-2:
 * s > n/2, a malleated copy of a valid signature; the on-chain ECDSA.recover refuses it too).
 */
import { createRequire } from 'node:module';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { secp256k1 as nobleSecp } from '@noble/curves/secp256k1.js';
import { getAddress, hashTypedData } from 'viem';
import type { Hex, Order } from './order.js';
import { CANCEL_TYPES, orderDomain, orderHash } from './eip712.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

type RecoverFn = (sig64: Uint8Array, recid: number, digest: Uint8Array) => Uint8Array;

/** Pure-JS recovery: 65-byte uncompressed public key. */
const nobleRecover: RecoverFn = (sig64, recid, digest) => {
  const sig = nobleSecp.Signature.fromBytes(sig64, 'compact').addRecoveryBit(recid);
  return sig.recoverPublicKey(digest).toBytes(false);
};

/** Loads the native binding directly (not `secp256k1`'s index, whose own fallback is slow elliptic.js). */
function loadNativeRecover(): RecoverFn | null {
  try {
    const require = createRequire(import.meta.url);
    const native = require('secp256k1/bindings.js') as {
      ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed?: boolean): Uint8Array;
    };
    return (sig64, recid, digest) => native.ecdsaRecover(sig64, recid, digest, false);
  } catch {
    return null;
  }
}

const nativeRecover = loadNativeRecover();

/** Which recovery backend is in use: `native` (libsecp256k1) or `noble` (pure JS fallback). */
export const signatureBackend: 'native' | 'noble' = nativeRecover ? 'native' : 'noble';

/** Exposed for tests that compare both backends; production code uses recoverDigestSigner. */
export const recoverBackends: { native: RecoverFn | null; noble: RecoverFn } = {
  native: nativeRecover,
  noble: nobleRecover,
};

const HEX_BODY = /^[0-9a-fA-F]*$/;

function hexToBytesOrNull(h: unknown): Uint8Array | null {
  if (typeof h !== 'string' || !h.startsWith('0x') || h.length % 2 !== 0) return null;
  const body = h.slice(2);
  if (!HEX_BODY.test(body)) return null;
  return Uint8Array.from(Buffer.from(body, 'hex'));
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${bytesToHex(b)}`);
}

/** Splits a 65- or 64-byte signature into the 64-byte r‖s (low s) and the recovery id, or null. */
export function parseSignature(signature: unknown): { sig64: Uint8Array; recid: number } | null {
  const bytes = hexToBytesOrNull(signature);
  if (bytes === null) return null;
  let recid: number;
  const sig64 = bytes.slice(0, 64);
  if (bytes.length === 65) {
    const v = bytes[64]!;
    if (v === 27 || v === 28) recid = v - 27;
    else if (v === 0 || v === 1) recid = v;
    else return null;
  } else if (bytes.length === 64) {
    // EIP-2098: the top bit of the second word is yParity; the rest is s.
    recid = sig64[32]! >> 7;
    sig64[32] = sig64[32]! & 0x7f;
  } else {
    return null;
  }
  const r = toBigInt(sig64.subarray(0, 32));
  const s = toBigInt(sig64.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return null;
  return { sig64, recid };
}

/** Lower-case address of an uncompressed public key: the last 20 bytes of keccak256(x‖y). */
function addressOfPublicKey(uncompressed: Uint8Array): Hex {
  return `0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`;
}

/** Recovery without the EIP-55 checksum (one keccak less): what the verify functions compare. */
function recoverLower(digest: unknown, signature: unknown, backend: RecoverFn | null): Hex | null {
  const d = hexToBytesOrNull(digest);
  if (d === null || d.length !== 32) return null;
  const parsed = parseSignature(signature);
  if (parsed === null) return null;
  try {
    const recover = backend ?? nativeRecover ?? nobleRecover;
    return addressOfPublicKey(recover(parsed.sig64, parsed.recid, d));
  } catch {
    // The point r does not exist on the curve, or recovery hits infinity: not a signature.
    return null;
  }
}

/**
 * The checksummed address that signed the 32-byte `digest`, or null if the signature is
 * malformed, non-canonical or does not recover. `backend` is for tests comparing backends.
 */
export function recoverDigestSigner(digest: Hex, signature: unknown, backend: RecoverFn | null = null): Hex | null {
  const lower = recoverLower(digest, signature, backend);
  return lower === null ? null : getAddress(lower);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Whether `expected` (an address in any case) signed `digest`. */
function signedBy(digest: Hex, signature: unknown, expected: unknown): boolean {
  if (typeof expected !== 'string' || !ADDRESS.test(expected)) return false;
  return recoverLower(digest, signature, null) === expected.toLowerCase();
}

/**
 * The signer of an order, or null. Pass `precomputedHash` (the order's EIP-712 digest, which
 * intake computes anyway) to skip hashing twice.
 */
export function recoverOrderSigner(
  order: Order,
  signature: unknown,
  chainId: number,
  verifyingContract: Hex,
  precomputedHash?: Hex,
): Hex | null {
  let digest: Hex;
  try {
    digest = precomputedHash ?? orderHash(order, chainId, verifyingContract);
  } catch {
    return null; // an order EIP-712 cannot encode (e.g. a value out of its type's range) has no signer
  }
  return recoverDigestSigner(digest, signature);
}

/** Whether `order.maker` signed the order (case-insensitive address comparison). */
export function verifyOrderSignature(
  order: Order,
  signature: unknown,
  chainId: number,
  verifyingContract: Hex,
  precomputedHash?: Hex,
): boolean {
  let digest: Hex;
  try {
    digest = precomputedHash ?? orderHash(order, chainId, verifyingContract);
  } catch {
    return false;
  }
  return signedBy(digest, signature, order.maker);
}

/** EIP-712 digest of `Cancel(bytes32 orderHash)` under the order's domain. */
export function cancelDigest(orderHashHex: Hex, chainId: number, verifyingContract: Hex): Hex {
  return hashTypedData({
    domain: orderDomain(chainId, verifyingContract),
    types: CANCEL_TYPES,
    primaryType: 'Cancel',
    message: { orderHash: orderHashHex },
  });
}

/** Whether `maker` signed the cancellation of `orderHash`. False for any malformed input. */
export function verifyCancelSignature(
  orderHashHex: Hex,
  signature: unknown,
  maker: string,
  chainId: number,
  verifyingContract: Hex,
): boolean {
  let digest: Hex;
  try {
    digest = cancelDigest(orderHashHex, chainId, verifyingContract);
  } catch {
    return false;
  }
  return signedBy(digest, signature, maker);
}
