/**
 * API-key check in constant time. Keys and the candidate are compared as SHA-256 digests, so
 * every comparison has the same length whatever the input, and every configured key is
 * compared (no early exit), so the time says nothing about which key or how much matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ApiKeys {
  private digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /**
   * Swaps the whole set at once (SIGHUP reload): checks after this use the new keys, and an
   * authenticated WS connection stays authenticated. Returns how many were added and removed.
   */
  replace(keys: readonly string[]): { added: number; removed: number } {
    const next = [...new Set(keys)].map(digest);
    const hex = (ds: Buffer[]) => new Set(ds.map((d) => d.toString('hex')));
    const before = hex(this.digests);
    const after = hex(next);
    this.digests = next;
    return { added: [...after].filter((d) => !before.has(d)).length, removed: [...before].filter((d) => !after.has(d)).length };
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
