/**
 * The check behind the secret gate (architecture §1): the maker's secret may be released only if
 * the destination escrow pays the maker at least what the order and the auction promised,
 * under the same hashlock, with timelocks that keep the maker safe.
 *
 * Pure: every input is an observed chain event or the stored order; time is a parameter.
 * Each rule that fails adds a problem, so the timeline can say exactly why a fill is invalid.
 */
import type { EscrowCreatedEvent, EscrowDeadlines } from '../chains/events.js';
import { auctionAmount } from '../domain/auction.js';
import type { Hex, Order } from '../domain/order.js';
import { dstDeadlines, srcDeadlines } from '../domain/timelocks.js';

export type EscrowProblemCode =
  | 'WRONG_SIDE'
  | 'VALUE_BELOW_DATUM'
  | 'WRONG_CHAIN'
  | 'ORDER_HASH_MISMATCH'
  | 'HASHLOCK_MISMATCH'
  | 'SRC_MAKER_MISMATCH'
  | 'SRC_ASSET_MISMATCH'
  | 'SRC_AMOUNT_MISMATCH'
  | 'SRC_DEADLINE_MISMATCH'
  | 'PROMISE_MISMATCH'
  | 'PROMISE_BELOW_AUCTION'
  | 'WRONG_RECEIVER'
  | 'WRONG_ASSET'
  | 'AMOUNT_TOO_LOW'
  | 'SAFETY_DEPOSIT_TOO_LOW'
  | 'DEADLINE_MISMATCH'
  | 'DST_CANCELLATION_NOT_BEFORE_SRC'
  | 'PUBLIC_CANCELLATION_ON_DST';

export interface EscrowProblem {
  code: EscrowProblemCode;
  message: string;
}

/** EVM addresses and hex assets compare case-insensitively; bech32 and unit strings are lower-case already. */
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Checks the source escrow against the order: the factory (or order script) enforced most of
 * this on chain, but the relayer re-derives it rather than trusting a contract it did not deploy.
 */
export function verifySrcEscrow(orderHash: Hex, order: Order, src: EscrowCreatedEvent): EscrowProblem[] {
  const problems: EscrowProblem[] = [];
  const add = (code: EscrowProblemCode, message: string) => problems.push({ code, message });

  if (src.side !== 'src') add('WRONG_SIDE', `expected a source escrow, got side "${src.side}"`);
  checkFunded(src, add);
  if (src.chain !== order.srcChain) add('WRONG_CHAIN', `source escrow on ${src.chain}, order source is ${order.srcChain}`);
  if (!sameId(src.orderHash, orderHash)) add('ORDER_HASH_MISMATCH', 'source escrow names another order');
  if (!sameId(src.hashlock, order.hashlock)) add('HASHLOCK_MISMATCH', 'source escrow hashlock differs from the order');
  if (!sameId(src.maker, order.maker)) add('SRC_MAKER_MISMATCH', 'source escrow maker differs from the order maker');
  if (!sameId(src.token, order.makerAsset)) add('SRC_ASSET_MISMATCH', 'source escrow holds another asset');
  if (src.amount !== order.makingAmount) {
    add('SRC_AMOUNT_MISMATCH', `source escrow holds ${src.amount}, order sells ${order.makingAmount}`);
  }
  if (src.safetyDeposit < order.srcSafetyDeposit) {
    add('SAFETY_DEPOSIT_TOO_LOW', `source safety deposit ${src.safetyDeposit} < ${order.srcSafetyDeposit}`);
  }
  const expected = srcDeadlines(order.timelocks, src.deployedAt);
  if (!deadlinesWithin(src.deadlines, expected, 0, true)) {
    add('SRC_DEADLINE_MISMATCH', 'source escrow deadlines are not deployedAt + the order timelocks');
  }

  const promise = src.dst;
  if (!promise) {
    add('PROMISE_MISMATCH', 'source escrow carries no destination commitment');
  } else {
    if (promise.chain !== order.dstChain) add('PROMISE_MISMATCH', 'committed destination chain differs from the order');
    if (promise.receiver !== order.receiver) add('PROMISE_MISMATCH', 'committed receiver differs from the order');
    if (!sameId(promise.asset, order.takerAsset)) add('PROMISE_MISMATCH', 'committed destination asset differs from the order');
    const price = auctionAmount(order.auction, src.deployedAt);
    if (promise.amount < price) {
      add('PROMISE_BELOW_AUCTION', `committed ${promise.amount} < auction price ${price} at ${src.deployedAt}`);
    }
  }
  return problems;
}

