/**
 * Cardano Shelley addresses (CIP-19) in bech32 (BIP-173), checked without a dependency: the
 * bech32 library in node_modules is only a transitive one, and Cardano addresses exceed
 * BIP-173's 90-character limit that general bech32 decoders enforce by default.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHARSET_INDEX: ReadonlyMap<string, number> = new Map([...CHARSET].map((c, i) => [c, i]));
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** The BCH checksum polynomial of BIP-173 over 5-bit values. */
function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups 5-bit words into bytes; null if the padding is longer than 4 bits or not zero. */
function fiveToEight(words: readonly number[]): Uint8Array | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || ((acc << (8 - bits)) & 0xff) !== 0) return null;
  return Uint8Array.from(out);
}

/** Decodes a bech32 string (checksum verified, lower case only as Cardano writes it) or null. */
export function bech32Decode(s: string, maxLength = 1023): { hrp: string; bytes: Uint8Array } | null {
  if (typeof s !== 'string' || s.length > maxLength || s !== s.toLowerCase()) return null;
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 7 > s.length) return null;
  const hrp = s.slice(0, sep);
  for (const c of hrp) {
    const code = c.charCodeAt(0);
    if (code < 33 || code > 126) return null;
  }
  const words: number[] = [];
  for (const c of s.slice(sep + 1)) {
    const v = CHARSET_INDEX.get(c);
    if (v === undefined) return null;
    words.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return null;
  const bytes = fiveToEight(words.slice(0, -6));
  return bytes === null ? null : { hrp, bytes };
}

export type CardanoNetwork = 'mainnet' | 'testnet';

/**
 * Payment-address types of CIP-19 (header high nibble) and their payload lengths after the
 * header: base 0–3 (two 28-byte credentials), pointer 4–5 (28 + a variable-length pointer),
 * enterprise 6–7 (28). 8 is Byron (base58, never bech32) and 14–15 are stake addresses,
 * which cannot receive funds from a script output payout.
 */
function payloadOk(type: number, payloadLength: number): boolean {
  if (type <= 3) return payloadLength === 56;
  if (type <= 5) return payloadLength >= 31 && payloadLength <= 28 + 3 * 10;
  if (type <= 7) return payloadLength === 28;
  return false;
}

export type CardanoAddressProblem = 'not_bech32' | 'wrong_prefix' | 'not_payment_address' | 'wrong_network';

/**
 * Checks that `address` is a Shelley payment address of `network` (`addr1…` on mainnet with
 * network id 1, `addr_test1…` on the test networks with network id 0). Returns null if fine.
 */
export function cardanoAddressProblem(address: string, network: CardanoNetwork): CardanoAddressProblem | null {
  const decoded = bech32Decode(address);
  if (decoded === null) return 'not_bech32';
  const wantHrp = network === 'mainnet' ? 'addr' : 'addr_test';
  if (decoded.hrp !== 'addr' && decoded.hrp !== 'addr_test') return 'wrong_prefix';
  const header = decoded.bytes[0];
  if (header === undefined || !payloadOk(header >> 4, decoded.bytes.length - 1)) return 'not_payment_address';
  const networkId = header & 0x0f;
  if (decoded.hrp !== wantHrp || networkId !== (network === 'mainnet' ? 1 : 0)) return 'wrong_network';
  return null;
}

/** `cardano:mainnet` → mainnet; preprod, preview and devnet share the testnet address format. */
export function cardanoNetworkOf(chain: string): CardanoNetwork | null {
  if (chain === 'cardano:mainnet') return 'mainnet';
  if (chain === 'cardano:preprod' || chain === 'cardano:preview' || chain === 'cardano:devnet') return 'testnet';
  return null;
}
