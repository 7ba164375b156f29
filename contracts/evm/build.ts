/**
 * Compiles the EVM contracts offline with solc-js (standard JSON, imports resolved from
 * node_modules) and writes, per contract, `artifacts/<Name>.json` (ABI + bytecode) and one
 * typed `artifacts.ts` whose `as const` ABIs let viem infer every call and event.
 *
 *   npm run build:contracts           # writes contracts/evm/artifacts{/,.ts}
 *   tsx contracts/evm/build.ts --check   # exits 1 if the committed output is stale
 *
 * The output is a pure function of the sources, the compiler and the settings below, so a
 * rebuild is byte-identical (a test holds us to it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
// solc-js ships CommonJS without types.
const solc = require('solc') as {
  version(): string;
  compile(input: string, callbacks: { import(p: string): { contents: string } | { error: string } }): string;
};

export const CONTRACTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIRS = ['src', 'test'];
const NODE_MODULES = path.resolve(CONTRACTS_DIR, '../../node_modules');

/** Part of the protocol's build: changing one changes the bytecode. */
export const COMPILER_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  // Cancun: transient storage (ReentrancyGuardTransient) and MCOPY; live on Ethereum since March 2024.
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string; sourceLocation?: { file: string } }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

export interface Artifact {
  contractName: string;
  sourceName: string;
  compiler: string;
  abi: unknown[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

function listSources(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(CONTRACTS_DIR, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.sol')) out.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return out.sort();
}

export function resolveImport(importPath: string): { contents: string } | { error: string } {
  // Only package imports reach here; our own relative imports are already in `sources`.
  const file = path.join(NODE_MODULES, importPath);
  if (!file.startsWith(NODE_MODULES + path.sep) || !existsSync(file)) return { error: `not found: ${importPath}` };
  return { contents: readFileSync(file, 'utf8') };
}

/** Our Solidity sources, path relative to contracts/evm => { content }. */
export function readSources(): Record<string, { content: string }> {
  return Object.fromEntries(
    listSources().map((rel) => [rel, { content: readFileSync(path.join(CONTRACTS_DIR, rel), 'utf8') }]),
  );
}

/** Compiles and returns the artifacts of our own contracts (not the imported libraries), sorted by name. */
export function compileContracts(): Artifact[] {
  return compileSources(readSources());
}

/** Compiles `sources` (in memory: the mutation runner passes mutated copies) with the build's settings. */
export function compileSources(sources: Record<string, { content: string }>): Artifact[] {
  const input = { language: 'Solidity', sources, settings: COMPILER_SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport })) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  const errors = problems.filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  // Warnings inside audited dependencies (e.g. OpenZeppelin's note on transient storage) are theirs.
  for (const w of problems) {
    if (w.sourceLocation?.file.startsWith('@') !== true) process.stderr.write(w.formattedMessage + '\n');
  }

  const artifacts: Artifact[] = [];
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, c] of Object.entries(output.contracts[sourceName] ?? {})) {
      // Abstract contracts and interfaces have no bytecode; internal-only libraries no ABI.
      if (c.evm.bytecode.object.length === 0 || c.abi.length === 0) continue;
      artifacts.push({
        contractName,
        sourceName,
        compiler: solc.version(),
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      });
    }
  }
  return artifacts.sort((a, b) => a.contractName.localeCompare(b.contractName));
}

/** EscrowFactory -> escrowFactory, ERC1271Wallet -> erc1271Wallet, ABCToken -> abcToken. */
function camelCase(name: string): string {
  const acronym = /^[A-Z]+(?=[A-Z][a-z]|[^A-Za-z]|$)/.exec(name)?.[0];
  if (acronym && acronym.length > 1) return acronym.toLowerCase() + name.slice(acronym.length);
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Every output file, path relative to contracts/evm => content. */
export function renderArtifacts(artifacts: Artifact[]): Map<string, string> {
  const files = new Map<string, string>();
  const ts: string[] = [
    '// Generated by contracts/evm/build.ts (npm run build:contracts). Do not edit.',
    `// Compiler: solc ${artifacts[0]?.compiler ?? ''}; settings in build.ts.`,
    '',
  ];
  for (const a of artifacts) {
    files.set(`artifacts/${a.contractName}.json`, JSON.stringify(a, null, 2) + '\n');
    const id = camelCase(a.contractName);
    ts.push(`/** ${a.contractName} (${a.sourceName}) */`);
    ts.push(`export const ${id}Abi = ${JSON.stringify(a.abi, null, 2)} as const;`);
    ts.push(`export const ${id}Bytecode = '${a.bytecode}' as const;`);
    ts.push('');
  }
  files.set('artifacts.ts', ts.join('\n'));
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = renderArtifacts(compileContracts());
  const stale: string[] = [];
  mkdirSync(path.join(CONTRACTS_DIR, 'artifacts'), { recursive: true });
  for (const [rel, content] of files) {
    const file = path.join(CONTRACTS_DIR, rel);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === content) continue;
    stale.push(rel);
    if (!check) writeFileSync(file, content);
  }
  // Artifacts of contracts that no longer exist.
  for (const name of readdirSync(path.join(CONTRACTS_DIR, 'artifacts'))) {
    const rel = `artifacts/${name}`;
    if (files.has(rel)) continue;
    stale.push(rel);
    if (!check) rmSync(path.join(CONTRACTS_DIR, rel));
  }
  if (check && stale.length > 0) {
    process.stderr.write(`stale contract artifacts: ${stale.join(', ')}; run npm run build:contracts\n`);
    process.exit(1);
  }
  process.stdout.write(`${check ? 'checked' : 'built'} ${files.size} files${stale.length ? `, ${stale.length} changed` : ''}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
