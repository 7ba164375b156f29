import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak256 } from 'viem';
import { hashlockOf, isHex32, isSecretFor } from '../../src/domain/hashlock.js';
import { DomainError } from '../../src/domain/issues.js';
import type { Hex } from '../../src/domain/order.js';

const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex);

describe('hashlockOf', () => {
  it('matches the well-known keccak256 of 32 zero bytes', () => {
    expect(hashlockOf(`0x${'00'.repeat(32)}`)).toBe('0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563');
  });

  it('equals viem keccak256 over the 32 bytes, in lower case, whatever the input case', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const h = hashlockOf(secret);
        expect(h).toBe(keccak256(secret));
        expect(hashlockOf(`0x${secret.slice(2).toUpperCase()}`)).toBe(h);
      }),
    );
  });

  it.each(['0x', '0x00', `0x${'00'.repeat(31)}`, `0x${'00'.repeat(33)}`, `${'00'.repeat(32)}`, `0x${'zz'.repeat(32)}`])(
    'throws INVALID_SECRET for %s',
    (bad) => {
      expect(() => hashlockOf(bad as Hex)).toThrow(DomainError);
      expect(() => hashlockOf(bad as Hex)).toThrow(/64 hex digits/);
    },
  );
});

describe('isSecretFor', () => {
  it('accepts the secret of a hashlock in either case', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const h = hashlockOf(secret);
        expect(isSecretFor(secret, h)).toBe(true);
        expect(isSecretFor(secret, `0x${h.slice(2).toUpperCase()}`)).toBe(true);
      }),
    );
  });

  it('refuses another secret', () => {
    fc.assert(
      fc.property(secretArb, secretArb, (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(isSecretFor(b, hashlockOf(a))).toBe(false);
      }),
    );
  });

  it('refuses the hashlock itself as a secret and never throws on junk', () => {
    const h = hashlockOf(`0x${'11'.repeat(32)}`);
    expect(isSecretFor(h, h)).toBe(false);
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => {
        expect(isSecretFor(a, b)).toBe(false);
      }),
    );
    expect(isSecretFor(`0x${'11'.repeat(32)}`, 'not hex')).toBe(false);
    expect(isSecretFor(`0x${'11'.repeat(31)}`, h)).toBe(false);
  });
});

describe('isHex32', () => {
  it('accepts 0x + 64 hex digits only', () => {
    expect(isHex32(`0x${'aB'.repeat(32)}`)).toBe(true);
    expect(isHex32(`0X${'ab'.repeat(32)}`)).toBe(false);
    expect(isHex32(`0x${'ab'.repeat(32)}\n`)).toBe(false);
    expect(isHex32(`0x${'ab'.repeat(32)}0`)).toBe(false);
    expect(isHex32(32)).toBe(false);
    expect(isHex32(null)).toBe(false);
  });
});
