import { describe, expect, it } from 'vitest';
import { describeRpcError, isRangeTooLargeError, redactUrls } from '../../src/chains/evm/rpc-errors.js';

describe('isRangeTooLargeError', () => {
  // Messages as real providers send them (geth/erigon, Infura, Alchemy, QuickNode-style).
  const refusals = [
    { code: -32005, message: 'query returned more than 10000 results' },
    { code: -32602, message: 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range' },
    { code: -32000, message: 'block range is too wide' },
    { code: -32614, message: 'eth_getLogs exceeded maximum block range: 10000' },
    { code: -32000, message: 'query timeout exceeded' },
  ];
  it.each(refusals)('recognises $message', (body) => {
    // viem wraps the node's error: the recognisable part sits in the cause chain.
    const wrapped = Object.assign(new Error('RPC Request failed.'), { cause: Object.assign(new Error(body.message), body) });
    expect(isRangeTooLargeError(wrapped)).toBe(true);
  });
  it('does not mistake other failures for a refusal', () => {
    expect(isRangeTooLargeError(new Error('fetch failed'))).toBe(false);
    expect(isRangeTooLargeError(Object.assign(new Error('execution reverted'), { code: 3 }))).toBe(false);
    expect(isRangeTooLargeError(null)).toBe(false);
  });
});

describe('describeRpcError', () => {
  it('never repeats a URL (it may carry an API key)', () => {
    const err = Object.assign(new Error('HTTP request failed. URL: https://mainnet.example/v3/SECRETKEY'), {
      shortMessage: 'HTTP request failed. URL: https://mainnet.example/v3/SECRETKEY',
    });
    const text = describeRpcError(err);
    expect(text).not.toContain('SECRETKEY');
    expect(text).toContain('https://<redacted>');
    expect(redactUrls('wss://x.io/ws/KEY and more')).toBe('wss://<redacted> and more');
  });
});
