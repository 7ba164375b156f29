/**
 * Recognises the ways JSON-RPC providers refuse an eth_getLogs range as too big. There is no
 * standard code: geth-likes use -32005 ("limit exceeded", "query returned more than 10000
 * results"), hosted providers answer with their own messages. Matching is on the whole error
 * chain (viem wraps the node's error).
 */
import { describeError, errorChain, redactUrls } from '../describe-error.js';

const TOO_MANY_PATTERNS = [
  /more than \d+ results/i,
  /too many (results|logs|blocks)/i,
  /limit exceeded/i,
  /response size (is )?(exceeded|too large|should not)/i,
  /block range (is )?(too (large|wide|big)|exceeds|limit)/i,
  /exceed(s|ed)? (the )?(maximum|max) (block )?range/i,
  /range (is )?too (large|wide)/i,
  /query timeout exceeded/i,
  // viem's own cap on an HTTP response body (10 MB): a smaller range fits.
  /response body exceeded the size limit/i,
];

export function isRangeTooLargeError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e.code === -32005 || e.name === 'ResponseBodyTooLargeError') return true;
    const text = [e.message, e.details, e.shortMessage].filter((x) => typeof x === 'string').join(' ');
    if (TOO_MANY_PATTERNS.some((p) => p.test(text))) return true;
  }
  return false;
}

/** A short, secret-free description of an RPC failure (no URLs: they may carry API keys). */
export const describeRpcError = describeError;
export { redactUrls };
