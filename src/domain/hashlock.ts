/**
 * Hashlock = keccak256(secret) over exactly 32 secret bytes (architecture §3), as the EVM escrow and
 * the Plutus V3 validator (`keccak_256` builtin) compute it.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Hex } from './order.js';
import { DomainError } from './issues.js';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** `0x` followed by exactly 64 hex digits (either case). */
export function isHex32(s: unknown): s is Hex {
  return typeof s === 'string' && HEX32.test(s);
}

/** keccak256 of the 32 secret bytes, lower-case hex. Throws DomainError INVALID_SECRET otherwise. */
export function hashlockOf(secret: Hex): Hex {
  if (!isHex32(secret)) throw new DomainError('INVALID_SECRET', 'a secret is 0x followed by 64 hex digits (32 bytes)');
  return `0x${bytesToHex(keccak_256(hexToBytes(secret.slice(2))))}`;
}

/** Whether `secret` opens `hashlock`. False (never a throw) for malformed input of either. */
export function isSecretFor(secret: unknown, hashlock: unknown): boolean {
  if (!isHex32(secret) || !isHex32(hashlock)) return false;
  return hashlockOf(secret) === hashlock.toLowerCase();
}
