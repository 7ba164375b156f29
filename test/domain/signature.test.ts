import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseSignature as viemParseSignature,
  recoverTypedDataAddress,
  serializeCompactSignature,
  signatureToCompactSignature,
  type Hex as ViemHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  cancelDigest,
  parseSignature,
  recoverBackends,
  recoverDigestSigner,
  recoverOrderSigner,
  signatureBackend,
  verifyCancelSignature,
  verifyOrderSignature,
} from '../../src/domain/signature.js';
import { CANCEL_TYPES, orderDomain, orderHash, orderTypedData } from '../../src/domain/eip712.js';
import type { Hex, Order } from '../../src/domain/order.js';
import { ANVIL_ADDRESS_0, ANVIL_KEY_0, FACTORY, orderArb, validOrder } from './support.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const CHAIN = 31337;
const hex32 = (x: bigint) => x.toString(16).padStart(64, '0');

const keyArb = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => `0x${hex32(k)}` as Hex);
async function signOrder(key: Hex, order: Order, chainId = CHAIN, factory: Hex = FACTORY): Promise<Hex> {
  return privateKeyToAccount(key).signTypedData(orderTypedData(order, chainId, factory));
}

/** (r, s, v) → (r, n - s, v ^ 1): the same signature, malleated to high s. */
function malleate(sig: Hex): Hex {
  const r = sig.slice(2, 66);
  const s = BigInt(`0x${sig.slice(66, 130)}`);
  const v = parseInt(sig.slice(130, 132), 16);
  return `0x${r}${hex32(N - s)}${(v === 27 ? 28 : 27).toString(16)}`;
}

