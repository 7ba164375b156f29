/** Errors of the Cardano escrow tx builders: a stable `code` and a message; nothing was submitted. */
export type CardanoTxErrorCode =
  | 'INVALID_DATUM' // a field of the escrow terms is out of range or malformed
  | 'NOT_AN_ESCROW' // the output is not at the escrow script address or its datum does not decode
  | 'ESCROW_NOT_FOUND' // the output reference is not (or no longer) unspent
  | 'WRONG_SECRET' // secret is not 32 bytes or keccak256(secret) != hashlock
  | 'WINDOW_NOT_OPEN' // the action's time window has not started at the chosen time
  | 'WINDOW_CLOSED' // the action's time window is over (e.g. withdraw at/after cancellation)
  | 'NO_PUBLIC_CANCELLATION' // PublicCancel on an escrow without publicCancellationAt (destination side)
  | 'NOT_TAKER' // Withdraw/Cancel need the taker's key, the signer is someone else
  | 'BELOW_MIN_UTXO' // the escrow output would not carry the ledger's minimum lovelace
  | 'ORDER_NOT_FOUND' // the order output reference is not (or no longer) unspent
  | 'NOT_AN_ORDER' // the output is not at the order script address or its datum is not a version-1 order
  | 'ORDER_EXPIRED' // a fill after the order's expiry second
  | 'ORDER_NOT_EXPIRED' // a return to the maker before the order expired
  | 'BELOW_AUCTION_PRICE' // the promised taking amount is below the auction price at the fill's lower bound
  | 'NOT_MAKER' // an order Cancel needs the maker's key, the signer is someone else
  | 'BUILD_FAILED' // coin selection or script evaluation (through the provider) failed; nothing was submitted
  | 'SUBMIT_FAILED'; // the node (Ogmios) refused the transaction

export class CardanoTxError extends Error {
  constructor(
    readonly code: CardanoTxErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CardanoTxError';
  }
}
