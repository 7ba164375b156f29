import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('has working defaults with an empty environment (the embedded default)', () => {
    const c = loadConfig({});
    expect(c.httpPort).toBe(3000);
    expect(c.wsPort).toBe(8081);
    expect(c.dataDir).toBe('./.data');
    expect(c.databaseUrl).toBeNull();
    expect(c.redisUrl).toBeNull();
    expect(c.cardano.chain).toBe('cardano:devnet');
    expect(c.devnet).toBe('auto');
  });

  it.each([
    ['HTTP_PORT', 'abc'],
    ['HTTP_PORT', '70000'],
    ['WS_PORT', '-1'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost'],
    ['EVM_RPC_URL', 'ftp://x'],
    ['EVM_ESCROW_FACTORY', '0x1234'],
    ['EVM_CONFIRMATIONS', '1.5'],
    ['CARDANO_NETWORK', 'testnet'],
    ['CARDANO_ESCROW_SCRIPT', 'zz'],
    ['LOG_LEVEL', 'loud'],
    ['API_KEYS', 'short'],
    ['CORS_ORIGINS', 'not-an-origin'],
    ['PRICE_TICK_MS', '0'],
    ['DEVNET', 'sometimes'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY', '10.0.0.0/40'],
    ['TRUST_PROXY', '0'],
    ['WS_MAX_CONNECTIONS_PER_IP', '0'],
    ['STREAM_RETENTION_HOURS', '0'],
    ['LEADER_RETRY_MS', '5'],
  ])('refuses %s=%s with an error naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('never shows credentials or API keys in the description it logs', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://app:hunter2@db:5432/relayer',
      REDIS_URL: 'redis://:s3cret@cache:6379',
      API_KEYS: 'resolver-key-0123456789,resolver-key-abcdefghij',
    });
    const text = JSON.stringify(describeConfig(c));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('resolver-key');
    expect(text).toContain('2 configured');
  });

  it('reads the scale-out settings: trusted proxies, shared limits, stream retention, leader retry', () => {
    const d = loadConfig({});
    expect(d.trustProxy).toBeNull();
    expect(d.rateLimit).toEqual({ max: 600, keyMax: 6_000, windowMs: 60_000 });
    expect(d.ws.maxConnectionsPerIp).toBe(100);
    expect(d.stream).toEqual({ retentionMs: 24 * 3_600_000, pollMs: 1_000 });
    expect(d.leaderRetryMs).toBe(2_000);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,loopback,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', 'loopback', '::1']);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('the process exits non-zero with a message naming the variable', { timeout: 240_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, HTTP_PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('HTTP_PORT');
    expect(run.stderr).toContain('expected a whole number');
  });
});
