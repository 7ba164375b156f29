/** Which escrows anyone may settle now (DESIGN §6 public stages), judged from stored facts. */
import { describe, expect, it } from 'vitest';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/status.js';
import { dstDeadlines, packTimelocks, srcDeadlines } from '../../src/domain/timelocks.js';
import { buildEscrowView } from '../../src/settlement/escrow-view.js';
import { publicActionKey, publicActions } from '../../src/settlement/public-actions.js';
import { DEPLOYED, RECEIVER, testOrder } from './fixtures.js';

const SECRET = `0x${'5a'.repeat(32)}` as Hex;
const HASH = `0x${'ab'.repeat(32)}` as Hex;
const order = testOrder({ hashlock: hashlockOf(SECRET) });
const t = order.timelocks;

const meta = (chain: string, n: number) => ({ id: `${chain}:0x${n}:0`, chain, txHash: `0x${n}`, index: 0, blockNumber: BigInt(n), blockHash: `0xb${n}`, blockTime: DEPLOYED });

const src: EscrowCreatedEvent = {
  ...meta('31337', 1),
  type: 'escrow_created',
  side: 'src',
  escrow: '0x1111111111111111111111111111111111111111',
  orderHash: HASH,
  hashlock: order.hashlock,
  maker: order.maker,
  taker: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  token: order.makerAsset,
  amount: order.makingAmount,
  safetyDeposit: 1000n,
  deployedAt: DEPLOYED,
  deadlines: srcDeadlines(t, DEPLOYED),
  dst: { chain: 'cardano:devnet', receiver: RECEIVER, asset: 'lovelace', amount: 4_900_000n, safetyDeposit: 2_000_000n },
};

const dst = (amount = 4_900_000n, n = 2): EscrowCreatedEvent => ({
  ...meta('cardano:devnet', n),
  type: 'escrow_created',
  side: 'dst',
  escrow: `${'aa'.repeat(32)}#${n}`,
  orderHash: HASH,
  hashlock: order.hashlock,
  maker: RECEIVER,
  taker: 'ee'.repeat(28),
  token: 'lovelace',
  amount,
  safetyDeposit: 2_000_000n,
  deployedAt: DEPLOYED + 10,
  deadlines: dstDeadlines(t, DEPLOYED),
});

const withdrawn = (of: EscrowCreatedEvent, n: number): ChainEvent => ({ ...meta(of.chain, n), type: 'escrow_withdrawn', side: of.side, escrow: of.escrow, orderHash: HASH, secret: SECRET, public: false, to: of.maker });
const cancelled = (of: EscrowCreatedEvent, n: number): ChainEvent => ({ ...meta(of.chain, n), type: 'escrow_cancelled', side: of.side, escrow: of.escrow, orderHash: HASH, public: false, to: of.maker });

function actionsAt(now: number, status: OrderStatus, events: ChainEvent[], secret: Hex | null = SECRET) {
  const view = buildEscrowView(events.map((event) => ({ status: 'final' as const, event })));
  return publicActions({ orderHash: HASH, order, status, view, secret, now, toleranceSeconds: 20 });
}

describe('public actions', () => {
  it('none before a public window opens, and none without a verified source escrow', () => {
    expect(actionsAt(DEPLOYED + t.dstPublicWithdrawal - 1, 'secret_revealed', [src, dst()])).toEqual([]);
    expect(actionsAt(DEPLOYED + t.srcPublicCancellation + 1, 'secret_revealed', [dst()])).toEqual([]);
    expect(actionsAt(DEPLOYED + t.srcPublicCancellation + 1, 'src_escrowed', [{ ...src, amount: 1n }])).toEqual([]);
  });

  it('offers the destination withdrawal with the secret from dstPublicWithdrawal, then the source one too', () => {
    const d = dst();
    const atDst = actionsAt(DEPLOYED + t.dstPublicWithdrawal, 'secret_revealed', [src, d]);
    expect(atDst).toEqual([
      {
        orderHash: HASH, chain: 'cardano:devnet', side: 'dst', action: 'withdraw', escrow: d.escrow,
        opensAt: DEPLOYED + t.dstPublicWithdrawal, closesAt: DEPLOYED + t.dstCancellation, secret: SECRET, immutables: null,
      },
    ]);
    const atSrc = actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d]);
    expect(atSrc.map((a) => `${a.side}:${a.action}`)).toEqual(['dst:withdraw', 'src:withdraw']);
    // The EVM escrow's immutables, rebuilt exactly as the factory packed them.
    expect(atSrc[1]!.immutables).toEqual({
      orderHash: HASH, hashlock: order.hashlock, maker: order.maker, taker: src.taker, token: order.makerAsset,
      amount: order.makingAmount.toString(), safetyDeposit: '1000', timelocks: packTimelocks(t, DEPLOYED).toString(),
    });
    expect(atSrc[1]!.closesAt).toBe(DEPLOYED + t.srcCancellation);
  });

  it('stops offering a withdrawal once its escrow is settled or its cancellation opened', () => {
    const d = dst();
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d, withdrawn(d, 3)]).map((a) => a.side)).toEqual(['src']);
    expect(actionsAt(DEPLOYED + t.dstCancellation, 'secret_revealed', [src, d]).map((a) => a.side)).toEqual(['src']);
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d, withdrawn(d, 3), withdrawn(src, 4)])).toEqual([]);
  });

  it('never offers withdrawals without the secret, or once the order is refunding', () => {
    const d = dst();
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'ready_for_secret', [src, d])).toEqual([]);
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d], null)).toEqual([]);
    // The destination went back to the resolver: withdrawing the source would pay it for nothing.
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'refunding', [src, d, cancelled(d, 3)])).toEqual([]);
  });

  it('never offers a destination escrow that fails verification', () => {
    const short = dst(4_899_999n);
    expect(actionsAt(DEPLOYED + t.dstPublicWithdrawal, 'secret_revealed', [src, short])).toEqual([]);
  });

  it('offers the source public cancellation from srcPublicCancellation until it is settled', () => {
    const at = DEPLOYED + t.srcPublicCancellation;
    expect(actionsAt(at - 1, 'invalid_fill', [src])).toEqual([]);
    const [cancel] = actionsAt(at, 'invalid_fill', [src]);
    expect(cancel).toMatchObject({ side: 'src', action: 'cancel', escrow: src.escrow, opensAt: at, closesAt: null });
    expect(cancel!.secret).toBeUndefined();
    expect(actionsAt(at, 'refunding', [src, dst(), cancelled(dst(), 3)]).map((a) => a.action)).toEqual(['cancel']);
    expect(actionsAt(at, 'refunding', [src, cancelled(src, 3)])).toEqual([]);
    expect(actionsAt(at, 'refunded', [src])).toEqual([]);
  });

  it('keys an action by chain, escrow and kind, whatever the address case', () => {
    expect(publicActionKey({ chain: '1', escrow: '0xAbC', action: 'cancel' })).toBe(publicActionKey({ chain: '1', escrow: '0xabc', action: 'cancel' }));
  });
});
