/** Bus messages for the gateway tests. */
import type { TopicMessages } from '../../../src/bus/types.js';
import type { ChainEventUpdate } from '../../../src/chains/events.js';
import { orderToWire, type Hex } from '../../../src/domain/order.js';
import { validOrder } from '../../domain/support.js';

export const HASH_A: Hex = `0x${'aa'.repeat(32)}`;
export const HASH_B: Hex = `0x${'bb'.repeat(32)}`;
/** EVM makers, checksummed as the API carries them. */
export const MAKER_X = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const MAKER_Y = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export function created(orderHash: Hex, maker: string): TopicMessages['orders'] {
  const order = validOrder();
  order.maker = maker;
  return {
    kind: 'created',
    data: {
      orderHash,
      maker,
      srcChain: order.srcChain,
      dstChain: order.dstChain,
      status: 'active',
      order: orderToWire(order),
      createdAt: '2026-01-01T00:00:00.000Z',
      signature: `0x${'cd'.repeat(65)}`,
    },
  };
}

export function updated(orderHash: Hex, maker: string, previousStatus: string, status: string): TopicMessages['orders'] {
  return { kind: 'updated', data: { orderHash, maker, status, previousStatus, reason: 'test', at: '2026-01-01T00:00:01.000Z' } };
}

export function escrowCreated(orderHash: Hex, amount: bigint): ChainEventUpdate {
  return {
    status: 'observed',
    event: {
      type: 'escrow_created',
      id: `31337:0x${'12'.repeat(32)}:3`,
      chain: '31337',
      txHash: `0x${'12'.repeat(32)}`,
      index: 3,
      blockNumber: 17n,
      blockHash: `0x${'34'.repeat(32)}`,
      blockTime: 1_767_225_700,
      side: 'src',
      escrow: '0x0000000000000000000000000000000000000abc',
      orderHash,
      hashlock: `0x${'56'.repeat(32)}`,
      maker: MAKER_X,
      taker: MAKER_Y,
      token: '0x0000000000000000000000000000000000000000',
      amount,
      safetyDeposit: 10n ** 16n,
      deployedAt: 1_767_225_700,
      deadlines: { withdrawal: 1, publicWithdrawal: 2, cancellation: 3, publicCancellation: 4 },
    },
  };
}
