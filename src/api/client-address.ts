/**
 * The client address of a request, as the rate limits and connection limits count it. Behind a
 * proxy every peer is the proxy, so X-Forwarded-For is read, but only the hops the operator
 * named in TRUST_PROXY are believed: anyone can send that header, and believing it from an
 * untrusted peer would let a client pick its own address (and escape every per-IP limit).
 * The HTTP API gets the same rule from fastify's `trustProxy` (same setting, same library).
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type TrustProxy = string[] | number | null;

export function clientAddressOf(trust: TrustProxy): (req: IncomingMessage) => string {
  if (trust === null) return (req) => normalize(req.socket.remoteAddress ?? 'unknown');
  const trusted = typeof trust === 'number' ? (_addr: string, i: number) => i < trust : proxyAddr.compile(trust);
  return (req) => normalize(proxyAddr(req, trusted));
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
