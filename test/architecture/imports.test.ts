/**
 * Holds the code to the import table of docs/architecture.md §2: every relative import between
 * parts must be one the table allows. A part is named by its path (longest prefix wins); a
 * failure names the file, the import and the rule it crosses.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Path prefix → part. Files, then folders; the longest matching prefix wins. */
const PARTS: Record<string, string> = {
  'src/domain/': 'domain',
  'src/chains/events.ts': 'chain-events',
  'src/chains/ports.ts': 'chain-events',
  'src/chains/evm/': 'chain-evm',
  'src/chains/cardano/': 'chain-cardano',
  // The follower engine; the rest of src/chains/ wires the chains (settings, intake, followers).
  'src/chains/follower.ts': 'follower',
  'src/chains/finality.ts': 'follower',
  'src/chains/follower-metrics.ts': 'follower',
  'src/chains/describe-error.ts': 'follower',
  'src/chains/': 'chains',
  'src/bus/': 'bus',
  'src/store/': 'store',
  'src/orders/': 'orders',
  'src/settlement/': 'settlement',
  'src/auction/': 'auction',
  'src/webhooks/': 'webhooks',
  'src/api/': 'api',
  'src/observability/': 'observability',
  'src/config.ts': 'config',
  'src/network-presets.ts': 'config',
  'src/': 'root',
  'client/': 'client',
  'cli/': 'apps',
  'resolver/': 'apps',
  'demo/': 'apps',
  'cardano-tx/': 'cardano-tx',
  'devnet/': 'devnet',
  'contracts/': 'contracts',
  'scripts/': 'scripts',
};

/**
 * Part → the parts it may import (besides itself). Entries with a path are single files a part may
 * reach into: the ports a part owns are implemented by the store.
 */
const ALLOWED: Record<string, string[]> = {
  domain: [],
  'chain-events': ['domain'],
  follower: ['domain', 'chain-events', 'bus', 'observability'],
  chains: ['domain', 'chain-events', 'follower', 'chain-evm', 'chain-cardano', 'bus', 'observability', 'config', 'contracts', 'src/orders/ports.ts'],
  'chain-evm': ['domain', 'chain-events', 'follower', 'observability', 'contracts', 'src/bus/types.ts', 'src/orders/ports.ts'],
  'chain-cardano': ['domain', 'chain-events', 'follower', 'observability', 'contracts', 'src/bus/types.ts', 'src/orders/ports.ts'],
  bus: ['domain', 'chain-events', 'observability'],
  store: [
    'domain',
    'chain-events',
    'observability',
    'src/orders/ports.ts',
    'src/settlement/ports.ts',
    'src/webhooks/ports.ts',
    'src/api/ws/ports.ts',
  ],
  orders: ['domain', 'chain-events', 'bus', 'auction', 'observability'],
  settlement: ['domain', 'chain-events', 'orders', 'bus', 'observability'],
  auction: ['domain', 'orders', 'bus', 'observability'],
  webhooks: ['domain', 'orders', 'settlement', 'observability'],
  api: ['domain', 'chain-events', 'orders', 'settlement', 'webhooks', 'auction', 'bus', 'observability', 'config', 'src/chains/settings.ts'],
  observability: ['domain', 'chain-events', 'bus', 'orders', 'settlement', 'config'],
  config: ['domain'],
  root: ['*'],
  client: ['domain', 'src/api/wire.ts'],
  apps: ['client', 'cardano-tx', 'contracts', 'domain', 'devnet', 'root', 'config', 'apps'],
  'cardano-tx': ['chain-cardano', 'contracts', 'domain'],
  // devnet/embedded.ts starts the embedded devnets for the process entry, so it speaks its settings.
  devnet: ['contracts', 'cardano-tx', 'chain-cardano', 'domain', 'chains', 'config', 'observability'],
  contracts: ['domain', 'devnet', 'contracts'],
  scripts: ['devnet', 'contracts', 'cardano-tx', 'chains', 'config', 'domain', 'root'],
};

const SCANNED = ['src', 'client', 'cli', 'resolver', 'demo', 'cardano-tx', 'devnet', 'contracts', 'scripts'];

function partOf(rel: string): string | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(PARTS)) {
    if (rel.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : PARTS[best];
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative specifiers of `import … from`, `export … from`, `import('…')` and bare `import '…'`. */
function relativeImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

function allows(from: string, toPart: string, toFile: string): boolean {
  const rules = ALLOWED[from] ?? [];
  return rules.includes('*') || rules.includes(toPart) || rules.includes(toFile);
}

describe('imports follow docs/architecture.md §2', () => {
  const files = SCANNED.flatMap((d) => tsFiles(path.join(ROOT, d)));

  it('names a part for every scanned file and every rule', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) expect(partOf(path.relative(ROOT, f)), f).toBeDefined();
    for (const part of Object.keys(ALLOWED)) expect(Object.values(PARTS)).toContain(part);
  });

  it('has no import that crosses the table', () => {
    const crossings: string[] = [];
    for (const file of files) {
      const rel = path.relative(ROOT, file);
      const from = partOf(rel)!;
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = path.relative(ROOT, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
        const to = partOf(target);
        if (to === undefined || to === from) continue;
        if (!allows(from, to, target)) crossings.push(`${rel} (${from}) imports ${target} (${to})`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('catches a crossing (the checker itself works)', () => {
    expect(allows('domain', 'store', 'src/store/db.ts')).toBe(false);
    expect(allows('store', 'settlement', 'src/settlement/coordinator.ts')).toBe(false);
    expect(allows('store', 'settlement', 'src/settlement/ports.ts')).toBe(true);
    expect(relativeImports("import type { A } from '../store/db.js';\nexport { B } from './b.js';\nawait import('../x.js');")).toEqual([
      '../store/db.js',
      './b.js',
      '../x.js',
    ]);
  });
});
