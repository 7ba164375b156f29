import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Address, HexBlob } from '@blaze-cardano/core';
import { bech32 as scureBech32 } from '@scure/base';
import { bech32Decode, cardanoAddressProblem, cardanoNetworkOf } from '../../src/domain/cardano-address.js';
import { CIP19 } from './support.js';

const BECH32_CHARS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

describe('cardanoAddressProblem: CIP-19 vectors', () => {
  it.each([
    CIP19.mainnetBase,
    CIP19.mainnetBaseScript,
    CIP19.mainnetType2,
    CIP19.mainnetType3,
    CIP19.mainnetPointer,
    CIP19.mainnetPointerScript,
    CIP19.mainnetEnterprise,
    CIP19.mainnetEnterpriseScript,
  ])('accepts mainnet payment address %s on mainnet only', (addr) => {
    expect(cardanoAddressProblem(addr, 'mainnet')).toBeNull();
    expect(cardanoAddressProblem(addr, 'testnet')).toBe('wrong_network');
  });

  it.each([CIP19.testnetBase, CIP19.testnetPointerScript, CIP19.testnetEnterprise])(
    'accepts testnet payment address %s on testnets only',
    (addr) => {
      expect(cardanoAddressProblem(addr, 'testnet')).toBeNull();
      expect(cardanoAddressProblem(addr, 'mainnet')).toBe('wrong_network');
    },
  );

  it('rejects stake (reward) addresses: funds cannot be paid to them', () => {
    expect(cardanoAddressProblem(CIP19.mainnetStake, 'mainnet')).toBe('wrong_prefix');
    expect(cardanoAddressProblem(CIP19.testnetStake, 'testnet')).toBe('wrong_prefix');
  });

  it('rejects Byron, EVM, upper case, junk and a broken checksum', () => {
    expect(cardanoAddressProblem('Ae2tdPwUPEZFRbyhz3cpfC2CumGzNkFBN2L42rcUc2yjQpEkxDbkPodpMAi', 'mainnet')).toBe('not_bech32');
    expect(cardanoAddressProblem('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'mainnet')).toBe('not_bech32');
    expect(cardanoAddressProblem(CIP19.mainnetBase.toUpperCase(), 'mainnet')).toBe('not_bech32');
    expect(cardanoAddressProblem('', 'mainnet')).toBe('not_bech32');
    expect(cardanoAddressProblem('addr1', 'mainnet')).toBe('not_bech32');
    const last = CIP19.mainnetBase.at(-1)!;
    const broken = CIP19.mainnetBase.slice(0, -1) + (last === 'q' ? 'p' : 'q');
    expect(cardanoAddressProblem(broken, 'mainnet')).toBe('not_bech32');
  });
});

describe('cardanoAddressProblem: against Blaze (@blaze-cardano/core) as an independent encoder', () => {
  const addressArb = fc.record({
    type: fc.constantFrom(0, 1, 2, 3, 6, 7),
    network: fc.constantFrom(0, 1),
    payload: fc.uint8Array({ minLength: 56, maxLength: 56 }),
  }).map(({ type, network, payload }) => {
    const body = type >= 6 ? payload.slice(0, 28) : payload;
    const hex = ((type << 4) | network).toString(16).padStart(2, '0') + Buffer.from(body).toString('hex');
    return { network, hex, bech32: Address.fromBytes(HexBlob(hex)).toBech32() as string };
  });

  it('accepts what Blaze encodes, on its network only, and decodes the same bytes', () => {
    fc.assert(
      fc.property(addressArb, ({ network, hex, bech32 }) => {
        const own = network === 1 ? 'mainnet' : 'testnet';
        const other = network === 1 ? 'testnet' : 'mainnet';
        expect(cardanoAddressProblem(bech32, own)).toBeNull();
        expect(cardanoAddressProblem(bech32, other)).toBe('wrong_network');
        expect(Buffer.from(bech32Decode(bech32)!.bytes).toString('hex')).toBe(hex);
      }),
      { numRuns: 300 },
    );
  });

  it('detects any single-character substitution (bech32 guarantees it)', () => {
    fc.assert(
      fc.property(addressArb, fc.nat(), fc.nat(), ({ network, bech32 }, pos, c) => {
        const sep = bech32.lastIndexOf('1');
        const i = sep + 1 + (pos % (bech32.length - sep - 1));
        const replacement = BECH32_CHARS[c % 32]!;
        fc.pre(replacement !== bech32[i]);
        const mutated = bech32.slice(0, i) + replacement + bech32.slice(i + 1);
        expect(cardanoAddressProblem(mutated, network === 1 ? 'mainnet' : 'testnet')).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a header whose type does not fit the payload, or is not a payment address', () => {
    // @scure/base (viem's bech32) encodes arbitrary bytes, checksum included, so only the shape is wrong.
    const enc = (hrp: string, hex: string) => scureBech32.encode(hrp, scureBech32.toWords(Buffer.from(hex, 'hex')), 1023);
    const key = 'ab'.repeat(28);
    expect(cardanoAddressProblem(enc('addr', `61${key}`), 'mainnet')).toBeNull();
    expect(cardanoAddressProblem(enc('addr', `61${key}${key}`), 'mainnet')).toBe('not_payment_address');
    expect(cardanoAddressProblem(enc('addr', `01${key}`), 'mainnet')).toBe('not_payment_address');
    expect(cardanoAddressProblem(enc('addr', `41${key}`), 'mainnet')).toBe('not_payment_address');
    expect(cardanoAddressProblem(enc('addr', `41${key}010203`), 'mainnet')).toBeNull();
    expect(cardanoAddressProblem(enc('addr', `81${key}`), 'mainnet')).toBe('not_payment_address');
    expect(cardanoAddressProblem(enc('addr', `e1${key}`), 'mainnet')).toBe('not_payment_address');
    expect(cardanoAddressProblem(enc('addr', ''), 'mainnet')).toBe('not_payment_address');
    // Network id 2 under the testnet prefix, and network 1 under the testnet prefix.
    expect(cardanoAddressProblem(enc('addr_test', `62${key}`), 'testnet')).toBe('wrong_network');
    expect(cardanoAddressProblem(enc('addr_test', `61${key}`), 'testnet')).toBe('wrong_network');
    expect(cardanoAddressProblem(enc('addr_x', `61${key}`), 'mainnet')).toBe('wrong_prefix');
  });
});

describe('bech32Decode', () => {
  it('returns null rather than throwing on junk', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        expect(() => bech32Decode(s)).not.toThrow();
      }),
    );
    expect(bech32Decode('1qqqqqqqq')).toBeNull(); // empty human-readable part
    expect(bech32Decode('a'.repeat(2_000))).toBeNull();
  });
});

describe('cardanoNetworkOf', () => {
  it('maps the chain ids of architecture §3', () => {
    expect(cardanoNetworkOf('cardano:mainnet')).toBe('mainnet');
    expect(cardanoNetworkOf('cardano:preprod')).toBe('testnet');
    expect(cardanoNetworkOf('cardano:preview')).toBe('testnet');
    expect(cardanoNetworkOf('cardano:devnet')).toBe('testnet');
    expect(cardanoNetworkOf('cardano:moon')).toBeNull();
    expect(cardanoNetworkOf('1')).toBeNull();
  });
});
