/**
 * The operator's path on real processes: `npm run devnet` runs the chains on their own; the
 * deploy tool deploys to them through their public endpoints only (as to Sepolia/preprod) and
 * refuses a node of another network; the compiled production entry (`dist/src/entry.js`, plain
 * node, no tsx) follows the deployed contracts, is ready, and exits 0 on SIGTERM; a relayer whose
 * NETWORK does not match what the endpoints report refuses to start, naming the variable.
 */
import path from 'node:path';
import { createPublicClient, http, type Hex } from 'viem';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPostgres, type TestPostgres } from '../support/db.js';
import { buildTempDist, relayerUrl, run, runToEnd, startStandaloneDevnet, stopAll, type StandaloneDevnet } from './support.js';

// The tools and the relayer run compiled (`npm run build`), on plain node; NODE_OPTIONS is
// cleared so nothing can smuggle a TypeScript loader in.
let dist: string;
const deploy = (args: string[], env: Record<string, string | undefined> = {}) =>
  runToEnd([path.join(dist, 'scripts/deploy.js'), ...args], { NETWORK: undefined, NODE_OPTIONS: '', ...env });

let devnet: StandaloneDevnet;
let key: (name: string) => string;

beforeAll(async () => {
  dist = await buildTempDist();
  devnet = await startStandaloneDevnet(dist);
  key = (name) => path.join(devnet.dir, name);
});
afterAll(() => stopAll());

/** One Ogmios query over a raw WebSocket. */
function ogmios(url: string, method: string, params: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 })));
    ws.on('message', (d) => {
      ws.close();
      resolve((JSON.parse(String(d)) as { result: unknown }).result);
    });
    ws.on('error', reject);
  });
}

describe('deploy to the standalone devnets', () => {
  it('explains both targets with --help', async () => {
    const r = await deploy(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('npm run deploy -- evm --rpc URL --key-file FILE');
    expect(r.stdout).toContain('npm run deploy -- cardano --ogmios URL --key-file FILE');
    expect(r.stdout).toContain('sepolia-preprod');
  });

  it('deploys the escrow factory and prints the relayer settings', async () => {
    const r = await deploy(['evm', '--rpc', devnet.info.evm.rpcUrl, '--key-file', key('evm-stranger.key'), '--network', 'devnet', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { factory: Hex; chainId: number; block: string; settings: Record<string, string> };
    expect(d.chainId).toBe(31337);
    expect(d.factory).not.toBe(devnet.info.evm.factory); // a new deployment, not the devnet's own
    const client = createPublicClient({ transport: http(devnet.info.evm.rpcUrl) });
    expect((await client.getCode({ address: d.factory }))?.length).toBeGreaterThan(2);
    expect(d.settings).toEqual({ NETWORK: 'devnet', EVM_CHAIN_ID: '31337', EVM_ESCROW_FACTORY: d.factory, EVM_START_BLOCK: d.block });
  });

  it('publishes the escrow validator as a reference script', async () => {
    const r = await deploy(['cardano', '--ogmios', devnet.info.cardano.ogmiosUrl, '--key-file', key('cardano-7.key'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { scriptHash: string; referenceUtxo: string; network: string; settings: Record<string, string> };
    expect(d.network).toBe('devnet');
    expect(d.settings.CARDANO_ESCROW_SCRIPT).toBe(d.scriptHash);
    const [txId, index] = d.referenceUtxo.split('#') as [string, string];
    const utxos = (await ogmios(devnet.info.cardano.ogmiosUrl, 'queryLedgerState/utxo', {
      outputReferences: [{ transaction: { id: txId }, index: Number(index) }],
    })) as { script?: { language: string } }[];
    expect(utxos).toHaveLength(1);
    expect(utxos[0]!.script?.language).toMatch(/^plutus:v/);
  });

  it.each([
    ['evm', ['--rpc', 'RPC', '--key-file', 'evm-stranger.key'], 'sepolia-preprod', /EVM_RPC_URL: the node reports chain id 31337 .*NETWORK=sepolia-preprod expects 11155111/],
    ['cardano', ['--ogmios', 'OGMIOS', '--key-file', 'cardano-6.key'], 'mainnet', /OGMIOS_URL: Ogmios serves a network that started at .* but NETWORK=mainnet expects mainnet/],
  ])('refuses to deploy %s to a node of another network than NETWORK', async (target, args, network, message) => {
    const filled = args.map((a) => (a === 'RPC' ? devnet.info.evm.rpcUrl : a === 'OGMIOS' ? devnet.info.cardano.ogmiosUrl : a.endsWith('.key') ? key(a) : a));
    const r = await deploy([target, ...filled], { NETWORK: network });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a malformed key file without echoing it', async () => {
    const r = await deploy(['evm', '--rpc', devnet.info.evm.rpcUrl, '--key-file', key('devnet.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expected 32 bytes of hex');
    expect(r.stderr).not.toContain('privateKey');
  });
});

describe('relayers against the standalone devnets', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await withPostgres({ migrate: false });
  });
  afterAll(() => pg?.drop());

  it('refuses to start when NETWORK does not match what the endpoints report', async () => {
    const p = run([path.join(dist, 'src/entry.js')], {
      ...devnet.info.relayerEnv,
      NETWORK: 'sepolia-preprod',
      HTTP_PORT: '0',
      WS_PORT: '0',
      DATABASE_URL: pg.url,
      NODE_OPTIONS: '',
    });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/invalid configuration: EVM_RPC_URL: the node reports chain id 31337.*NETWORK=sepolia-preprod/);
  });

  it('the compiled production entry runs on plain node, is ready, and exits 0 on SIGTERM', { timeout: 300_000 }, async () => {
    const p = run([path.join(dist, 'src/entry.js')], {
      ...devnet.info.relayerEnv,
      HTTP_PORT: '0',
      WS_PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: '',
    }, dist);
    const base = await relayerUrl(p);
    await expect
      .poll(async () => (await fetch(`${base}/health/ready`)).status, { timeout: 120_000, interval: 250 })
      .toBe(200);
    const health = (await (await fetch(`${base}/health`)).json()) as { checks: Record<string, { status: string }> };
    expect(health.checks['evm:31337']?.status).toBe('up');
    expect(health.checks['cardano:devnet']?.status).toBe('up');
    expect(p.out()).not.toContain('devnet started'); // configured chains, not the embedded ones
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
