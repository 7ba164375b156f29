/**
 * API-key check in constant time. Keys and the candidate are compared as SHA-256 digests, so
 * every comparison has the same length whatever the input, and every configured key is
 * compared (no early exit), so the time says nothing about which key or how much matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  matches(candidate: string): boolean {
    const d = digest(candidate);
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  }
}
