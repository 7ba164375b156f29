/**
 * Real processes for the operators' tests: the standalone devnets (`scripts/devnet.ts`), the
 * deploy tool, and relayers. Every child is killed by pid in `stopAll()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DevnetInfo } from '../../scripts/devnet.js';

/** Polls `probe` until it returns a value other than undefined (usable in hooks, unlike expect.poll). */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Proc {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

export function run(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Proc {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, out: () => out, err: () => err, exited };
}

/** Runs to the end; returns the exit code and output. */
export async function runToEnd(args: string[], env: Record<string, string | undefined> = {}) {
  const p = run(args, env);
  const code = await p.exited;
  return { code, stdout: p.out(), stderr: p.err() };
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map((c) => {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      return gone;
    }),
  );
}

export interface StandaloneDevnet {
  proc: Proc;
  dir: string;
  info: DevnetInfo;
}

/** `npm run build` into a temp dir (shared with the crash test). */
export { buildTempDist } from '../support/warm-relayer.js';

/** `scripts/devnet.ts` (compiled, from `dist`) on free ports, its files in a temp dir. */
export async function startStandaloneDevnet(dist: string): Promise<StandaloneDevnet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'devnet-'));
  const proc = run([path.join(dist, 'scripts/devnet.js'), '--evm-port', '0', '--ogmios-port', '0', '--out', dir]);
  await waitFor(() => {
    if (proc.child.exitCode !== null) throw new Error(`devnet exited ${proc.child.exitCode}: ${proc.err()}`);
    return proc.out().includes('Stop with Ctrl-C.') && existsSync(path.join(dir, 'relayer.env')) ? true : undefined;
  }, 'the standalone devnet');
  const info = JSON.parse(readFileSync(path.join(dir, 'devnet.json'), 'utf8')) as DevnetInfo;
  return { proc, dir, info };
}

/** Waits for a relayer process to print its REST URL; returns the base URL. */
export async function relayerUrl(p: Proc): Promise<string> {
  const re = /REST API\s+(http:\S+)\/api\/orders/;
  return waitFor(() => {
    if (p.child.exitCode !== null) throw new Error(`relayer exited ${p.child.exitCode}: ${p.err()}`);
    return re.exec(p.out())?.[1];
  }, 'the relayer to listen');
}
