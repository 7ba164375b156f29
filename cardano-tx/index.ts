export * from './errors.js';
export * from './escrow-datum.js';
export * from './escrow-tx.js';
export * from './signer.js';
export { SlotClock } from '../src/chains/cardano/slot-time.js';
