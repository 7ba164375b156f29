/**
 * `npm run bench`: runs every benchmark in bench/ one after another (never in parallel:
 * the machine has two cores) and prints one JSON object per benchmark, then a summary.
 * Pass names to run a subset: `npm run bench -- http-active tick-prices`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();

const results: Record<string, unknown> = {};
let failed = 0;
for (const file of files) {
  const name = file.replace(/\.ts$/, '');
  process.stderr.write(`bench: ${name} …\n`);
  const started = Date.now();
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<unknown> };
    if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
    const result = await mod.run();
    results[name] = result;
    console.log(JSON.stringify({ bench: name, seconds: (Date.now() - started) / 1000, result }));
  } catch (err) {
    failed++;
    results[name] = { error: err instanceof Error ? err.message : String(err) };
    console.log(JSON.stringify({ bench: name, error: results[name] }));
  }
}
process.stderr.write(`bench: ${files.length - failed}/${files.length} benchmarks ran\n`);
process.exit(failed > 0 ? 1 : 0);
