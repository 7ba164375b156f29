/**
 * Validation results of the domain. A validator returns every problem it finds (not only the
 * first) so a client can fix an order in one round trip; the HTTP layer maps a non-empty list
 * to a 400 with the first issue's code and the full list in `details`.
 *
 * Codes are part of the public API: never rename one, only add.
 */
export const DOMAIN_ISSUE_CODES = [
  'UNSUPPORTED_CHAIN_PAIR',
  'INVALID_ADDRESS',
  'INVALID_ASSET',
  'INVALID_AMOUNT',
  'ORDER_EXPIRED',
  'EXPIRY_TOO_FAR',
  'INVALID_AUCTION',
  'INVALID_TIMELOCKS',
  /** A source stage opens at or after the EVM escrow's rescue delay: the taker could rescue the maker's funds before a refund. */
  'TIMELOCKS_EXCEED_RESCUE_DELAY',
  'INVALID_HASHLOCK',
  /** A field that is none of the above has the wrong type or range (nonce, salt, expiry not an integer). */
  'INVALID_FIELD',
] as const;

export type DomainIssueCode = (typeof DOMAIN_ISSUE_CODES)[number];

export interface DomainIssue {
  /** Stable machine-readable code; the domain only emits DOMAIN_ISSUE_CODES. */
  code: DomainIssueCode;
  /** Dotted path of the offending field in the order, e.g. `auction.points[1].amount`. */
  field: string;
  /** Human-readable explanation; never contains secrets. */
  message: string;
}

export function issue(code: DomainIssueCode, field: string, message: string): DomainIssue {
  return { code, field, message };
}

/**
 * Thrown by domain functions that take already-validated input (packing, hashing a secret)
 * when a caller passes something invalid: a programming error with a stable code, not user input.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const UINT256_LIMIT = 1n << 256n;
export const UINT32_MAX = 0xffff_ffff;

export function isUint256(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x < UINT256_LIMIT;
}

export function isUint32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= UINT32_MAX;
}
