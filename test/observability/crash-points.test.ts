/**
 * The crash-point hook (src/observability/crash-points.ts) in real child processes: it kills with
 * SIGKILL exactly at the n-th time the named point is reached, after writing its marker line, and
 * does nothing when CRASH_AT is unset, names another point, or is malformed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrashAt } from '../../src/observability/crash-points.js';

const MODULE = path.resolve(import.meta.dirname, '../../src/observability/crash-points.ts');

/** Reaches `a:b` three times, `other` once, printing a line after each. */
function run(crashAt: string | undefined): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  const code = `
    const { crashPoint } = await import(${JSON.stringify(MODULE)});
    for (let i = 1; i <= 3; i++) { crashPoint('a:b'); console.log('after a:b', i); }
    crashPoint('other'); console.log('after other');`;
  const { CRASH_AT: _drop, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: crashAt === undefined ? env : { ...env, CRASH_AT: crashAt },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('crash points', () => {
  it('parses <point>:<n>, the point may contain colons', () => {
    expect(parseCrashAt('transition:escrowed:2')).toEqual({ point: 'transition:escrowed', n: 2 });
    expect(parseCrashAt('chain:commit:cardano:devnet:1')).toEqual({ point: 'chain:commit:cardano:devnet', n: 1 });
    expect(parseCrashAt(undefined)).toBeNull();
    expect(parseCrashAt('')).toBeNull();
  });

  it('kills with SIGKILL at the n-th time the point is reached, after its marker line', { timeout: 120_000 }, async () => {
    const r = await run('a:b:2');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe('after a:b 1\n');
    expect(r.stderr).toBe('CRASH_MARKER a:b 2\n');
  });

  it('does nothing when unset, set for another point, or malformed', { timeout: 120_000 }, async () => {
    const [unset, other, malformed] = await Promise.all([run(undefined), run('c:1'), run('a:b:zero')]);
    for (const r of [unset, other, malformed]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('after a:b 1\nafter a:b 2\nafter a:b 3\nafter other\n');
    }
    expect(unset.stderr).toBe('');
    expect(malformed.stderr).toContain('CRASH_AT=a:b:zero is not <point>:<n>');
  });
});
