/**
 * Starts a real anvil (the binary shipped by `@foundry-rs/anvil`) on a free loopback port.
 *
 * The port is chosen by anvil itself (`--port 0`) and read back from its banner, so there is no
 * probe-then-bind race between parallel tests. `stop()` is idempotent. anvil runs under a small
 * shell watchdog that holds our stdin pipe: when this Node process ends in any way (even SIGKILL)
 * the pipe closes and the watchdog stops anvil, so a crashed test never leaks a node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ANVIL_CHAIN_ID = 31337;

export interface AnvilOptions {
  /** interface to listen on; default 127.0.0.1 (`npm run devnet -- --host 0.0.0.0` for containers) */
  host?: string;
  /** fixed port; default: a free one chosen by the OS */
  port?: number;
  /** seconds between blocks; default: automine (one block per transaction) */
  blockTime?: number;
  /** extra command-line flags, e.g. `['--accounts', '3']` */
  extraArgs?: string[];
}

export interface AnvilHandle {
  rpcUrl: string;
  wsUrl: string;
  port: number;
  chainId: number;
  stop(): Promise<void>;
}

export class AnvilStartError extends Error {
  readonly code = 'ANVIL_START_FAILED';
}

const STARTUP_TIMEOUT_MS = 20_000;

export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json');
  return path.join(path.dirname(pkg), 'bin', 'anvil');
}

// Watchdogs still alive at process exit; their process groups are killed in the 'exit' handler
// (the stdin-pipe rule below covers the exits that run no handler).
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * `sh -c WATCHDOG name anvil args...`: runs anvil in the background and stops it as soon as our
 * end of the stdin pipe closes (stop() closes it; so does the death of this process). Background
 * jobs of a non-interactive shell read /dev/null, hence the copy of stdin on fd 3.
 */
const WATCHDOG = [
  'exec 3<&0',
  'bin="$1"; shift',
  '"$bin" "$@" </dev/null 3<&- & child=$!',
  '(cat <&3 >/dev/null; kill -TERM "$child" 2>/dev/null) >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait "$child"',
].join('\n');

export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilHandle> {
  const args = [
    '--host', opts.host ?? '127.0.0.1',
    '--port', String(opts.port ?? 0),
    '--chain-id', String(ANVIL_CHAIN_ID),
    ...(opts.blockTime !== undefined ? ['--block-time', String(opts.blockTime)] : []),
    ...(opts.extraArgs ?? []),
  ];
  // detached: its own process group, so the fallback kill reaches anvil and the watchdog together.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'anvil-watchdog', anvilBinaryPath(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  installExitHook();
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  try {
    const port = await waitForListening(child);
    // A wildcard listener is still reached through loopback from this process.
    const reach = !opts.host || opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
    const rpcUrl = `http://${reach}:${port}`;
    await waitForRpc(rpcUrl, child);
    return { rpcUrl, wsUrl: `ws://${reach}:${port}`, port, chainId: ANVIL_CHAIN_ID, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads anvil's stdout until it prints `Listening on HOST:PORT`; then drains and ignores it. */
function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => fail(new AnvilStartError(`anvil did not start within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const m = /Listening on [0-9.]+:(\d+)/.exec(out);
      if (m) {
        cleanup();
        out = '';
        resolve(Number(m[1]));
      } else if (out.length > 64_000) {
        out = out.slice(-1_000);
      }
    };
    const onErr = (chunk: Buffer): void => {
      err = (err + chunk.toString('utf8')).slice(-2_000);
    };
    const onExit = (code: number | null): void =>
      fail(new AnvilStartError(`anvil exited (code ${code}) before listening: ${err.trim()}`));
    const fail = (e: Error): void => {
      cleanup();
      reject(e);
    };
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      // Keep draining so a chatty anvil never blocks on a full pipe.
      child.stdout!.resume();
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

async function waitForRpc(rpcUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new AnvilStartError('anvil exited during startup');
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result !== undefined && Number(body.result) === ANVIL_CHAIN_ID) return;
    } catch {
      // not yet accepting connections
    }
    if (Date.now() > deadline) throw new AnvilStartError('anvil did not answer eth_chainId');
    await new Promise((r) => setTimeout(r, 50));
  }
}
