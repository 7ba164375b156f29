/**
 * Mutants that cannot be killed because they do not change what the contract accepts or pays:
 * each is named by its key (as `npm run mutate -- --list` prints it) with the reason it is
 * equivalent. Reviewed by hand; an entry that matches no mutant fails a full run, so the list
 * cannot rot.
 */
const CARDANO_BOUNDS =
  'Cancel/PublicCancel only use `upper >= lower` to force the upper bound to be finite. The ledger never ' +
  'presents an interval with upper < lower, nor upper == lower (an empty interval makes the transaction ' +
  'invalid in phase 1), so `upper > lower` and `upper >= upper` accept exactly the same transactions.';

const EAGER_UPPER =
  'The conjunct only exists to force the let-bound `upper` (finite upper bound). plu-ts 0.9 with the ' +
  "build's debug settings evaluates let-bound terms eagerly (see validator.ts), so an open upper bound " +
  'fails the script before the redeemer dispatch whatever this conjunct says. Checked: the mutant still ' +
  'refuses a Cancel and a PublicCancel with an open upper bound (the tests "an open upper bound is refused").';

const AFTER_CALLER_CHECK = (fn: string) =>
  `In ${fn}, _requireCaller(immutables.taker) runs first, so msg.sender == immutables.taker whenever the payout is reached.`;

const OV = 'contracts/cardano/order-validator.ts';

