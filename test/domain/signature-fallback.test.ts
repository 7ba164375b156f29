/**
 * When the native secp256k1 binding cannot load (no prebuild for the platform), signature.ts
 * must fall back to @noble/curves and still verify. Simulated by making require() fail.
 */
import { describe, expect, it, vi } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { orderTypedData } from '../../src/domain/eip712.js';
import { ANVIL_ADDRESS_0, ANVIL_KEY_0, FACTORY, validOrder } from './support.js';

vi.mock('node:module', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:module')>();
  return {
    ...actual,
    createRequire: () => {
      return () => {
        throw new Error('simulated: no native binding for this platform');
      };
    },
  };
});

describe('signature backend fallback', () => {
  it('uses noble when the native module fails to load, with the same results', async () => {
    const sig = await import('../../src/domain/signature.js');
    expect(sig.signatureBackend).toBe('noble');
    expect(sig.recoverBackends.native).toBeNull();
    const order = validOrder();
    const signature = await privateKeyToAccount(ANVIL_KEY_0).signTypedData(orderTypedData(order, 31337, FACTORY));
    expect(sig.verifyOrderSignature(order, signature, 31337, FACTORY)).toBe(true);
    expect(sig.recoverOrderSigner(order, signature, 31337, FACTORY)).toBe(ANVIL_ADDRESS_0);
    expect(sig.verifyOrderSignature({ ...order, nonce: 2n }, signature, 31337, FACTORY)).toBe(false);
  });
});
