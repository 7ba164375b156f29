/**
 * The dashboard in a real browser (issue 14): served at / under the app's own CSP, no console
 * errors, an order posted through the API appears live and its price moves, the order page,
 * search, the WebSocket reconnecting after a relayer restart, and /docs under the same CSP.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startRelayer, type RunningRelayer } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { makeOrder, newMaker, submission } from '../api-http/support.js';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { launchBrowser, openPage } from './support.js';

const env = (pg: TestPostgres, port = '0') => ({
  DATABASE_URL: pg.url,
  HOST: '127.0.0.1',
  HTTP_PORT: port,
  WS_PORT: '0',
  DEVNET: 'off',
  LOG_LEVEL: 'silent',
  PRICE_TICK_MS: '250',
});

async function postOrder(relayer: RunningRelayer, maker = newMaker()) {
  const order = makeOrder(maker, Math.floor(Date.now() / 1000));
  const res = await fetch(`${relayer.httpUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(await submission(maker, order)),
  });
  expect(res.status).toBe(201);
  const { orderHash } = (await res.json()) as { orderHash: string };
  return { orderHash, maker, order };
}

describe('dashboard in chromium', () => {
  let pg: TestPostgres;
  let relayer: RunningRelayer;
  let browser: Browser;

  beforeAll(async () => {
    pg = await withPostgres({ migrate: false });
    relayer = await startRelayer(loadConfig(env(pg)), { logger: createLogger({ level: 'silent' }) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await relayer?.stop();
    await pg?.drop();
  });

  it('shows a posted order live, its price falling, its page, search results, with no console error', { timeout: 120_000 }, async () => {
    const { page, errors, screenshot } = await openPage(browser, `${relayer.httpUrl}/`);
    const csp = (await page.request.get(`${relayer.httpUrl}/`)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    await page.waitForSelector('#conn[data-state=live]');
    await page.waitForSelector('#overview-body .card');

    const { orderHash, maker } = await postOrder(relayer);
    const card = page.locator(`.auction[data-order-hash="${orderHash}"]`);
    // Pushed over the WS (no page reload); generous timeout, nothing timed.
    await card.waitFor({ timeout: 15_000 });
    const price = card.locator('[data-role=price]');
    const first = await price.getAttribute('data-amount');
    expect(BigInt(first!)).toBeLessThanOrEqual(2_000_000_000n);
    await expect.poll(async () => price.getAttribute('data-amount'), { timeout: 15_000, interval: 100 }).not.toBe(first);
    expect(BigInt((await price.getAttribute('data-amount'))!)).toBeLessThan(BigInt(first!));
    expect(await card.locator('.pair').textContent()).toBe('1 ETH → ADA');
    expect(await price.textContent()).toMatch(/^19\d\d(\.\d+)? ADA$/);
    await page.waitForSelector(`#order-table tr[data-order-hash="${orderHash}"]`);
    await screenshot('home');

    // Search by hash goes to the order page.
    await page.fill('#q', orderHash);
    await page.press('#q', 'Enter');
    await page.waitForURL(`**/orders/${orderHash}`);
    await page.waitForSelector('#stage[data-status=active]');
    const step = await page.locator('#stepper li.current').getAttribute('data-step');
    expect(step).toBe('active');
    const orderPrice = page.locator('#order-price');
    const p1 = await orderPrice.getAttribute('data-amount');
    await expect.poll(async () => orderPrice.getAttribute('data-amount'), { timeout: 15_000, interval: 100 }).not.toBe(p1);
    await screenshot('order-active');

    // Search by maker address lists that maker's orders.
    await page.fill('#q', maker.address);
    await page.press('#q', 'Enter');
    await page.waitForURL(`**/?maker=${maker.address}`);
    await page.waitForSelector(`#order-table tr[data-order-hash="${orderHash}"]`);
    expect(await page.locator('#order-table tbody tr').count()).toBe(1);

    // An unknown order says so.
    await page.goto(`${relayer.httpUrl}/orders/0x${'ab'.repeat(32)}`);
    await page.waitForSelector('text=Order not found');
    // The 404 of the API call is the page's answer, not a console error of ours…
    const notFound = errors.filter((e) => !/404/.test(e));
    expect(notFound).toEqual([]);
    errors.length = 0;
    await page.close();
  });

  it('reconnects its WebSocket by itself after the relayer restarts, and catches up', { timeout: 180_000 }, async () => {
    const { page, errors } = await openPage(browser, `${relayer.httpUrl}/`);
    await page.waitForSelector('#conn[data-state=live]');
    const port = String(relayer.httpPort);
    await relayer.stop();
    await page.waitForSelector('#conn[data-state=offline]');
    relayer = await startRelayer(loadConfig(env(pg, port)), { logger: createLogger({ level: 'silent' }) });
    await page.waitForSelector('#conn[data-state=live]', { timeout: 60_000 });
    const { orderHash } = await postOrder(relayer);
    await page.locator(`.auction[data-order-hash="${orderHash}"]`).waitFor({ timeout: 15_000 });
    // Failed reconnect attempts while the relayer was down are the browser's own log lines.
    expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to fetch|Failed to load resource/.test(e))).toEqual([]);
    await page.close();
  });

  it('/docs (Swagger UI) loads under the CSP', { timeout: 60_000 }, async () => {
    const { page, errors, screenshot } = await openPage(browser, `${relayer.httpUrl}/docs`);
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
    await page.waitForSelector('.opblock-summary-path');
    await screenshot('docs');
    expect(errors).toEqual([]);
    await page.close();
  });
});
