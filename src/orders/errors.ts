/**
 * Every code the use-cases, the HTTP layer and the WebSocket upgrade emit, with its HTTP status:
 * the one table of statuses (RelayerError, the transport's own refusals, the OpenAPI document and
 * the README table all read it). The domain's validation codes (DOMAIN_ISSUE_CODES) are 400s.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: { status: 400, meaning: 'the request does not match the schema (details name the path)' },
  UNKNOWN_FIELD: { status: 400, meaning: 'a field the schema does not define' },
  MALFORMED_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  INVALID_AMOUNT: { status: 400, meaning: 'an amount is not a non-negative integer decimal string of ≤ 78 digits, or out of range' },
  INVALID_ADDRESS: { status: 400, meaning: 'an address is malformed or on the wrong network' },
  INVALID_ASSET: { status: 400, meaning: 'an asset is neither an EVM token address nor a Cardano unit' },
  INVALID_HASHLOCK: { status: 400, meaning: 'the hashlock is not 0x + 32 bytes' },
  INVALID_AUCTION: { status: 400, meaning: 'the auction is not sane (architecture §5)' },
  INVALID_TIMELOCKS: { status: 400, meaning: 'the timelocks are not ordered (architecture §6)' },
  TIMELOCKS_EXCEED_RESCUE_DELAY: {
    status: 400,
    meaning: "a source timelock stage opens at or after the source escrow's rescue delay (the taker could rescue the maker's funds before any refund)",
  },
  INVALID_FIELD: { status: 400, meaning: 'nonce, salt or expiry out of range' },
  ORDER_EXPIRED: { status: 400, meaning: 'the order expiry is not in the future' },
  EXPIRY_TOO_FAR: { status: 400, meaning: 'the order expiry is more than 30 days ahead' },
  UNSUPPORTED_CHAIN_PAIR: { status: 400, meaning: 'the chain pair is not served (only EVM → Cardano today)' },
  INVALID_SIGNATURE: { status: 400, meaning: 'the signature is malformed or recovers no address' },
  SIGNATURE_MISMATCH: { status: 400, meaning: 'the order signature was made by another key, chain or factory than the order names' },
  INVALID_ORDER_HASH: { status: 400, meaning: 'an order hash is not 0x + 32 bytes' },
  INVALID_SECRET: { status: 400, meaning: 'the secret is not 32 bytes or does not open the hashlock' },
  INVALID_LIMIT: { status: 400, meaning: 'limit is not an integer in 1..500' },
  INVALID_CURSOR: { status: 400, meaning: 'the cursor was not produced by this API' },
  INVALID_STATUS_FILTER: { status: 400, meaning: 'a status filter names no order status' },
  TOO_MANY_HASHES: { status: 400, meaning: 'more than 100 hashes in one lookup' },
  INVALID_WEBHOOK_URL: { status: 400, meaning: 'the webhook URL is not an absolute http(s) URL without credentials, or its host does not resolve' },
  WEBHOOK_TARGET_FORBIDDEN: { status: 400, meaning: 'the webhook URL points at a loopback, private, link-local or reserved address' },
  UNAUTHORIZED: { status: 401, meaning: 'resolver routes need a configured API key in the x-api-key header (or Authorization: Bearer)' },
  NOT_MAKER: { status: 403, meaning: 'the cancellation was signed by someone other than the maker' },
  NOT_FOUND: { status: 404, meaning: 'no such route' },
  ORDER_NOT_FOUND: { status: 404, meaning: 'no order with this hash' },
  ESCROW_NOT_FOUND: { status: 404, meaning: 'no escrow with this chain and id' },
  WEBHOOK_NOT_FOUND: { status: 404, meaning: 'no webhook with this id registered with this API key' },
  DUPLICATE_ORDER: { status: 409, meaning: 'an order with this hash was already submitted' },
  INVALID_STATUS: { status: 409, meaning: 'the order is not in a status that allows this action' },
  ESCROWS_NOT_READY: { status: 409, meaning: 'the secret gate: both escrows must be verified and final before the secret is accepted' },
  WEBHOOK_LIMIT_REACHED: { status: 409, meaning: 'this API key already has the most webhooks allowed; delete one first' },
  SECRET_WINDOW_CLOSED: { status: 409, meaning: 'the secret gate: too little time is left before a cancellation opens; keep the secret' },
  BODY_TOO_LARGE: { status: 413, meaning: 'the body exceeds the configured limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not application/json' },
  INSUFFICIENT_BALANCE: { status: 422, meaning: 'the maker does not hold makingAmount of makerAsset' },
  INSUFFICIENT_ALLOWANCE: { status: 422, meaning: 'the maker has not approved the escrow factory for makingAmount' },
  RATE_LIMITED: { status: 429, meaning: 'too many requests; retry after the Retry-After seconds' },
  NOT_READY: { status: 503, meaning: 'a required dependency is down' },
  FUNDS_CHECK_UNAVAILABLE: { status: 503, meaning: 'the source chain did not answer the maker balance/allowance check; retry' },
  // The HTTP transport's own refusals (src/api/http): requests no route or use-case ever sees.
  BAD_REQUEST: { status: 400, meaning: 'the request is not valid HTTP, or its content-length does not match the body' },
  MALFORMED_URL: { status: 400, meaning: 'the path is not valid percent-encoding' },
  INVALID_PREFLIGHT: { status: 400, meaning: 'an OPTIONS request that is not a CORS preflight (no Origin or Access-Control-Request-Method)' },
  FORBIDDEN: { status: 403, meaning: 'refused by a transport plugin' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the path exists but not with this method; see the Allow header' },
  REQUEST_TIMEOUT: { status: 408, meaning: 'the request was not received in time (connection closed)' },
  URL_TOO_LONG: { status: 414, meaning: 'a path segment is longer than 100 characters' },
  HEADERS_TOO_LARGE: { status: 431, meaning: 'the request line and headers exceed 16 KiB (connection closed)' },
  BAD_HANDSHAKE: { status: 400, meaning: 'a WebSocket upgrade without a valid RFC 6455 handshake (key, version 13, upgrade header)' },
  UPGRADE_REQUIRED: { status: 426, meaning: 'a plain HTTP request on the WebSocket-only port (WS_PORT)' },
  TOO_MANY_CONNECTIONS: { status: 503, meaning: 'the WebSocket gateway is at its connection limit; retry later' },
  SHUTTING_DOWN: { status: 503, meaning: 'this instance is closing; retry (on another instance)' },
  INTERNAL_ERROR: { status: 500, meaning: 'an unexpected error (logged with the request id)' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status of a code, from ERROR_CODES. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * The one error type of the relayer's use-cases and API. `code` is a stable, machine-readable
 * string (part of the public API: never rename one, only add); `httpStatus` is how the HTTP
 * layer answers it, looked up in ERROR_CODES; `message` is for humans and never contains secrets.
 */
export class RelayerError extends Error {
  readonly httpStatus: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RelayerError';
    this.httpStatus = httpStatusOf(code);
  }
}

export function isRelayerError(err: unknown): err is RelayerError {
  return err instanceof RelayerError;
}
