/**
 * `npm run mutate`: mutation testing of the contracts. Every mutant of the Plutus validator and of
 * the Solidity contracts (see cardano.ts and evm.ts for the operators) is compiled in a temporary
 * directory and the contract tests are run against it with one focused vitest invocation
 * (`--bail=1`), pointed at the mutant by CARDANO_ESCROW_ARTIFACT / EVM_FACTORY_ARTIFACT. A mutant is
 * killed when a test fails. Prints every mutant and the score; exits 1 if any mutant survived that
 * is not in the reviewed allow-list of equivalent mutants (equivalent.ts).
 *
 *   npm run mutate                          # both sides
 *   npm run mutate -- --target cardano      # or evm
 *   npm run mutate -- --grep withdrawTo     # only mutants whose key contains the text
 *   npm run mutate -- --list                # print the mutants, run nothing
 *   npm run mutate -- --jobs 2              # mutants tested in parallel (default 1)
 *   npm run mutate -- --optimize            # Solidity with the optimizer on, as the build (4x slower)
 *   npm run mutate -- --resume run.log      # reuse the outcomes an interrupted run printed to run.log
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCardano, cardanoArtifactEnv, CARDANO_TESTS, enumerateCardano, ORDER_VALIDATOR, REPO, VALIDATOR } from './cardano.js';
import { buildEvm, enumerateEvm, EVM_TESTS } from './evm.js';
import { EQUIVALENT } from './equivalent.js';
import type { Mutant, Target } from './mutant.js';

type Outcome =
  | { status: 'killed'; by: string }
  | { status: 'survived' }
  | { status: 'equivalent'; reason: string }
  | { status: 'stillborn'; reason: string };

const { values: args } = parseArgs({
  options: {
    target: { type: 'string' },
    grep: { type: 'string' },
    list: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '600' },
    optimize: { type: 'boolean', default: false },
    resume: { type: 'string' },
  },
});

const VITEST = path.join(REPO, 'node_modules/.bin/vitest');

/** Runs `files` with `env`; resolves with the first failed test's name, or undefined when all passed. */
function runTests(files: string[], env: Record<string, string>, outDir: string): Promise<string | undefined> {
  const report = path.join(outDir, 'vitest.json');
  return new Promise((resolve) => {
    const child = spawn(VITEST, ['run', ...files, '--bail=1', '--reporter=json', `--outputFile=${report}`], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, Number(args.timeout) * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve(`timeout/${signal}`);
      if (code === 0) return resolve(undefined);
      try {
        const json = JSON.parse(readFileSync(report, 'utf8')) as {
          testResults: { name: string; message?: string; assertionResults: { status: string; fullName: string }[] }[];
        };
        for (const file of json.testResults) {
          const failed = file.assertionResults.find((a) => a.status === 'failed');
          if (failed) return resolve(`${path.basename(file.name)} › ${failed.fullName}`);
          if (file.message) return resolve(`${path.basename(file.name)}: ${file.message.split('\n')[0]}`);
        }
      } catch {
        /* no report: vitest itself failed */
      }
      resolve(`vitest exited ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    });
  });
}

interface Side {
  target: Target;
  mutants: Mutant[];
  build(m: Mutant | undefined, dir: string): Promise<{ artifact: string; code: string }>;
  tests(m: Mutant | undefined): string[];
  env: string;
}

const cardanoMutants = enumerateCardano();
/** One side per Cardano validator (same target): each has its own baseline, tests and artifact variable. */
const cardanoSide = (file: string): Side => ({
  target: 'cardano',
  mutants: cardanoMutants.filter((m) => m.file === file),
  build: async (m, dir) => {
    const b = await buildCardano(m, dir, file);
    return { artifact: b.artifact, code: b.cborHex };
  },
  tests: () => CARDANO_TESTS[file]!,
  env: cardanoArtifactEnv(file),
});

const sides: Side[] = [
  cardanoSide(VALIDATOR),
  cardanoSide(ORDER_VALIDATOR),
  {
    target: 'evm',
    mutants: enumerateEvm(),
    build: async (m, dir) => {
      const b = buildEvm(m, dir, args.optimize);
      return { artifact: b.artifact, code: b.bytecode };
    },
    tests: (m) => (m ? EVM_TESTS[m.file.slice('contracts/evm/'.length)]! : [...new Set(Object.values(EVM_TESTS).flat())]),
    env: 'EVM_FACTORY_ARTIFACT',
  },
];

async function main(): Promise<void> {
  const chosen = sides
    .filter((s) => !args.target || s.target === args.target)
    .map((s) => ({ ...s, mutants: s.mutants.filter((m) => !args.grep || m.key.includes(args.grep)) }));
  if (args.list) {
    for (const s of chosen) for (const m of s.mutants) console.log(`${s.target} ${m.file}:${m.line}  ${m.key}`);
    console.log(`${chosen.reduce((n, s) => n + s.mutants.length, 0)} mutants`);
    return;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'mutate-'));
  const results: { side: Side; m: Mutant; outcome: Outcome }[] = [];
  try {
    for (const side of chosen) {
      if (side.mutants.length === 0) continue;
      // Baseline: the unmutated build must pass the same tests, or every "kill" would be meaningless.
      const label = `${side.target}-${side.env}`;
      const baseDir = path.join(root, `${label}-baseline`);
      const base = await side.build(undefined, baseDir);
      const baseFailure = await runTests(side.tests(undefined), { [side.env]: base.artifact }, baseDir);
      if (baseFailure) throw new Error(`${label} baseline fails its tests: ${baseFailure}`);
      console.log(`${side.target} (${side.mutants[0]!.file}): baseline passes; ${side.mutants.length} mutants`);

      const previous = args.resume ? previousOutcomes(args.resume) : new Map<string, Outcome>();
      const seen = new Map<string, Mutant>();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < side.mutants.length) {
          const i = next++;
          const m = side.mutants[i]!;
          const dir = path.join(root, `${label}-${i}`);
          let outcome: Outcome;
          const started = Date.now();
          const logged = previous.get(lineOf(m));
          if (logged) {
            results.push({ side, m, outcome: logged });
            console.log(`${logged.status.toUpperCase().padEnd(10)} ${lineOf(m)}  (from ${path.basename(args.resume!)})`);
            continue;
          }
          try {
            const built = await side.build(m, dir);
            const twin = seen.get(built.code);
            if (built.code === base.code) outcome = { status: 'equivalent', reason: 'compiles to the unmutated code' };
            else if (EQUIVALENT[m.key]) outcome = { status: 'equivalent', reason: EQUIVALENT[m.key]! };
            else {
              seen.set(built.code, m);
              const by = twin ? undefined : await runTests(side.tests(m), { [side.env]: built.artifact }, dir);
              const twinResult = twin && results.find((r) => r.m === twin)?.outcome;
              outcome = twinResult ? twinResult : by ? { status: 'killed', by } : { status: 'survived' };
            }
          } catch (err) {
            outcome = { status: 'stillborn', reason: String((err as Error).message).split('\n')[0]!.slice(0, 160) };
          }
          rmSync(dir, { recursive: true, force: true });
          results.push({ side, m, outcome });
          const detail =
            outcome.status === 'killed' ? `by ${outcome.by}` : outcome.status === 'survived' ? '' : `(${outcome.reason})`;
          const secs = Math.round((Date.now() - started) / 1000);
          console.log(`${outcome.status.toUpperCase().padEnd(10)} ${lineOf(m)}  ${detail} [${secs}s]`);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Number(args.jobs)) }, worker));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  report(results);
}

/** How a mutant is printed (and recognised again by --resume). */
function lineOf(m: Mutant): string {
  return `${m.file}:${m.line}  ${m.operator}: ${describe(m)}`;
}

/** Outcomes printed by an earlier run: `STATUS  <lineOf(m)>  <detail> [Ns]`. */
function previousOutcomes(log: string): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const match = /^(KILLED|SURVIVED|EQUIVALENT|STILLBORN) +(.*?)  (by (.*)|\((.*)\))? \[\d+s\]$/.exec(line);
    if (!match) continue;
    const [, status, text, , by, reason] = match;
    if (status === 'KILLED') out.set(text!, { status: 'killed', by: by ?? '' });
    else if (status === 'EQUIVALENT') out.set(text!, { status: 'equivalent', reason: reason ?? '' });
    else if (status === 'STILLBORN') out.set(text!, { status: 'stillborn', reason: reason ?? '' });
    // Survivors are tested again: tests may have been added since.
  }
  return out;
}

function describe(m: Mutant): string {
  return m.replacement === '' ? `drop ${m.original}` : `${m.original} → ${m.replacement}`;
}

function report(results: { side: Side; m: Mutant; outcome: Outcome }[]): void {
  const stale = Object.keys(EQUIVALENT).filter((k) => !results.some((r) => r.m.key === k));
  const survivors = results.filter((r) => r.outcome.status === 'survived');
  console.log('\nSurvivors:' + (survivors.length ? '' : ' none'));
  for (const r of survivors) console.log(`  ${r.m.key}  (${r.m.file}:${r.m.line})`);
  const filtered = Boolean(args.target || args.grep);
  if (stale.length && !filtered) console.log(`Allow-list entries matching no mutant: ${stale.join('; ')}`);
  console.log(`\nMutation score (${new Date().toISOString().slice(0, 10)}):`);
  for (const target of ['cardano', 'evm'] as const) {
    const mine = results.filter((r) => r.side.target === target);
    if (mine.length === 0) continue;
    const count = (s: Outcome['status']) => mine.filter((r) => r.outcome.status === s).length;
    const killed = count('killed');
    const judged = killed + count('survived');
    const score = judged === 0 ? 100 : (100 * killed) / judged;
    console.log(
      `  ${target.padEnd(8)} ${killed}/${judged} killed = ${score.toFixed(1)}%` +
        `  (${mine.length} mutants; ${count('equivalent')} equivalent, ${count('stillborn')} do not compile)`,
    );
  }
  if (survivors.length > 0 || (stale.length && !filtered)) process.exitCode = 1;
}

await main();
