/**
 * A small, strict decoder of Plutus data CBOR (constructors, integers incl. bignums, bytes incl.
 * chunked, lists, maps). The escrow decoder decodes every escrow datum it follows, and the general
 * CBOR reader of cardano-js-sdk takes ~9 ms per datum here; this one takes microseconds.
 * Trailing bytes or anything outside the Plutus data subset is an error.
 */
export type PlutusData =
  | { kind: 'constr'; tag: number; fields: PlutusData[] }
  | { kind: 'int'; value: bigint }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'list'; items: PlutusData[] }
  | { kind: 'map'; entries: [PlutusData, PlutusData][] };

export class PlutusCborError extends Error {}

const MAX_DEPTH = 64;

export function decodePlutusData(hex: string): PlutusData {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new PlutusCborError('not hex');
  const r = new Reader(Buffer.from(hex, 'hex'));
  const data = r.data(0);
  if (r.pos !== r.buf.length) throw new PlutusCborError('trailing bytes');
  return data;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new PlutusCborError('unexpected end');
    return this.buf[this.pos++]!;
  }

  /** Major type and argument; `arg` is null for the indefinite-length marker. */
  private head(): { major: number; arg: bigint | null } {
    const b = this.byte();
    const major = b >> 5;
    const info = b & 0x1f;
    if (info < 24) return { major, arg: BigInt(info) };
    if (info === 31) return { major, arg: null };
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new PlutusCborError(`bad additional info ${info}`);
    if (this.pos + size > this.buf.length) throw new PlutusCborError('unexpected end');
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(this.buf[this.pos++]!);
    return { major, arg: v };
  }

  private isBreak(): boolean {
    if (this.buf[this.pos] === 0xff) {
      this.pos++;
      return true;
    }
    return false;
  }

  private bytes(arg: bigint | null): Uint8Array {
    if (arg !== null) {
      const n = Number(arg);
      if (this.pos + n > this.buf.length) throw new PlutusCborError('unexpected end');
      const out = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      return new Uint8Array(out);
    }
    const chunks: Uint8Array[] = [];
    while (!this.isBreak()) {
      const h = this.head();
      if (h.major !== 2 || h.arg === null) throw new PlutusCborError('bad bytes chunk');
      chunks.push(this.bytes(h.arg));
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  private array(arg: bigint | null, depth: number): PlutusData[] {
    const items: PlutusData[] = [];
    if (arg === null) {
      while (!this.isBreak()) items.push(this.data(depth + 1));
    } else {
      for (let i = 0n; i < arg; i++) items.push(this.data(depth + 1));
    }
    return items;
  }

  data(depth: number): PlutusData {
    if (depth > MAX_DEPTH) throw new PlutusCborError('too deep');
    const { major, arg } = this.head();
    switch (major) {
      case 0:
        if (arg === null) break;
        return { kind: 'int', value: arg };
      case 1:
        if (arg === null) break;
        return { kind: 'int', value: -1n - arg };
      case 2:
        return { kind: 'bytes', value: this.bytes(arg) };
      case 4:
        return { kind: 'list', items: this.array(arg, depth) };
      case 5: {
        const entries: [PlutusData, PlutusData][] = [];
        if (arg === null) {
          while (!this.isBreak()) entries.push([this.data(depth + 1), this.data(depth + 1)]);
        } else {
          for (let i = 0n; i < arg; i++) entries.push([this.data(depth + 1), this.data(depth + 1)]);
        }
        return { kind: 'map', entries };
      }
      case 6: {
        if (arg === null) break;
        const t = Number(arg);
        if (t >= 121 && t <= 127) return { kind: 'constr', tag: t - 121, fields: this.fields(depth) };
        if (t >= 1280 && t <= 1400) return { kind: 'constr', tag: t - 1280 + 7, fields: this.fields(depth) };
        if (t === 102) {
          const [alt, fields] = this.array(this.head().arg, depth);
          if (alt?.kind !== 'int' || fields?.kind !== 'list') throw new PlutusCborError('bad general constructor');
          return { kind: 'constr', tag: Number(alt.value), fields: fields.items };
        }
        if (t === 2 || t === 3) {
          const h = this.head();
          if (h.major !== 2) throw new PlutusCborError('bad bignum');
          const n = BigInt(`0x${Buffer.from(this.bytes(h.arg)).toString('hex') || '0'}`);
          return { kind: 'int', value: t === 2 ? n : -1n - n };
        }
        throw new PlutusCborError(`unexpected tag ${t}`);
      }
    }
    throw new PlutusCborError(`unexpected major type ${major}`);
  }

  private fields(depth: number): PlutusData[] {
    const h = this.head();
    if (h.major !== 4) throw new PlutusCborError('constructor fields must be a list');
    return this.array(h.arg, depth);
  }
}

// ---- encoding -------------------------------------------------------------------------------

/**
 * Plutus's own encoding of `Data` (what `serialiseData` gives on chain and what the ledger hashes
 * after it rebuilt a datum): constructor fields and non-empty lists indefinite-length, empty ones
 * definite; maps definite; byte strings over 64 bytes as indefinite chunks of 64; integers outside
 * ±2^64 as bignums (tags 2/3). Constructor tags 121–127, 1280–1400, else 102 [alt, fields].
 */
export function encodePlutusData(d: PlutusData): Uint8Array {
  const out: number[] = [];
  write(d, out);
  return Uint8Array.from(out);
}

function head(major: number, n: bigint, out: number[]): void {
  const m = major << 5;
  if (n < 24n) out.push(m | Number(n));
  else if (n < 0x100n) out.push(m | 24, Number(n));
  else if (n < 0x10000n) out.push(m | 25, Number(n >> 8n), Number(n & 0xffn));
  else if (n < 0x100000000n) {
    out.push(m | 26);
    for (let s = 24n; s >= 0n; s -= 8n) out.push(Number((n >> s) & 0xffn));
  } else {
    out.push(m | 27);
    for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((n >> s) & 0xffn));
  }
}

