/**
 * Asks the configured endpoints which chain they serve, before anything else starts: an EVM RPC
 * that reports another chain id, or an Ogmios whose system start is another Cardano network's,
 * stops the start with a ConfigError naming the variable to fix. Without it a relayer pointed at
 * the wrong node would serve makers typed data for a chain nobody fills on (architecture §10).
 */
import WebSocket from 'ws';
import { ConfigError, type CardanoNetwork } from '../config.js';
import { CARDANO_SYSTEM_START, EVM_CHAIN_NAMES, cardanoNetworkByStart } from '../network-presets.js';

const TIMEOUT_MS = 10_000;

export interface ChainExpectations {
  /** NETWORK, when a preset set the expectations (named in the error). */
  preset: string | null;
  evm?: { rpcUrl: string; chainId: number };
  cardano?: { ogmiosUrl: string; network: CardanoNetwork };
}

/** eth_chainId over plain JSON-RPC. */
export async function evmChainId(rpcUrl: string): Promise<number> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await res.json()) as { result?: string; error?: { message?: string } };
  if (typeof body.result !== 'string') throw new Error(`eth_chainId failed: ${body.error?.message ?? res.status}`);
  return Number(BigInt(body.result));
}

/** Ogmios v6 `queryNetwork/startTime` (ISO time of the network's genesis). */
export function ogmiosStartTime(ogmiosUrl: string): Promise<string> {
  const url = ogmiosUrl.replace(/^http(s?):/, 'ws$1:');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      ws.close();
      fn();
    };
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'queryNetwork/startTime', id: 'network-identity' })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { result?: unknown; error?: { message?: string } };
      if (typeof msg.result === 'string') done(() => resolve(msg.result as string));
      else done(() => reject(new Error(`queryNetwork/startTime failed: ${msg.error?.message ?? 'no result'}`)));
    });
    ws.on('error', (err) => done(() => reject(err)));
  });
}

/** Resolves when every configured endpoint serves the expected chain; throws a ConfigError otherwise. */
export async function checkChainIdentity(expect: ChainExpectations): Promise<void> {
  const source = (variable: string) => (expect.preset ? `NETWORK=${expect.preset}` : variable);
  if (expect.evm) {
    let reported: number;
    try {
      reported = await evmChainId(expect.evm.rpcUrl);
    } catch (err) {
      throw new ConfigError('EVM_RPC_URL', `could not ask the node for its chain id: ${(err as Error).message}`);
    }
    if (reported !== expect.evm.chainId) {
      const name = EVM_CHAIN_NAMES[reported] ? ` (${EVM_CHAIN_NAMES[reported]})` : '';
      throw new ConfigError(
        'EVM_RPC_URL',
        `the node reports chain id ${reported}${name}, but ${source('EVM_CHAIN_ID')} expects ${expect.evm.chainId}; point EVM_RPC_URL at the right network or fix ${source('EVM_CHAIN_ID')}`,
      );
    }
  }
  if (expect.cardano) {
    let start: string;
    try {
      start = await ogmiosStartTime(expect.cardano.ogmiosUrl);
    } catch (err) {
      throw new ConfigError('OGMIOS_URL', `could not ask Ogmios for the network start: ${(err as Error).message}`);
    }
    const reported = cardanoNetworkByStart(start);
    const expected = expect.cardano.network;
    const ok = CARDANO_SYSTEM_START[expected] ? reported === expected : reported === null;
    if (!ok) {
      const what = reported ? `Cardano ${reported}` : `a network that started at ${start} (a devnet or private network)`;
      throw new ConfigError(
        'OGMIOS_URL',
        `Ogmios serves ${what}, but ${source('CARDANO_NETWORK')} expects ${expected}; point OGMIOS_URL at the right network or fix ${source('CARDANO_NETWORK')}`,
      );
    }
  }
}
