export * from './errors.js';
export * from './escrow-datum.js';
export * from './escrow-tx.js';
export * from './signer.js';
export * from './time.js';
