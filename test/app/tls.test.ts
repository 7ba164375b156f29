/**
 * TLS directly (issue 15 item 5): with TLS_CERT_FILE and TLS_KEY_FILE the HTTP API is HTTPS and
 * the WebSocket API is WSS, on its own port and at /ws. Tested with a self-signed certificate made
 * for this run and real clients that trust it; a client that does not trust it, or speaks plain
 * HTTP, gets nothing.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { httpsGet } from '../support/https-get.js';
import { selfSignedCertificate, type TestCertificate } from '../support/tls.js';

let cert: TestCertificate;
let pg: TestPostgres;
let relayer: RunningRelayer;

beforeAll(async () => {
  cert = await selfSignedCertificate();
  pg = await withPostgres({ migrate: false });
  relayer = await startRelayer(
    loadConfig({
      HTTP_PORT: '0',
      WS_PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      DEVNET: 'off',
      TLS_CERT_FILE: cert.certFile,
      TLS_KEY_FILE: cert.keyFile,
    }),
    { logger: createLogger({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await relayer?.stop();
  await pg?.drop();
  await cert?.remove();
});

it('serves HTTPS to a client that trusts the certificate', async () => {
  expect(relayer.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const res = await httpsGet(`${relayer.httpUrl}/health/live`, { ca: cert.ca, headers: { 'x-request-id': 'tls-1' } });
  expect(res.status).toBe(200);
  const typed = await httpsGet(`${relayer.httpUrl}/api/orders/typed-data`, { ca: cert.ca });
  expect(JSON.parse(typed.body).primaryType).toBe('Order');
});

it('refuses a client that does not trust it, and plain HTTP', async () => {
  await expect(httpsGet(`${relayer.httpUrl}/health/live`)).rejects.toThrow(/self[- ]signed/i);
  // Plain HTTP to the TLS port: the server answers with a TLS alert or hangs up, never with the API.
  const plain = await fetch(`${relayer.httpUrl.replace('https', 'http')}/health/live`).then(
    (r) => r.status,
    () => 'refused',
  );
  expect(plain === 'refused' || plain === 400).toBe(true);
});

it('serves WSS on its own port and at /ws', async () => {
  expect(relayer.wsUrl).toMatch(/^wss:\/\//);
  for (const url of [relayer.wsUrl, `${relayer.httpUrl.replace('https', 'wss')}/ws`]) {
    const ws = new WebSocket(url, { ca: cert.ca });
    const replies: { type: string }[] = [];
    ws.on('message', (raw) => replies.push(JSON.parse(String(raw))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ op: 'ping' }));
    await expect.poll(() => replies.some((r) => r.type === 'pong'), { timeout: 30_000 }).toBe(true);
    ws.close();
  }
  const untrusting = new WebSocket(relayer.wsUrl);
  await expect(new Promise((resolve, reject) => untrusting.once('open', resolve).once('error', reject))).rejects.toThrow(/self[- ]signed/i);
});

it('needs both files, and says which one is missing', () => {
  expect(() => loadConfig({ TLS_CERT_FILE: cert.certFile })).toThrow(ConfigError);
  expect(() => loadConfig({ TLS_CERT_FILE: cert.certFile })).toThrow(/TLS_KEY_FILE/);
  expect(() => loadConfig({ TLS_KEY_FILE: cert.keyFile })).toThrow(/TLS_CERT_FILE/);
});

it('a certificate file that cannot be read stops the start with its name', async () => {
  const config = loadConfig({ HTTP_PORT: '0', WS_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg.url, DEVNET: 'off', TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: cert.keyFile });
  await expect(startRelayer(config, { logger: createLogger({ level: 'silent' }) })).rejects.toThrow(/TLS_CERT_FILE \/nonexistent\/cert\.pem cannot be read/);
});
