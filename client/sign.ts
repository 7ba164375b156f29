/**
 * Signing an order the way the relayer and the escrow factory verify it: the EIP-712 domain
 * and types come from `GET /api/orders/typed-data`, the message from the wire order.
 */
import type { LocalAccount } from 'viem';
import type { TypedDataDescriptor, WireOrder } from './http.js';

/** The EIP-712 message of a wire order (integers as bigint, as viem expects for uint256). */
export function orderMessage(o: WireOrder) {
  return {
    salt: BigInt(o.salt),
    maker: o.maker,
    makerAsset: o.makerAsset,
    makingAmount: BigInt(o.makingAmount),
    dstChain: o.dstChain,
    receiver: o.receiver,
    takerAsset: o.takerAsset,
    srcSafetyDeposit: BigInt(o.srcSafetyDeposit),
    dstSafetyDeposit: BigInt(o.dstSafetyDeposit),
    hashlock: o.hashlock,
    nonce: BigInt(o.nonce),
    expiry: BigInt(o.expiry),
    auction: {
      startTime: BigInt(o.auction.startTime),
      duration: BigInt(o.auction.duration),
      startAmount: BigInt(o.auction.startAmount),
      endAmount: BigInt(o.auction.endAmount),
      points: (o.auction.points ?? []).map((p) => ({ offset: BigInt(p.offset), amount: BigInt(p.amount) })),
    },
    timelocks: { ...o.timelocks },
  };
}

export async function signOrder(account: LocalAccount, typed: TypedDataDescriptor, order: WireOrder): Promise<`0x${string}`> {
  const { EIP712Domain: _domainType, ...types } = typed.types;
  return account.signTypedData({
    domain: typed.domain,
    types,
    primaryType: typed.primaryType,
    message: orderMessage(order),
  } as Parameters<LocalAccount['signTypedData']>[0]);
}

export async function signCancel(account: LocalAccount, typed: TypedDataDescriptor, orderHash: `0x${string}`): Promise<`0x${string}`> {
  return account.signTypedData({
    domain: typed.domain,
    types: { Cancel: [{ name: 'orderHash', type: 'bytes32' }] },
    primaryType: 'Cancel',
    message: { orderHash },
  });
}
