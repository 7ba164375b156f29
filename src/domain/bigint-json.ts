/**
 * JSON that keeps bigints: they are written as `{"$bigint":"123"}` and read back as bigint.
 * Used where whole domain objects are stored (jsonb) or sent across the Redis bus.
 * The public API never uses this: it writes amounts as plain decimal strings.
 */
const TAG = '$bigint';

export function stringifyWithBigInt(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { [TAG]: v.toString() } : v));
}

export function parseWithBigInt<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === TAG && typeof (v as Record<string, unknown>)[TAG] === 'string') {
        return BigInt((v as Record<string, string>)[TAG]!);
      }
    }
    return v;
  }) as T;
}

/** Round-trips a value through the tagged form into a plain JSON-able object (for jsonb columns). */
export function toTaggedJson(value: unknown): unknown {
  return JSON.parse(stringifyWithBigInt(value));
}

export function fromTaggedJson<T = unknown>(value: unknown): T {
  return parseWithBigInt<T>(JSON.stringify(value));
}
