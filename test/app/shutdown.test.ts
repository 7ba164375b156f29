/**
 * The real process: starts on its own (PGlite in a temp dir, no chains), serves, and on
 * SIGTERM drains and exits 0 (architecture §2).
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('process lifecycle', () => {
  it('serves, then exits 0 on SIGTERM', { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'relayer-proc-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry.ts'], {
      env: { ...process.env, HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DEVNET: 'off', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)?.[1], { timeout: 180_000, interval: 100 }).toBeTruthy();
      const base = /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)![1]!;
      const live = await fetch(`${base}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
