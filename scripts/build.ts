/**
 * `npm run build`: compiles the relayer and the operator tools to plain JavaScript in `dist/`, so
 * production runs `node dist/src/entry.js` with no TypeScript loader in the process (node is PID 1
 * in a container and receives SIGTERM itself). Each file is transpiled on its own (esbuild, no
 * bundling: dependencies stay in node_modules); type checking is `npm run typecheck`, which
 * `npm run build` runs first. Runtime data files the code reads next to itself are copied.
 *
 *   tsx scripts/build.ts [--outdir DIR]     (default: dist)
 */
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folders compiled into dist/ (tests, benches and the contract compilers are not shipped). */
export const SHIPPED_DIRS = ['src', 'cardano-tx', 'contracts/cardano', 'contracts/evm', 'devnet', 'scripts', 'resolver', 'cli', 'client'];
const SKIPPED = [/\.test\.ts$/, /^contracts\/evm\/(test|src)\//, /^contracts\/evm\/(build|gas-report)\.ts$/, /^contracts\/cardano\/(build|validator|order-validator)\.ts$/];
/** Files read at run time through `import.meta.url`. */
export const RUNTIME_ASSETS = ['contracts/cardano/escrow.plutus.json', 'contracts/cardano/order.plutus.json', 'devnet/cardano/schema', 'src/api/http/dashboard'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts') && !SKIPPED.some((re) => re.test(rel))) out.push(rel);
  }
  return out;
}

export async function buildDist(outdir: string): Promise<{ files: number }> {
  const out = path.resolve(root, outdir);
  rmSync(out, { recursive: true, force: true });
  const entryPoints = SHIPPED_DIRS.flatMap(sources);
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: out,
    outbase: '.',
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const asset of RUNTIME_ASSETS) {
    mkdirSync(path.dirname(path.join(out, asset)), { recursive: true });
    cpSync(path.join(root, asset), path.join(out, asset), { recursive: true, filter: (f) => !f.endsWith('.ts') });
  }
  // Node reads dist/*.js as ES modules because of this marker, wherever dist/ is copied to.
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  return { files: entryPoints.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const outdir = i > 0 ? process.argv[i + 1] ?? 'dist' : 'dist';
  const { files } = await buildDist(outdir);
  process.stdout.write(`built ${files} files into ${outdir}/ (run: node ${outdir}/src/entry.js)\n`);
}
