/**
 * nginx from Debian's package in front of relayer instances, running the shipped
 * deploy/nginx/nginx.conf (copied verbatim into a temp prefix, next to generated include files
 * with this run's ports). Installs nginx with apt when missing, as .ci/run does.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const NGINX_CONF = new URL('../../deploy/nginx/nginx.conf', import.meta.url);

export interface Upstream {
  httpPort: number;
  wsPort: number;
}

export interface RunningNginx {
  /** http://127.0.0.1:<port> (REST and /ws). */
  httpUrl: string;
  /** ws://127.0.0.1:<port> (the dedicated WebSocket port). */
  wsUrl: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', 'nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx'], { stdio: 'inherit' });
  return '/usr/sbin/nginx';
}

export async function startNginx(upstreams: readonly Upstream[]): Promise<RunningNginx> {
  const bin = nginxBinary();
  const dir = await mkdtemp(join(tmpdir(), 'relayer-nginx-'));
  await mkdir(join(dir, 'logs'));
  await mkdir(join(dir, 'temp'));
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  await copyFile(NGINX_CONF, join(dir, 'nginx.conf'));
  await writeFile(join(dir, 'listen-http.conf'), `listen 127.0.0.1:${httpPort};\n`);
  await writeFile(join(dir, 'listen-ws.conf'), `listen 127.0.0.1:${wsPort};\n`);
  const server = (port: number) => `server 127.0.0.1:${port} max_fails=1 fail_timeout=5s;\n`;
  await writeFile(join(dir, 'upstream-http.conf'), upstreams.map((u) => server(u.httpPort)).join(''));
  await writeFile(join(dir, 'upstream-ws.conf'), upstreams.map((u) => server(u.wsPort)).join(''));
  // Workers run as the user starting the test (root in CI: `user` is only honoured for root).
  const globals = `daemon off; master_process on;${process.getuid?.() === 0 ? ' user root;' : ''}`;
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', globals], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  // Up when it answers (502 is fine: the relayers may not be listening yet).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${httpUrl}/health/live`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let stopped: Promise<void> | null = null;
  return {
    httpUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    errorLog: () => readFile(join(dir, 'logs', 'error.log'), 'utf8').catch(() => ''),
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null) {
          child.kill('SIGQUIT'); // graceful: workers finish, then the master exits
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