function writeBytes(b: Uint8Array, out: number[]): void {
  if (b.length <= 64) {
    head(2, BigInt(b.length), out);
    out.push(...b);
    return;
  }
  out.push(0x5f);
  for (let i = 0; i < b.length; i += 64) {
    const chunk = b.subarray(i, i + 64);
    head(2, BigInt(chunk.length), out);
    out.push(...chunk);
  }
  out.push(0xff);
}

function writeList(items: PlutusData[], out: number[]): void {
  if (items.length === 0) {
    out.push(0x80);
    return;
  }
  out.push(0x9f);
  for (const i of items) write(i, out);
  out.push(0xff);
}

const U64 = 1n << 64n;

function write(d: PlutusData, out: number[]): void {
  switch (d.kind) {
    case 'int': {
      const v = d.value;
      if (v >= 0n && v < U64) return head(0, v, out);
      if (v < 0n && v >= -U64) return head(1, -1n - v, out);
      const n = v >= 0n ? v : -1n - v;
      let hex = n.toString(16);
      if (hex.length % 2) hex = `0${hex}`;
      head(6, v >= 0n ? 2n : 3n, out);
      return writeBytes(Uint8Array.from(Buffer.from(hex, 'hex')), out);
    }
    case 'bytes':
      return writeBytes(d.value, out);
    case 'list':
      return writeList(d.items, out);
    case 'map':
      head(5, BigInt(d.entries.length), out);
      for (const [k, v] of d.entries) {
        write(k, out);
        write(v, out);
      }
      return;
    case 'constr': {
      const t = d.tag;
      if (t >= 0 && t < 7) head(6, BigInt(121 + t), out);
      else if (t >= 7 && t < 128) head(6, BigInt(1280 + t - 7), out);
      else {
        head(6, 102n, out);
        out.push(0x82);
        write({ kind: 'int', value: BigInt(t) }, out);
      }
      return writeList(d.fields, out);
    }
  }
}
