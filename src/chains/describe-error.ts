/**
 * A short, secret-free description of a chain-node or store failure, for status(), /health and
 * logs. Node URLs often carry API keys, so every URL is redacted.
 */

/** The error and its causes (viem wraps the node's error; Ogmios rejects with `{ error }` objects). */
export function* errorChain(err: unknown): Generator<Record<string, unknown>> {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur && typeof cur === 'object'; depth++) {
    yield cur as Record<string, unknown>;
    cur = (cur as { cause?: unknown }).cause;
  }
}

export function describeError(err: unknown): string {
  for (const e of errorChain(err)) {
    if (typeof e.shortMessage === 'string') return redactUrls(e.shortMessage);
  }
  if (err instanceof Error) return redactUrls(err.message || err.name);
  if (err && typeof err === 'object') {
    const e = (err as { error?: { message?: string; code?: number } }).error;
    if (e?.message) return redactUrls(`${e.code ?? ''} ${e.message}`.trim());
    return redactUrls(JSON.stringify(err));
  }
  return redactUrls(String(err));
}

export function redactUrls(text: string): string {
  return text.replace(/\b(https?|wss?):\/\/[^\s"')]+/gi, (u) => `${u.split('://')[0]}://<redacted>`).slice(0, 300);
}
