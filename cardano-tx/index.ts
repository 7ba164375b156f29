export * from './errors.js';
// The one datum / redeemer / payout-tag codec and the one slot clock, shared with the monitor.
export * from '../src/chains/cardano/escrow-datum.js';
export * from './escrow-tx.js';
export * from './signer.js';
export { SlotClock } from '../src/chains/cardano/slot-time.js';
export * from './order-tx.js';
export * from '../src/chains/cardano/order-datum.js';
