/**
 * A whole devnet swap watched in chromium (issue 14): the order page at /orders/<hash> must show
 * every stage, in order, up to `executed`, from WS pushes alone (no reload). The run is the one
 * of `npm run demo`: anvil + the Cardano devnet, the reference resolver, the maker CLI.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createOrder, follow } from '../../cli/maker.js';
import { startCardanoDevnet } from '../../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet } from '../../devnet/evm/index.js';
import { createResolver } from '../../resolver/setup.js';
import { loadConfig } from '../../src/config.js';
import { startRelayer } from '../../src/main.js';
import { launchBrowser, openPage } from './support.js';

const API_KEY = 'dashboard-resolver-key-0123456789';

describe('order page during a devnet swap', () => {
  it('walks through every stage to executed', { timeout: 600_000 }, async () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      const [evm, ada] = await Promise.all([startEvmDevnet({ blockTime: 1 }), startCardanoDevnet()]);
      cleanup.unshift(() => evm.stop(), () => ada.stop());
      const dir = await mkdtemp(join(tmpdir(), 'dashboard-swap-'));
      const relayer = await startRelayer(
        loadConfig({
          DATA_DIR: join(dir, 'data'),
          HOST: '127.0.0.1',
          HTTP_PORT: '0',
          WS_PORT: '0',
          API_KEYS: API_KEY,
          EVM_CONFIRMATIONS: '2',
          CARDANO_CONFIRMATIONS: '2',
          SECRET_MARGIN_SECONDS: '30',
          LOG_LEVEL: 'warn',
        }),
        { logger: pino({ level: 'warn' }), devnets: { evm, cardano: ada } },
      );
      cleanup.unshift(() => relayer.stop());
      await approveFactory(evm);
      const { bot, close } = await createResolver({
        relayerUrl: relayer.httpUrl,
        wsUrl: relayer.wsUrl,
        apiKey: API_KEY,
        evm: { rpcUrl: evm.rpcUrl, chainId: evm.chainId, factory: evm.factory, privateKey: evm.accounts.resolver.privateKey },
        cardano: { host: ada.host, port: ada.port, chain: ada.chain, networkId: 0, paymentKey: ada.accounts[0]!.privateKey },
        maxPayment: (o) => (o.takerAsset === 'lovelace' ? 5_600_000n : null),
        jobsFile: join(dir, 'resolver-jobs.json'),
        logger: pino({ level: 'warn' }),
        pollMs: 500,
      });
      cleanup.unshift(() => close());
      const browser = await launchBrowser();
      cleanup.unshift(() => browser.close());

      const secretsDir = join(dir, 'secrets');
      const record = await createOrder(
        {
          relayer: relayer.httpUrl,
          key: evm.accounts.maker.privateKey,
          makerAsset: evm.token,
          amount: 10n ** 18n,
          receiver: ada.accounts[2]!.address,
          takerAsset: 'lovelace',
          dstChain: ada.chain,
          startAmount: 6_000_000n,
          endAmount: 5_000_000n,
          startIn: 0,
          duration: 40,
          expiryIn: 600,
          timelocks: [6, 600, 900, 1000, 6, 300, 700],
          srcDeposit: 1_000n,
          dstDeposit: 1_000_000n,
          secretsDir,
        },
        () => undefined,
      );

      // Every status the page displays, as it displays it (the page re-renders on WS pushes),
      // recorded from the first render on.
      const shown: string[] = [];
      const { page, errors, screenshot } = await openPage(browser, `${relayer.httpUrl}/orders/${record.orderHash}`, async (p) => {
        await p.exposeFunction('__shown', (s: string) => {
          if (shown.at(-1) !== s) shown.push(s);
        });
        await p.addInitScript(() => {
          document.addEventListener('DOMContentLoaded', () => {
            const report = () => {
              const s = document.querySelector('#stage')?.getAttribute('data-status');
              if (s) (window as unknown as { __shown(s: string): void }).__shown(s);
            };
            new MutationObserver(report).observe(document.querySelector('#main')!, { childList: true, subtree: true, attributes: true });
          });
        });
      });
      await page.waitForSelector('#stage[data-status=active]');
      await screenshot('swap-1-active');
      // The resolver starts only now, so the page has shown the auction before anyone fills it.
      await bot.start();
      const shots = new Map<string, Promise<unknown>>();
      const final = follow(
        { relayer: relayer.httpUrl, wsUrl: relayer.wsUrl, orderHash: record.orderHash, reveal: true, secretsDir, pollMs: 500, timeoutMs: 150_000 },
        () => undefined,
      );
      await page.waitForSelector('#stage[data-status=ready_for_secret], #stage[data-status=secret_revealed], #stage[data-status=executed]', { timeout: 150_000 });
      shots.set('escrows', screenshot('swap-2-escrowed'));
      expect((await final).status).toBe('executed');
      await page.waitForSelector('#stage[data-status=executed]', { timeout: 60_000 });
      await Promise.all(shots.values());
      // Both escrows' withdrawals are on the timeline, with their transactions.
      await expect.poll(() => page.locator('#timeline tbody tr', { hasText: 'escrow withdrawn' }).count(), { timeout: 60_000 }).toBe(2);
      await screenshot('swap-3-executed');
      expect(shown).toEqual(['active', 'src_escrowed', 'escrowed', 'ready_for_secret', 'secret_revealed', 'executed']);
      expect(await page.locator('#stepper li.done').count()).toBe(5);
      expect(errors).toEqual([]);

      // The home page with both chains connected and the resolver's fill (the README screenshot).
      const home = await openPage(browser, `${relayer.httpUrl}/`);
      await home.page.waitForSelector('#fills li');
      await home.page.waitForSelector('#per-status li');
      // Each chain's card reads its follower's status from /health: the head and the height followed.
      for (const chain of [`evm:${evm.chainId}`, ada.chain]) {
        const chainCard = home.page.locator(`#overview-body .card[data-chain="${chain}"]`);
        await expect.poll(async () => chainCard.locator('.muted').textContent(), { timeout: 30_000 }).toMatch(/^followed #\d+ · lag \d+ blocks$/);
        expect(await chainCard.locator('.big').textContent()).toMatch(/^#\d+$/);
      }
      await home.screenshot('home-after-swap');
      expect(home.errors).toEqual([]);
    } finally {
      for (const stop of cleanup) await stop().catch(() => undefined);
    }
  });
});
