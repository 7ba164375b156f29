/** Conversions between SQL values (numeric/int8 as decimal strings) and code values. */
import { fromTaggedJson, toTaggedJson } from '../domain/bigint-json.js';

/** numeric → bigint. The drivers are configured to hand numerics over as strings. */
export function toBigInt(v: string | number | bigint): bigint {
  if (typeof v === 'number') throw new TypeError(`numeric column came back as a JS number (${v})`);
  return BigInt(v);
}

export function toBigIntOrNull(v: string | null | undefined): bigint | null {
  return v === null || v === undefined ? null : toBigInt(v);
}

/** bigint (or an integer already in a safe number, e.g. unix seconds) → numeric parameter. */
export function numeric(v: bigint | number): string {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`not an integer: ${v}`);
  return v.toString();
}

/** A value for a jsonb column, bigint-tagged. */
export function taggedJson(v: unknown): string {
  return JSON.stringify(toTaggedJson(v));
}

export function fromTagged<T>(v: unknown): T {
  return fromTaggedJson<T>(v);
}
