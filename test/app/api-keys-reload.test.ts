/**
 * Resolver keys from API_KEYS_FILE, reloaded without a restart (issue 15 item 5). In process: the
 * reload path SIGHUP calls adds and revokes keys live for HTTP and the WS `auth` op, and a file
 * that cannot be read or holds no key keeps the old keys and logs an error. As a real process:
 * a SIGHUP does the same.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeysFile } from '../../src/api/api-key-file.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { withPostgres, type TestPostgres } from '../support/db.js';

const ENV_KEY = 'env-resolver-key-0000000001';
const KEY_A = 'file-resolver-key-aaaaaaaaaa';
const KEY_B = 'file-resolver-key-bbbbbbbbbb';

const status = async (base: string, key: string) => (await fetch(`${base}/api/public-actions`, { headers: { 'x-api-key': key } })).status;

async function wsAuth(url: string, key: string): Promise<'authenticated' | 'error'> {
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<'authenticated' | 'error'>((resolve) =>
      ws.on('message', (raw) => {
        const type = (JSON.parse(String(raw)) as { type: string }).type;
        if (type === 'authenticated' || type === 'error') resolve(type);
      }),
    );
    ws.send(JSON.stringify({ op: 'auth', apiKey: key }));
    return await reply;
  } finally {
    ws.close();
  }
}

describe('API_KEYS_FILE parsing', () => {
  it('one key per line; blank lines and # comments ignored; a short key, two words or no key refused', () => {
    expect(parseApiKeysFile('f', `# resolvers\n${KEY_A}\n\n  ${KEY_B}  \r\n# revoked: x\n`)).toEqual([KEY_A, KEY_B]);
    expect(() => parseApiKeysFile('f', `${KEY_A}\nshort\n`)).toThrow(/line 2 is shorter than 16/);
    expect(() => parseApiKeysFile('f', `${KEY_A} ${KEY_B}\n`)).toThrow(/line 1 holds more than one word/);
    expect(() => parseApiKeysFile('f', '# nothing here\n\n')).toThrow(/holds no key/);
  });
});

describe('reload in process (the path SIGHUP calls)', () => {
  let dir: string;
  let file: string;
  let pg: TestPostgres;
  let relayer: RunningRelayer;
  const lines: string[] = [];
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relayer-keys-'));
    file = join(dir, 'api-keys');
    await writeFile(file, `# the resolvers\n${KEY_A}\n`);
    pg = await withPostgres({ migrate: false });
    relayer = await startRelayer(
      loadConfig({ HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg.url, DEVNET: 'off', API_KEYS: ENV_KEY, API_KEYS_FILE: file }),
      { logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }) },
    );
  });
  afterAll(async () => {
    await relayer?.stop();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the keys of the environment and of the file', async () => {
    expect(await status(relayer.httpUrl, ENV_KEY)).toBe(200);
    expect(await status(relayer.httpUrl, KEY_A)).toBe(200);
    expect(await status(relayer.httpUrl, KEY_B)).toBe(401);
    expect(await wsAuth(relayer.wsUrl, KEY_A)).toBe('authenticated');
  });

  it('adds and revokes keys live, for HTTP and WS', async () => {
    await writeFile(file, `${KEY_B}\n# revoked: the other one\n`);
    expect(await relayer.reload()).toEqual({ ok: true, keys: 2, added: 1, removed: 1 });
    expect(await status(relayer.httpUrl, KEY_A)).toBe(401);
    expect(await status(relayer.httpUrl, KEY_B)).toBe(200);
    expect(await status(relayer.httpUrl, ENV_KEY)).toBe(200);
    expect(await wsAuth(relayer.wsUrl, KEY_A)).toBe('error');
    expect(await wsAuth(relayer.wsUrl, KEY_B)).toBe('authenticated');
    expect(records().find((r) => r.msg === 'API keys reloaded')).toMatchObject({ level: 30, keys: 2, added: 1, removed: 1 });
  });

  it('a file that holds no key, or cannot be read, keeps the old keys and logs an error', async () => {
    await writeFile(file, '# everything commented out\n');
    const empty = await relayer.reload();
    expect(empty.ok).toBe(false);
    await rm(file);
    const missing = await relayer.reload();
    expect(missing).toMatchObject({ ok: false, error: expect.stringMatching(/cannot be read \(ENOENT\)/) });
    expect(await status(relayer.httpUrl, KEY_B)).toBe(200);
    expect(await status(relayer.httpUrl, ENV_KEY)).toBe(200);
    const errors = records().filter((r) => r.msg === 'API keys reload failed; the previous keys stay in force');
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e.level === 50 && e.keys === 2)).toBe(true);
    expect(lines.join('\n')).not.toContain(KEY_A);
    expect(lines.join('\n')).not.toContain(KEY_B);
  });
});

describe('reload as a real process', () => {
  it('SIGHUP swaps the keys without a restart', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relayer-sighup-'));
    const file = join(dir, 'api-keys');
    await writeFile(file, `${KEY_A}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), DEVNET: 'off', LOG_LEVEL: 'info', API_KEYS_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)?.[1], { timeout: 180_000, interval: 100 }).toBeTruthy();
      const base = /REST API\s+(http:\S+)\/api\/orders/.exec(stdout)![1]!;
      expect(await status(base, KEY_A)).toBe(200);
      expect(await status(base, KEY_B)).toBe(401);

      await writeFile(file, `${KEY_B}\n`);
      child.kill('SIGHUP');
      await expect.poll(() => status(base, KEY_B), { timeout: 60_000, interval: 100 }).toBe(200);
      expect(await status(base, KEY_A)).toBe(401);
      expect(stdout).toMatch(/"msg":"API keys reloaded"/);
      expect(child.exitCode).toBeNull(); // the same process, not a restart

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
