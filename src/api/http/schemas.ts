/**
 * Request and response schemas of the HTTP API (typebox → JSON Schema → OpenAPI). Every object
 * is closed (`additionalProperties: false`). A field tagged `x-error-code` reports that code when
 * it fails validation (an amount → INVALID_AMOUNT), so clients get the same stable codes whether
 * the schema or the domain rejects a value.
 */
import { Type, type Static, type TUnsafe } from 'typebox';
import { ORDER_STATUSES } from '../../domain/status.js';
import { ERROR_CODES } from '../../orders/errors.js';

const closed = { additionalProperties: false } as const;

/** A base-unit amount: decimal digits only (no sign, point or exponent), at most 78 (> 2^256). */
const amount = (description: string) =>
  Type.String({ pattern: '^[0-9]{1,78}$', description, examples: ['1000000000000000000'], 'x-error-code': 'INVALID_AMOUNT' });

const uintString = (description: string) =>
  Type.String({ pattern: '^[0-9]{1,78}$', description, 'x-error-code': 'INVALID_FIELD' });

export const HEX32_PATTERN = '^0x[0-9a-fA-F]{64}$';
const chainId = (description: string) =>
  Type.String({
    pattern: '^([0-9]{1,20}|cardano:[a-z]{1,16})$',
    description,
    examples: ['31337', 'cardano:devnet'],
    'x-error-code': 'UNSUPPORTED_CHAIN_PAIR',
  });
/** EVM hex address, or a Cardano bech32 address; the domain checks checksum and network. */
const address = (description: string) =>
  Type.String({
    pattern: '^(0x[0-9a-fA-F]{40}|addr(_test)?1[02-9ac-hj-np-z]{6,200})$',
    description,
    'x-error-code': 'INVALID_ADDRESS',
  });
/** EVM token address (zero address = native ETH), `lovelace`, or a Cardano policyId+assetName unit. */
const asset = (description: string) =>
  Type.String({ pattern: '^(0x[0-9a-fA-F]{40}|lovelace|[0-9a-f]{56,120})$', description, 'x-error-code': 'INVALID_ASSET' });
const unixSeconds = (description: string, code: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description, 'x-error-code': code });
const timelock = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description, 'x-error-code': 'INVALID_TIMELOCKS' });

export const OrderHashSchema = Type.String({
  pattern: HEX32_PATTERN,
  description: 'EIP-712 digest of the order',
  'x-error-code': 'INVALID_ORDER_HASH',
});

export const WireOrderSchema = Type.Object(
  {
    srcChain: chainId('source chain id'),
    dstChain: chainId('destination chain id'),
    maker: address("maker's address on the source chain"),
    receiver: address("maker's address on the destination chain"),
    makerAsset: asset('asset sold on the source chain'),
    makingAmount: amount('amount sold, base units'),
    takerAsset: asset('asset bought on the destination chain'),
    auction: Type.Object(
      {
        startTime: unixSeconds('auction start, unix seconds', 'INVALID_AUCTION'),
        duration: Type.Integer({ minimum: 1, maximum: 86_400, description: 'seconds', 'x-error-code': 'INVALID_AUCTION' }),
        startAmount: amount('taker amount at the start (the most the maker can get)'),
        endAmount: amount('taker amount floor (≥ 1)'),
        points: Type.Optional(
          Type.Array(
            Type.Object(
              {
                offset: Type.Integer({ minimum: 1, maximum: 86_400, 'x-error-code': 'INVALID_AUCTION' }),
                amount: amount('taker amount at that offset'),
              },
              closed,
            ),
            { maxItems: 16, 'x-error-code': 'INVALID_AUCTION', description: 'optional piecewise-linear curve' },
          ),
        ),
      },
      { ...closed, 'x-error-code': 'INVALID_AUCTION' },
    ),
    hashlock: Type.String({ pattern: HEX32_PATTERN, description: 'keccak256(secret)', 'x-error-code': 'INVALID_HASHLOCK' }),
    timelocks: Type.Object(
      {
        srcWithdrawal: timelock('seconds after the source escrow is created'),
        srcPublicWithdrawal: timelock('seconds'),
        srcCancellation: timelock('seconds'),
        srcPublicCancellation: timelock('seconds'),
        dstWithdrawal: timelock('seconds'),
        dstPublicWithdrawal: timelock('seconds'),
        dstCancellation: timelock('seconds'),
      },
      { ...closed, 'x-error-code': 'INVALID_TIMELOCKS' },
    ),
    srcSafetyDeposit: amount('native-coin deposit of the source escrow'),
    dstSafetyDeposit: amount('native-coin deposit of the destination escrow'),
    nonce: uintString('maker nonce'),
    salt: uintString('salt'),
    expiry: unixSeconds('last moment the order may be filled, unix seconds', 'INVALID_FIELD'),
  },
  closed,
);

export const SignatureSchema = Type.String({
  pattern: '^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$',
  description: '65-byte r‖s‖v or 64-byte EIP-2098 signature, hex',
  'x-error-code': 'INVALID_SIGNATURE',
});

export const SubmitBodySchema = Type.Object(
  {
    order: WireOrderSchema,
    signature: Type.Optional(SignatureSchema),
    lockedOutput: Type.Optional(
      Type.String({ pattern: '^[0-9a-fA-F]{64}#[0-9]{1,5}$', description: 'Cardano-source orders: "<txHash>#<index>" (not accepted yet)' }),
    ),
  },
  closed,
);
export type SubmitBody = Static<typeof SubmitBodySchema>;

