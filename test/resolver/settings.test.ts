import { describe, expect, it } from 'vitest';
import { resolverSettingsFromEnv } from '../../resolver/main.js';

const good = {
  RELAYER_URL: 'http://127.0.0.1:3000',
  RELAYER_WS_URL: 'ws://127.0.0.1:8081',
  RESOLVER_API_KEY: 'resolver-key-0123456789',
  EVM_RPC_URL: 'http://127.0.0.1:8545',
  EVM_CHAIN_ID: '31337',
  EVM_ESCROW_FACTORY: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  RESOLVER_EVM_KEY: `0x${'11'.repeat(32)}`,
  OGMIOS_URL: 'ws://127.0.0.1:1337',
  RESOLVER_CARDANO_KEY: '22'.repeat(32),
  RESOLVER_MAX_PAYMENT: '5600000',
};

describe('resolver settings', () => {
  it('reads a complete environment', () => {
    const s = resolverSettingsFromEnv(good);
    expect(s.evm.factory).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(s.cardano).toMatchObject({ host: '127.0.0.1', port: 1337, chain: 'cardano:devnet', networkId: 0 });
    expect(s.maxPayment({ takerAsset: 'lovelace' })).toBe(5_600_000n);
    expect(s.maxPayment({ takerAsset: 'ab'.repeat(28) })).toBeNull();
    expect(s.publicActions).toBe(true);
    expect(resolverSettingsFromEnv({ ...good, RESOLVER_PUBLIC_ACTIONS: 'off' }).publicActions).toBe(false);
  });

  it.each([
    ['RELAYER_URL', undefined],
    ['RESOLVER_API_KEY', 'short'],
    ['EVM_ESCROW_FACTORY', '0x1234'],
    ['RESOLVER_EVM_KEY', '0x1234'],
    ['RESOLVER_CARDANO_KEY', 'zz'],
    ['RESOLVER_MAX_PAYMENT', '5.6'],
    ['OGMIOS_URL', 'not a url'],
    ['CARDANO_NETWORK', 'testnet'],
    ['RESOLVER_PUBLIC_ACTIONS', 'yes'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => resolverSettingsFromEnv({ ...good, [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