describe('backends', () => {
  it('loads the native libsecp256k1 binding on this machine', () => {
    expect(signatureBackend).toBe('native');
    expect(recoverBackends.native).not.toBeNull();
  });

  it('native, noble and viem recover the same signer of random orders under random keys', async () => {
    await fc.assert(
      fc.asyncProperty(keyArb, orderArb, async (key, order) => {
        const signature = await signOrder(key, order);
        const expected = await recoverTypedDataAddress({ ...orderTypedData(order, CHAIN, FACTORY), signature });
        const digest = orderHash(order, CHAIN, FACTORY);
        expect(expected).toBe(privateKeyToAccount(key).address);
        expect(recoverDigestSigner(digest, signature, recoverBackends.native)).toBe(expected);
        expect(recoverDigestSigner(digest, signature, recoverBackends.noble)).toBe(expected);
        expect(recoverOrderSigner(order, signature, CHAIN, FACTORY)).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('native and noble agree on arbitrary 64 bytes + recovery id (same address or both null)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.bigInt({ min: 1n, max: N >> 1n }),
        fc.constantFrom(27, 28),
        (digestBytes, r, s, v) => {
          const digest = `0x${Buffer.from(digestBytes).toString('hex')}` as Hex;
          const sig = `0x${hex32(r)}${hex32(s)}${v.toString(16)}`;
          const a = recoverDigestSigner(digest, sig, recoverBackends.native);
          const b = recoverDigestSigner(digest, sig, recoverBackends.noble);
          expect(a).toBe(b);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('verifyOrderSignature', () => {
  const order = validOrder();
  let sig: Hex;
  const signed = async () => (sig ??= await signOrder(ANVIL_KEY_0, order));

  it('accepts the maker’s signature, with or without a precomputed hash', async () => {
    const s = await signed();
    expect(verifyOrderSignature(order, s, CHAIN, FACTORY)).toBe(true);
    expect(verifyOrderSignature(order, s, CHAIN, FACTORY, orderHash(order, CHAIN, FACTORY))).toBe(true);
    expect(recoverOrderSigner(order, s, CHAIN, FACTORY)).toBe(ANVIL_ADDRESS_0);
  });

  it('accepts the maker in lower case too (the address type hashes the same 20 bytes)', async () => {
    const s = await signed();
    expect(verifyOrderSignature({ ...order, maker: ANVIL_ADDRESS_0.toLowerCase() }, s, CHAIN, FACTORY)).toBe(true);
  });

  it('rejects a mixed-case maker with a broken EIP-55 checksum (viem refuses to encode it)', async () => {
    const s = await signed();
    const badChecksum = ANVIL_ADDRESS_0.replace('39Fd', '39fd');
    expect(badChecksum).not.toBe(ANVIL_ADDRESS_0);
    expect(badChecksum.toLowerCase()).toBe(ANVIL_ADDRESS_0.toLowerCase());
    expect(verifyOrderSignature({ ...order, maker: badChecksum }, s, CHAIN, FACTORY)).toBe(false);
  });

  it('rejects another signer, another chain, another factory, a changed field, a wrong precomputed hash', async () => {
    const s = await signed();
    const other = privateKeyToAccount(`0x${hex32(2n)}`).address;
    expect(verifyOrderSignature({ ...order, maker: other }, s, CHAIN, FACTORY)).toBe(false);
    expect(verifyOrderSignature(order, s, 1, FACTORY)).toBe(false);
    expect(verifyOrderSignature(order, s, CHAIN, '0x0000000000000000000000000000000000000001')).toBe(false);
    expect(verifyOrderSignature({ ...order, makingAmount: order.makingAmount + 1n }, s, CHAIN, FACTORY)).toBe(false);
    expect(verifyOrderSignature({ ...order, receiver: `${order.receiver}x` }, s, CHAIN, FACTORY)).toBe(false);
    expect(verifyOrderSignature(order, s, CHAIN, FACTORY, `0x${'00'.repeat(32)}`)).toBe(false);
  });

  it('rejects a maker that is not an address', async () => {
    const s = await signed();
    expect(verifyOrderSignature({ ...order, maker: 'f39Fd6e51aad88F6F4ce6aB8827279cffFb92266' }, s, CHAIN, FACTORY)).toBe(false);
  });

  it('accepts v as 0/1 and the EIP-2098 compact form', async () => {
    const s = await signed();
    const v = parseInt(s.slice(130), 16);
    expect(verifyOrderSignature(order, `${s.slice(0, 130)}0${v - 27}` as Hex, CHAIN, FACTORY)).toBe(true);
    const compact = serializeCompactSignature(signatureToCompactSignature(viemParseSignature(s as ViemHex)));
    expect(compact.length).toBe(2 + 128);
    expect(verifyOrderSignature(order, compact, CHAIN, FACTORY)).toBe(true);
  });

  it('rejects the high-s twin of a valid signature (EIP-2), in both forms', async () => {
    const s = await signed();
    const twin = malleate(s);
    // The twin is a mathematically valid signature by the same key …
    expect(await recoverTypedDataAddress({ ...orderTypedData(order, CHAIN, FACTORY), signature: twin })).toBe(ANVIL_ADDRESS_0);
    // … but we refuse it, as the on-chain ECDSA.recover does.
    expect(verifyOrderSignature(order, twin, CHAIN, FACTORY)).toBe(false);
    expect(recoverOrderSigner(order, twin, CHAIN, FACTORY)).toBeNull();
    // Compact form with the high s: r ‖ (1 << 255 | s') with the top bit of s' already set.
    expect(verifyOrderSignature(order, `0x${twin.slice(2, 130)}` as Hex, CHAIN, FACTORY)).toBe(false);
  });

  it.each([
    ['v = 29', (s: Hex) => `${s.slice(0, 130)}1d`],
    ['v = 2', (s: Hex) => `${s.slice(0, 130)}02`],
    ['r = 0', (s: Hex) => `0x${'00'.repeat(32)}${s.slice(66)}`],
    ['s = 0', (s: Hex) => `${s.slice(0, 66)}${'00'.repeat(32)}${s.slice(130)}`],
    ['r = n', (s: Hex) => `0x${hex32(N)}${s.slice(66)}`],
    ['66 bytes', (s: Hex) => `${s}00`],
    ['63 bytes', (s: Hex) => s.slice(0, 128)],
    ['odd length', (s: Hex) => s.slice(0, 131)],
    ['no 0x', (s: Hex) => s.slice(2)],
    ['non-hex', (s: Hex) => `${s.slice(0, 10)}zz${s.slice(12)}`],
    ['empty', () => '0x'],
  ])('rejects a malformed signature: %s', async (_name, mutate) => {
    const s = await signed();
    expect(verifyOrderSignature(order, mutate(s), CHAIN, FACTORY)).toBe(false);
    expect(recoverOrderSigner(order, mutate(s), CHAIN, FACTORY)).toBeNull();
  });

  it('never throws on junk signatures or digests', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 70 }).map((b) => `0x${Buffer.from(b).toString('hex')}`)), (junk) => {
        expect(() => recoverOrderSigner(order, junk, CHAIN, FACTORY)).not.toThrow();
        expect(() => recoverDigestSigner(junk as Hex, junk)).not.toThrow();
        expect(verifyOrderSignature(order, junk, CHAIN, FACTORY)).toBe(false);
      }),
    );
    expect(recoverDigestSigner('0x1234', `0x${'11'.repeat(65)}`)).toBeNull();
  });

  it('returns null for an order the EIP-712 types cannot encode', async () => {
    const s = await signed();
    const huge = { ...order, makingAmount: 1n << 256n };
    expect(recoverOrderSigner(huge, s, CHAIN, FACTORY)).toBeNull();
    expect(verifyOrderSignature(huge, s, CHAIN, FACTORY)).toBe(false);
  });
});

describe('parseSignature', () => {
  it('normalises both encodings to the same 64 bytes and recovery id', async () => {
    await fc.assert(
      fc.asyncProperty(keyArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), async (key, digestBytes) => {
        const hash = `0x${Buffer.from(digestBytes).toString('hex')}` as Hex;
        const s = await privateKeyToAccount(key).sign({ hash });
        const compact = serializeCompactSignature(signatureToCompactSignature(viemParseSignature(s)));
        expect(parseSignature(compact)).toEqual(parseSignature(s));
        expect(recoverDigestSigner(hash, compact)).toBe(privateKeyToAccount(key).address);
      }),
      { numRuns: 50 },
    );
  });
});

describe('cancellation signatures', () => {
  const hash = orderHash(validOrder(), CHAIN, FACTORY);
  const signCancel = (key: Hex, orderHashHex: Hex, chainId = CHAIN) =>
    privateKeyToAccount(key).signTypedData({
      domain: orderDomain(chainId, FACTORY),
      types: CANCEL_TYPES,
      primaryType: 'Cancel',
      message: { orderHash: orderHashHex },
    });

  it('cancelDigest is the EIP-712 digest of Cancel(bytes32 orderHash) under the order domain', async () => {
    const s = await signCancel(ANVIL_KEY_0, hash);
    expect(recoverDigestSigner(cancelDigest(hash, CHAIN, FACTORY), s)).toBe(ANVIL_ADDRESS_0);
    expect(cancelDigest(hash, CHAIN, FACTORY)).not.toBe(hash);
  });

  it('accepts the maker and refuses anyone else, another order, another chain', async () => {
    const s = await signCancel(ANVIL_KEY_0, hash);
    expect(verifyCancelSignature(hash, s, ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(true);
    expect(verifyCancelSignature(hash, s, ANVIL_ADDRESS_0.toLowerCase(), CHAIN, FACTORY)).toBe(true);
    const other = privateKeyToAccount(`0x${hex32(3n)}`).address;
    expect(verifyCancelSignature(hash, s, other, CHAIN, FACTORY)).toBe(false);
    expect(verifyCancelSignature(`0x${'ab'.repeat(32)}`, s, ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(false);
    expect(verifyCancelSignature(hash, await signCancel(ANVIL_KEY_0, hash, 1), ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(false);
    // An order signature is not a cancellation: the typed data differ.
    const orderSig = await signOrder(ANVIL_KEY_0, validOrder());
    expect(verifyCancelSignature(hash, orderSig, ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(false);
  });

  it('is false, never a throw, for malformed input', () => {
    expect(verifyCancelSignature('0x1234' as Hex, '0x', ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(false);
    expect(verifyCancelSignature(hash, 'garbage', ANVIL_ADDRESS_0, CHAIN, FACTORY)).toBe(false);
    expect(verifyCancelSignature(hash, `0x${'11'.repeat(65)}`, 'not an address', CHAIN, FACTORY)).toBe(false);
  });
});
