import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashTypedData, verifyTypedData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  EIP712_DOMAIN_TYPE,
  ORDER_TYPES,
  orderHash,
  orderHashViem,
  orderMessage,
  orderTypedData,
  typedDataDescriptor,
} from '../../src/domain/eip712.js';
import { encodeType } from '../../src/domain/eip712-encode.js';
import { DomainError } from '../../src/domain/issues.js';
import type { Order } from '../../src/domain/order.js';
import { ANVIL_ADDRESS_0, ANVIL_KEY_0, FACTORY, orderArb, validOrder } from './support.js';

const CHAIN = 31337;

describe('orderHash (dedicated encoder)', () => {
  it('equals viem hashTypedData on random orders, chains and factories', () => {
    fc.assert(
      fc.property(
        orderArb,
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as const),
        (order, chainId, factory) => {
          expect(orderHash(order, chainId, factory)).toBe(orderHashViem(order, chainId, factory));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('equals viem on the fixture order and on many points', () => {
    const o = validOrder();
    expect(orderHash(o, CHAIN, FACTORY)).toBe(hashTypedData(orderTypedData(o, CHAIN, FACTORY)));
    const many = { ...o, auction: { ...o.auction, points: Array.from({ length: 16 }, (_, i) => ({ offset: i + 1, amount: 10n ** BigInt(i) })) } };
    expect(orderHash(many, CHAIN, FACTORY)).toBe(orderHashViem(many, CHAIN, FACTORY));
  });

  it.each<[string, (o: Order) => Order]>([
    ['uint256 overflow', (o) => ({ ...o, makingAmount: 1n << 256n })],
    ['negative uint256', (o) => ({ ...o, nonce: -1n })],
    ['uint32 overflow', (o) => ({ ...o, timelocks: { ...o.timelocks, dstCancellation: 2 ** 32 } })],
    ['negative uint32', (o) => ({ ...o, timelocks: { ...o.timelocks, srcWithdrawal: -1 } })],
    ['broken checksum', (o) => ({ ...o, maker: ANVIL_ADDRESS_0.replace('39Fd', '39fd') })],
    ['short address', (o) => ({ ...o, makerAsset: '0x1234' })],
    ['short hashlock', (o) => ({ ...o, hashlock: '0x1234' })],
    ['point amount overflow', (o) => ({ ...o, auction: { ...o.auction, points: [{ offset: 1, amount: 1n << 256n }] } })],
  ])('throws where viem throws: %s', (_name, mutate) => {
    const bad = mutate(validOrder());
    expect(() => orderHashViem(bad, CHAIN, FACTORY)).toThrow();
    expect(() => orderHash(bad, CHAIN, FACTORY)).toThrow(DomainError);
  });

  it('separates domains: chain id and factory change the hash', () => {
    const o = validOrder();
    const h = orderHash(o, CHAIN, FACTORY);
    expect(orderHash(o, 1, FACTORY)).not.toBe(h);
    expect(orderHash(o, CHAIN, '0x0000000000000000000000000000000000000001')).not.toBe(h);
    expect(orderHash(o, CHAIN, FACTORY)).toBe(h);
  });
});

describe('encodeType', () => {
  it('writes the primary type then referenced types sorted by name', () => {
    expect(encodeType('Order', ORDER_TYPES)).toBe(
      'Order(uint256 salt,address maker,address makerAsset,uint256 makingAmount,string dstChain,string receiver,' +
        'string takerAsset,uint256 srcSafetyDeposit,uint256 dstSafetyDeposit,bytes32 hashlock,uint256 nonce,' +
        'uint256 expiry,Auction auction,Timelocks timelocks)' +
        'Auction(uint256 startTime,uint256 duration,uint256 startAmount,uint256 endAmount,AuctionPoint[] points)' +
        'AuctionPoint(uint256 offset,uint256 amount)' +
        'Timelocks(uint32 srcWithdrawal,uint32 srcPublicWithdrawal,uint32 srcCancellation,uint32 srcPublicCancellation,' +
        'uint32 dstWithdrawal,uint32 dstPublicWithdrawal,uint32 dstCancellation)',
    );
    expect(encodeType('Auction', ORDER_TYPES)).toBe(
      'Auction(uint256 startTime,uint256 duration,uint256 startAmount,uint256 endAmount,AuctionPoint[] points)' +
        'AuctionPoint(uint256 offset,uint256 amount)',
    );
  });
});

describe('typedDataDescriptor', () => {
  const d = typedDataDescriptor(CHAIN, FACTORY);

  it('is what eth_signTypedData_v4 takes: domain, types with EIP712Domain, primaryType', () => {
    expect(d.primaryType).toBe('Order');
    expect(d.domain).toEqual({ name: 'FusionEscrowFactory', version: '1', chainId: CHAIN, verifyingContract: FACTORY });
    expect(d.types.EIP712Domain).toEqual(EIP712_DOMAIN_TYPE);
    expect(Object.keys(d.types).sort()).toEqual(['Auction', 'AuctionPoint', 'EIP712Domain', 'Order', 'Timelocks']);
    // Serialises to plain JSON (the HTTP route returns it as is).
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('signed by a wallet with a message, gives a signature that verifies as the order hash', async () => {
    const order = validOrder();
    const account = privateKeyToAccount(ANVIL_KEY_0);
    // viem types a listed EIP712Domain's chainId (uint256) as bigint; JSON clients send a number.
    const typed = { ...d, domain: { ...d.domain, chainId: BigInt(d.domain.chainId) }, message: orderMessage(order) };
    const signature = await account.signTypedData(typed);
    expect(hashTypedData(typed)).toBe(orderHash(order, CHAIN, FACTORY));
    expect(await verifyTypedData({ ...typed, address: account.address, signature })).toBe(true);
  });
});