export const SubmitResultSchema = Type.Object({ orderHash: Type.String(), status: Type.String() }, closed);

export const CancelBodySchema = Type.Object({ signature: SignatureSchema }, closed);
export const SecretBodySchema = Type.Object(
  {
    secret: Type.String({ pattern: HEX32_PATTERN, description: 'the 32-byte preimage of the hashlock', 'x-error-code': 'INVALID_SECRET' }),
  },
  closed,
);

export const OrderHashParamsSchema = Type.Object({ orderHash: OrderHashSchema }, closed);

/** `?limit=`: 1..500 as plain digits; anything else (0, 501, 1.5, 1e2, repeated) is a 400. */
const limit = Type.String({
  pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$',
  description: 'page size 1–500 (default 100)',
  'x-error-code': 'INVALID_LIMIT',
});
const cursor = Type.String({ pattern: '^[A-Za-z0-9_.:=-]{1,512}$', description: 'nextCursor of the previous page', 'x-error-code': 'INVALID_CURSOR' });
const filterString = (description: string, code = 'VALIDATION_ERROR') =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9:_]+$', description, 'x-error-code': code });

export const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        pattern: '^[a-z_]+(,[a-z_]+)*$',
        maxLength: 400,
        description: `comma-separated statuses: ${ORDER_STATUSES.join(', ')}`,
        'x-error-code': 'INVALID_STATUS_FILTER',
      }),
    ),
    maker: Type.Optional(filterString('maker address', 'INVALID_ADDRESS')),
    srcChain: Type.Optional(filterString('source chain id')),
    dstChain: Type.Optional(filterString('destination chain id')),
    makerAsset: Type.Optional(filterString('maker asset', 'INVALID_ASSET')),
    takerAsset: Type.Optional(filterString('taker asset', 'INVALID_ASSET')),
    hashes: Type.Optional(
      Type.String({
        pattern: '^0x[0-9a-fA-F]{64}(,0x[0-9a-fA-F]{64})*$',
        description: 'comma-separated order hashes, at most 100',
        'x-error-code': 'INVALID_ORDER_HASH',
      }),
    ),
    limit: Type.Optional(limit),
    cursor: Type.Optional(cursor),
  },
  closed,
);
export type ListQuery = Static<typeof ListQuerySchema>;

export const ActiveQuerySchema = Type.Object({ limit: Type.Optional(limit), cursor: Type.Optional(cursor) }, closed);
export type ActiveQuery = Static<typeof ActiveQuerySchema>;

export const ReadyForSecretQuerySchema = Type.Object({ maker: address('maker address') }, closed);

export const EscrowsQuerySchema = Type.Object(
  { orderHash: Type.Optional(OrderHashSchema), chain: Type.Optional(filterString('chain id')) },
  closed,
);
export const EscrowParamsSchema = Type.Object(
  { chain: filterString('chain id'), id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9#:_-]+$' }) },
  closed,
);

// ---- responses (for the OpenAPI document and fast serialization) ----

const nullableString = Type.Union([Type.String(), Type.Null()]);
const openObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const TimelineEventSchema = Type.Object({
  type: Type.String(),
  fromStatus: nullableString,
  toStatus: Type.String(),
  data: openObject('event facts'),
  at: Type.String({ description: 'ISO time' }),
});

export const OrderViewSchema = Type.Object({
  orderHash: Type.String(),
  status: Type.String({ description: ORDER_STATUSES.join(' | ') }),
  order: WireOrderSchema,
  signature: nullableString,
  lockedOutput: nullableString,
  currentAmount: Type.Union([Type.String(), Type.Null()], { description: 'auction price now (active orders only)' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const OrderDetailSchema = Type.Object({
  ...OrderViewSchema.properties,
  escrows: Type.Array(openObject('an escrow as the monitors saw it; amounts are decimal strings')),
  timeline: Type.Array(TimelineEventSchema),
});

export const OrderPageSchema = Type.Object({ items: Type.Array(OrderViewSchema), nextCursor: nullableString });

export const ActivePageSchema = Type.Object({
  at: Type.Integer({ description: 'unix seconds the prices are for' }),
  version: Type.Integer({ description: 'snapshot version' }),
  items: Type.Array(OrderViewSchema),
  nextCursor: nullableString,
});

export const StatusChangeSchema = Type.Object({ orderHash: Type.String(), status: Type.String() });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

/** Error responses of a route, each pointing at the shared error model. */
export function errorResponses<S extends number>(...statuses: S[]): { [K in S]: TUnsafe<ErrorBodyShape> } {
  return Object.fromEntries(
    statuses.map((s) => [s, Type.Unsafe<ErrorBodyShape>({ $ref: 'Error#', description: codesFor(s) })]),
  ) as { [K in S]: TUnsafe<ErrorBodyShape> };
}

/** The response description: every error code that answers with this status (ERROR_CODES). */
function codesFor(status: number): string {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, v]) => v.status === status)
    .map(([code]) => code);
  return `error: { code, message, details? } with code ${codes.join(' | ')}`;
}

interface ErrorBodyShape {
  error: { code: string; message: string; details?: unknown };
}