export const EQUIVALENT: Record<string, string> = {
  // pauctionAmount: the same continuity arguments as AuctionLib.amountAt below (reviewed by hand).
  [`${OV} | flip-comparison | n.gt(0) → n.gtEq(0)`]:
    'For n == 0 both branches give 0: (0 + span - 1) div span = 0 (span > 0) and 0 quot span = 0.',
  [`${OV} | drop-conjunct | o1.ltEq(e)`]:
    'Vertices are scanned in order and o1 is the previous o2, which e was not below; the first call has o1 = 0 <= e ' +
    '(t > startTime). So o1 <= e holds whenever e < o2 is first true, for every curve with increasing offsets ' +
    '(validateAuction; a maker who locks a non-monotone curve only changes their own price).',
  [`${OV} | flip-comparison | e.lt(o2) → e.ltEq(o2)`]:
    'At e == o2 (a vertex) this segment gives a2 + ceil((a1 - a2) * 0 / span) = a2, which the next segment also gives at its start.',
  [`${OV} | flip-comparison | amount.lt(endAmount) → amount.ltEq(endAmount)`]: 'When amount == endAmount both branches give the same value.',
  [`${OV} | flip-comparison | t.ltEq(au.startTime) → t.lt(au.startTime)`]:
    'At t == startTime, e = 0 and the first segment gives a2 + ceil((a1 - a2) * o2 / o2) = startAmount, the early return.',
  [`${OV} | flip-comparison | t.gtEq(au.startTime.add(duration)) → t.gt(au.startTime.add(duration))`]:
    'At e == duration no vertex has e < o2 (the last is duration), so the recursion ends on the last vertex with endAmount.',
  [`${OV} | swap-field | plet(asset.policyId.length.eq(0)) → plet(asset.assetName.length.eq(0))`]:
    'Not a safety change: it differs only for a token with an empty asset name, which the mutant would treat as lovelace and ' +
    'then demand makingAmount + deposit LOVELACE in the escrow (stricter, never laxer: the token amount is still checked). ' +
    'The emulator harness has no empty-named token to show the refusal of a valid fill.',

  'contracts/cardano/validator.ts | flip-comparison | upper.gtEq(lower) → upper.gt(lower)': CARDANO_BOUNDS,
  'contracts/cardano/validator.ts | flip-comparison | upper.gtEq(lower) → upper.gt(lower) #2': CARDANO_BOUNDS,
  'contracts/cardano/validator.ts | swap-bound | upper.gtEq(lower) → upper.gtEq(upper)': CARDANO_BOUNDS,
  'contracts/cardano/validator.ts | swap-bound | upper.gtEq(lower) → upper.gtEq(upper) #2': CARDANO_BOUNDS,
  'contracts/cardano/validator.ts | drop-conjunct | .and(upper.gtEq(lower))': EAGER_UPPER,
  'contracts/cardano/validator.ts | drop-conjunct | .and(upper.gtEq(lower)) #2': EAGER_UPPER,
  'contracts/cardano/validator.ts | swap-bound | upper.gtEq(lower) → lower.gtEq(lower)': EAGER_UPPER,
  'contracts/cardano/validator.ts | swap-bound | upper.gtEq(lower) → lower.gtEq(lower) #2': EAGER_UPPER,

  'contracts/evm/src/EscrowSrc.sol | swap-payee | _send(token, immutables.taker, amount) → _send(token, msg.sender, amount)':
    AFTER_CALLER_CHECK('EscrowSrc.rescueFunds'),
  'contracts/evm/src/EscrowDst.sol | swap-payee | _send(token, immutables.taker, amount) → _send(token, msg.sender, amount)':
    AFTER_CALLER_CHECK('EscrowDst.rescueFunds'),
  'contracts/evm/src/EscrowDst.sol | swap-payee | _send(immutables.token, immutables.taker, immutables.amount) → _send(immutables.token, msg.sender, immutables.amount)':
    AFTER_CALLER_CHECK('EscrowDst.cancel'),
  'contracts/evm/src/EscrowDst.sol | swap-payee | _send(address(0), msg.sender, immutables.safetyDeposit) → _send(address(0), immutables.taker, immutables.safetyDeposit)':
    AFTER_CALLER_CHECK('EscrowDst.cancel'),
  'contracts/evm/src/EscrowFactory.sol | swap-payee | _pullExact(immutables.token, msg.sender, escrow, immutables.amount) → _pullExact(immutables.token, immutables.taker, escrow, immutables.amount)':
    'createDstEscrow reverts unless immutables.taker == msg.sender before it pulls, so both name the same account.',
  'contracts/evm/src/EscrowFactory.sol | flip-comparison | afterwards > before → afterwards >= before':
    'When afterwards == before both branches give received = 0 (afterwards - before = 0).',
  // AuctionLib.amountAt: the curve is continuous, so a boundary moved by one, or a guard whose case
  // the general formula also covers, gives the same integer at every t (reviewed by hand).
  'contracts/evm/src/libraries/AuctionLib.sol | flip-comparison | t <= a.startTime → t < a.startTime':
    'At t == startTime, e = 0 and the first segment gives a2 + ceil((a1 - a2) * o2 / o2) = startAmount, the early return.',
  'contracts/evm/src/libraries/AuctionLib.sol | drop-check | if (e >= a.duration) return a.endAmount → if (false) …':
    'For e >= duration no segment has e < o2 (every o2 <= duration), so the loop falls through to the same return a.endAmount.',
  'contracts/evm/src/libraries/AuctionLib.sol | flip-comparison | e >= a.duration → e > a.duration':
    'At e == duration no segment has e < o2 = duration, so the loop falls through to return a.endAmount.',
  'contracts/evm/src/libraries/AuctionLib.sol | drop-conjunct | o1 <= e && e < o2 → e < o2':
    'Segments are scanned in order and o1 is the previous o2, which e was not below: o1 <= e holds whenever e < o2 is first true.',
  'contracts/evm/src/libraries/AuctionLib.sol | flip-comparison | e < o2 → e <= o2':
    'At e == o2 (a vertex) the earlier segment gives a2 + ceil((a1 - a2) * 0 / …) = a2, which the next segment also gives at its start.',
  'contracts/evm/src/libraries/AuctionLib.sol | flip-comparison | a1 > a2 → a1 >= a2':
    'When a1 == a2 the interpolation adds mulDiv(0, …) = 0: both branches give a2.',
  'contracts/evm/src/libraries/AuctionLib.sol | flip-comparison | amount < a.endAmount → amount <= a.endAmount':
    'When amount == endAmount both branches return the same value.',
};