/**
 * Checks the destination escrow against the order and the already-verified source escrow.
 * `toleranceSeconds` absorbs one block of clock difference between the chains (architecture §6).
 */
export function verifyDstEscrow(
  orderHash: Hex,
  order: Order,
  src: EscrowCreatedEvent,
  dst: EscrowCreatedEvent,
  toleranceSeconds: number,
): EscrowProblem[] {
  const problems: EscrowProblem[] = [];
  const add = (code: EscrowProblemCode, message: string) => problems.push({ code, message });

  if (dst.side !== 'dst') add('WRONG_SIDE', `expected a destination escrow, got side "${dst.side}"`);
  checkFunded(dst, add);
  if (dst.chain !== order.dstChain) add('WRONG_CHAIN', `destination escrow on ${dst.chain}, order destination is ${order.dstChain}`);
  if (!sameId(dst.orderHash, orderHash)) add('ORDER_HASH_MISMATCH', 'destination escrow names another order');
  if (!sameId(dst.hashlock, order.hashlock)) add('HASHLOCK_MISMATCH', 'destination escrow hashlock differs from the order');
  if (dst.maker !== order.receiver && !(order.receiver.startsWith('0x') && sameId(dst.maker, order.receiver))) {
    add('WRONG_RECEIVER', 'destination escrow pays someone other than the order receiver');
  }
  if (!sameId(dst.token, order.takerAsset)) add('WRONG_ASSET', 'destination escrow holds another asset');

  // At least the amount the resolver committed to in the source fill — which the factory
  // checked against the auction — and never less than the auction floor.
  const promised = src.dst?.amount ?? order.auction.startAmount;
  const required = promised > order.auction.endAmount ? promised : order.auction.endAmount;
  if (dst.amount < required) add('AMOUNT_TOO_LOW', `destination escrow holds ${dst.amount} < ${required} promised`);
  if (dst.safetyDeposit < order.dstSafetyDeposit) {
    add('SAFETY_DEPOSIT_TOO_LOW', `destination safety deposit ${dst.safetyDeposit} < ${order.dstSafetyDeposit}`);
  }

  if (dst.deadlines.publicCancellation !== undefined) {
    add('PUBLIC_CANCELLATION_ON_DST', 'a destination escrow must not allow public cancellation');
  }
  // Recomputed from the source escrow's real creation time, not from anything the resolver passed.
  const expected = dstDeadlines(order.timelocks, src.deployedAt);
  if (!deadlinesWithin(dst.deadlines, expected, toleranceSeconds, false)) {
    add(
      'DEADLINE_MISMATCH',
      `destination deadlines ${fmt(dst.deadlines)} differ from source deployedAt + offsets ${fmt(expected)} by more than ${toleranceSeconds}s`,
    );
  }
  if (!(dst.deadlines.cancellation < src.deadlines.cancellation)) {
    add('DST_CANCELLATION_NOT_BEFORE_SRC', 'destination cancellation must open before source cancellation');
  }
  return problems;
}

/**
 * An escrow that holds less than its own terms demand of every payout can never pay anyone:
 * it is not an escrow of the order at all, whatever else it claims.
 */
function checkFunded(e: EscrowCreatedEvent, add: (code: EscrowProblemCode, message: string) => void): void {
  for (const s of e.shortfall ?? []) {
    add('VALUE_BELOW_DATUM', `escrow holds ${s.held} ${s.asset} but its terms require ${s.required}: it can never pay out`);
  }
}

function deadlinesWithin(actual: EscrowDeadlines, expected: EscrowDeadlines, tolerance: number, withPublicCancel: boolean): boolean {
  const close = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && Math.abs(a - b) <= tolerance;
  return (
    close(actual.withdrawal, expected.withdrawal) &&
    close(actual.publicWithdrawal, expected.publicWithdrawal) &&
    close(actual.cancellation, expected.cancellation) &&
    (!withPublicCancel || close(actual.publicCancellation, expected.publicCancellation))
  );
}

function fmt(d: EscrowDeadlines): string {
  return `[${d.withdrawal}, ${d.publicWithdrawal}, ${d.cancellation}]`;
}
