/**
 * Where a webhook may point (SSRF). The registrant controls the URL and, through its DNS, the
 * addresses its name resolves to, at registration and again at every delivery (DNS rebinding).
 * So the check runs twice: on the URL at registration (clear error early), and inside the
 * socket's `lookup` at delivery, on the very address the connection then uses. Loopback,
 * private, link-local (cloud metadata), CGNAT, multicast, unspecified and reserved ranges are
 * refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS allows them. Redirects are never followed.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: embeds an IPv4 address
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** An IPv4 address hidden in IPv6 (::ffff:a.b.c.d, ::a.b.c.d), as IPv4; else null. */
function embeddedIpv4(address: string): string | null {
  const m = /^::(?:ffff(?::0{1,4})?:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (m) return m[1]!;
  // ::ffff:7f00:1 (hex form of the mapped address)
  const h = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (h) {
    const hi = parseInt(h[1]!, 16);
    const lo = parseInt(h[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** True when `address` (an IP literal) is a target a stranger's webhook must not reach. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== null) return blocked.check(v4, 'ipv4');
    return blocked.check(bare, 'ipv6');
  }
  return true; // not an IP at all: refuse
}

export class WebhookUrlError extends Error {
  constructor(
    readonly code: 'INVALID_WEBHOOK_URL' | 'WEBHOOK_TARGET_FORBIDDEN',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The URL as it will be called, or a WebhookUrlError. Checks what the URL itself says; names are
 * resolved by `resolveTarget` (registration) and `guardedLookup` (each delivery).
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('INVALID_WEBHOOK_URL', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlError('INVALID_WEBHOOK_URL', 'only http and https URLs');
  if (url.username !== '' || url.password !== '') throw new WebhookUrlError('INVALID_WEBHOOK_URL', 'credentials in the URL are not accepted');
  if (url.hash !== '') throw new WebhookUrlError('INVALID_WEBHOOK_URL', 'a fragment is never sent; remove it');
  if (raw.length > 2048) throw new WebhookUrlError('INVALID_WEBHOOK_URL', 'URL longer than 2048 characters');
  // WHATWG parsing already turned 2130706433, 0x7f.1 and 017700000001 into 127.0.0.1.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (isIP(host) !== 0 && isPrivateAddress(host)) throw forbidden(host);
    if (host === 'localhost' || host.endsWith('.localhost')) throw forbidden(host);
  }
  return url;
}

function forbidden(what: string): WebhookUrlError {
  return new WebhookUrlError(
    'WEBHOOK_TARGET_FORBIDDEN',
    `${what} is a loopback, private, link-local or reserved address; webhooks go to public hosts (WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows others)`,
  );
}

/** Registration: the name must resolve, and only to public addresses. */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))),
  ).catch(() => {
    throw new WebhookUrlError('INVALID_WEBHOOK_URL', `${host} does not resolve`);
  });
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) throw forbidden(`${host} (${bad.address})`);
  }
}

/**
 * A `lookup` for http.request that refuses private addresses: the connection uses exactly the
 * address checked here, so a name that rebinds to 127.0.0.1 after registration is still refused.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const ok = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (ok.length === 0) return callback(forbidden(`${hostname} (${list.map((a) => a.address).join(', ')})`) as NodeJS.ErrnoException, '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** At delivery, an IP-literal host never goes through lookup: check it here. */
export function literalTargetAllowed(url: URL, allowPrivate: boolean): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return allowPrivate || isIP(host) === 0 || !isPrivateAddress(host);
}
