/**
 * `npm run demo`: a full ETH → ADA swap on the local devnets, through the relayer, with the
 * reference resolver and the maker CLI, showing each stage. Ends with one JSON line
 * {"orderHash", "status", "srcChain", "dstChain", "txs"} and exit code 0 when the swap executed.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createOrder, follow } from '../cli/maker.js';
import { startCardanoDevnet } from '../devnet/cardano/index.js';
import { approveFactory, startEvmDevnet } from '../devnet/evm/index.js';
import { createResolver } from '../resolver/setup.js';
import { loadConfig } from '../src/config.js';
import { startRelayer } from '../src/main.js';

const API_KEY = 'demo-resolver-key-0123456789';
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  say('demo: starting the EVM devnet (anvil) and the Cardano devnet (Ogmios v6) …');
  const [evm, ada] = await Promise.all([startEvmDevnet({ blockTime: 1 }), startCardanoDevnet()]);
  const cleanup: (() => Promise<unknown>)[] = [() => evm.stop(), () => ada.stop()];
  try {
    const dir = await mkdtemp(join(tmpdir(), 'fusion-demo-'));
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
    say(`demo: relayer at ${relayer.httpUrl} (WebSocket ${relayer.wsUrl})`);

    // The maker approves the factory for its test tokens.
    await approveFactory(evm);

    // The resolver: its own EVM key and Cardano payment key; it pays at most 5.6 ADA for this
    // order, so it fills once the auction has come down to that.
    const receiverAccount = ada.accounts[2]!;
    const { bot: resolver, close: closeResolver } = await createResolver({
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
    await resolver.start();
    cleanup.unshift(() => closeResolver());

    say('demo: the maker signs and submits an order: 1 TEST token for 6 → 5 ADA over 40 s');
    const secretsDir = join(dir, 'secrets');
    const record = await createOrder(
      {
        relayer: relayer.httpUrl,
        key: evm.accounts.maker.privateKey,
        makerAsset: evm.token,
        amount: 10n ** 18n,
        receiver: receiverAccount.address,
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
      (l) => say(`maker: ${l}`),
    );
    const final = await follow(
      { relayer: relayer.httpUrl, wsUrl: relayer.wsUrl, orderHash: record.orderHash, reveal: true, secretsDir, pollMs: 500, timeoutMs: 100_000 },
      (l) => say(`maker: ${l}`),
    );
    const job = await resolver.waitFor(record.orderHash, ['done'], 30_000).catch(() => resolver.job(record.orderHash));
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    say(`demo: finished in ${elapsed} s`);
    say(JSON.stringify({ orderHash: record.orderHash, status: final.status, srcChain: String(evm.chainId), dstChain: ada.chain, txs: job?.txs ?? {} }));
    return final.status === 'executed' ? 0 : 1;
  } finally {
    for (const stop of cleanup) await stop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
