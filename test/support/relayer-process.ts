/**
 * A relayer as its own process (`node --import tsx src/main.ts`), on ports chosen up front so it
 * can be killed (SIGKILL) and started again on the same ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

export interface RelayerProcess {
  name: string;
  httpPort: number;
  wsPort: number;
  httpUrl: string;
  pid(): number | undefined;
  running(): boolean;
  /** Resolves when /health/ready answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  start(): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The process's stderr/stdout so far (LOG_LEVEL decides how much). */
  output(): string;
}

export async function relayerProcess(name: string, env: Record<string, string>): Promise<RelayerProcess> {
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  let child: ChildProcess | null = null;
  let out = '';
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const self: RelayerProcess = {
    name,
    httpPort,
    wsPort,
    httpUrl,
    pid: () => child?.pid,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    start() {
      child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/main.ts'], {
        env: { ...process.env, HOST: '127.0.0.1', HTTP_PORT: String(httpPort), WS_PORT: String(wsPort), DEVNET: 'off', LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (d: Buffer) => {
        out = (out + d.toString()).slice(-200_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    },
    async ready(timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!self.running()) throw new Error(`relayer ${name} exited:\n${out.slice(-4_000)}`);
        try {
          if ((await fetch(`${httpUrl}/health/ready`)).status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`relayer ${name} not ready after ${timeoutMs} ms:\n${out.slice(-4_000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill(signal);
      await exited;
    },
    output: () => out,
  };
  return self;
}
