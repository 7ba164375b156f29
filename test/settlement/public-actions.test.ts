/** Which escrows anyone may settle now (architecture §6 public stages), judged from stored facts. */
import { describe, expect, it } from 'vitest';
import type { ChainEvent, EscrowCreatedEvent } from '../../src/chains/events.js';
import { hashlockOf } from '../../src/domain/hashlock.js';
import type { Hex } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/status.js';
import { packTimelocks } from '../../src/domain/timelocks.js';
import { buildEscrowView } from '../../src/settlement/escrow-view.js';
import { publicActionKey } from '../../src/domain/wire.js';
import { publicActions } from '../../src/settlement/public-actions.js';
import { cancelledEvent, DEPLOYED, dstEscrowEvent, srcEscrowEvent, testOrder, withdrawnEvent } from './support.js';

const SECRET = `0x${'5a'.repeat(32)}` as Hex;
const HASH = `0x${'ab'.repeat(32)}` as Hex;
const order = testOrder({ hashlock: hashlockOf(SECRET) });
const t = order.timelocks;

const src = srcEscrowEvent(HASH, order);
const dst = (amount = 4_900_000n): EscrowCreatedEvent => dstEscrowEvent(HASH, order, { amount });
const withdrawn = (of: EscrowCreatedEvent): ChainEvent => withdrawnEvent(of, SECRET);
const cancelled = (of: EscrowCreatedEvent): ChainEvent => cancelledEvent(of, of.maker);

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
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d, withdrawn(d)]).map((a) => a.side)).toEqual(['src']);
    expect(actionsAt(DEPLOYED + t.dstCancellation, 'secret_revealed', [src, d]).map((a) => a.side)).toEqual(['src']);
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d, withdrawn(d), withdrawn(src)])).toEqual([]);
  });

  it('never offers withdrawals without the secret, or once the order is refunding', () => {
    const d = dst();
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'ready_for_secret', [src, d])).toEqual([]);
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'secret_revealed', [src, d], null)).toEqual([]);
    // The destination went back to the resolver: withdrawing the source would pay it for nothing.
    expect(actionsAt(DEPLOYED + t.srcPublicWithdrawal, 'refunding', [src, d, cancelled(d)])).toEqual([]);
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
    expect(actionsAt(at, 'refunding', [src, dst(), cancelled(dst())]).map((a) => a.action)).toEqual(['cancel']);
    expect(actionsAt(at, 'refunding', [src, cancelled(src)])).toEqual([]);
    expect(actionsAt(at, 'refunded', [src])).toEqual([]);
  });

  it('keys an action by chain, escrow and kind, whatever the address case', () => {
    expect(publicActionKey({ chain: '1', escrow: '0xAbC', action: 'cancel' })).toBe(publicActionKey({ chain: '1', escrow: '0xabc', action: 'cancel' }));
  });
});
