/**
 * The WebSocket protocol of architecture §9: what a client may send, the channels, the error codes
 * and close codes, and how server messages are framed. Pure; the gateway does the I/O.
 */

export const ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_MESSAGE',
  'UNKNOWN_OP',
  'INVALID_CHANNEL',
  'UNAUTHORIZED',
  'TOO_MANY_SUBSCRIPTIONS',
  'INVALID_SINCE',
  'SINCE_EXPIRED',
  'RESUME_UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const CLOSE = {
  /** stop(): the relayer is shutting down. */
  GOING_AWAY: 1001,
  /** Too many invalid messages on one connection. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than `ws.maxMessageBytes` (ws closes it before we parse anything). */
  MESSAGE_TOO_BIG: 1009,
  /** The client does not read fast enough: its send buffer passed `ws.sendBufferLimitBytes`. */
  TRY_AGAIN_LATER: 1013,
} as const;

export type MessageType =
  | 'order_created'
  | 'order_updated'
  | 'price_update'
  | 'escrow_event'
  | 'secret_shared'
  | 'public_action'
  | 'heartbeat'
  | 'error'
  | 'subscribed'
  | 'unsubscribed'
  | 'authenticated'
  | 'pong';

/** A client may tag a request with `id`; the answer echoes it in `data.id`. */
export type RequestId = string | number;

export type ClientOp =
  /** `since`: resume after this stream event id (decimal string): replay what was missed. */
  | { op: 'subscribe'; channels: string[]; since?: bigint; id?: RequestId }
  | { op: 'unsubscribe'; channels: string[]; id?: RequestId }
  | { op: 'ping'; id?: RequestId }
  | { op: 'auth'; apiKey: string; id?: RequestId };

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** The op it answers, when known (metrics label and client convenience). */
  op?: string;
  id?: RequestId;
  channels?: string[];
}

export const KNOWN_OPS = ['subscribe', 'unsubscribe', 'ping', 'auth'] as const;

/** Parses one text frame. Never throws; never echoes an API key back. */
export function parseClientMessage(text: string): ClientOp | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'INVALID_JSON', message: 'messages must be JSON text frames' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { code: 'INVALID_MESSAGE', message: 'a message is a JSON object with an "op"' };
  }
  const m = value as Record<string, unknown>;
  const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : undefined;
  const withId = <T extends object>(x: T): T & { id?: RequestId } => (id === undefined ? x : { ...x, id });
  if (typeof m.op !== 'string') return withId({ code: 'INVALID_MESSAGE', message: 'missing "op"' } as ProtocolError);
  switch (m.op) {
    case 'subscribe':
    case 'unsubscribe': {
      const channels = m.channels;
      if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => typeof c === 'string')) {
        return withId({ code: 'INVALID_MESSAGE', message: '"channels" must be a non-empty array of strings', op: m.op } as ProtocolError);
      }
      if (m.op === 'subscribe' && m.since !== undefined) {
        // A decimal string (ids outgrow JS numbers in principle); a safe integer is accepted too.
        const since = typeof m.since === 'string' && /^(0|[1-9][0-9]{0,18})$/.test(m.since) ? BigInt(m.since)
          : typeof m.since === 'number' && Number.isSafeInteger(m.since) && m.since >= 0 ? BigInt(m.since)
          : null;
        if (since === null) {
          return withId({ code: 'INVALID_SINCE', message: '"since" must be a stream event id: a decimal string', op: 'subscribe' } as ProtocolError);
        }
        return withId({ op: 'subscribe' as const, channels: channels as string[], since });
      }
      return withId({ op: m.op as 'subscribe' | 'unsubscribe', channels: channels as string[] }) as ClientOp;
    }
    case 'ping':
      return withId({ op: 'ping' as const });
    case 'auth':
      if (typeof m.apiKey !== 'string' || m.apiKey.length === 0) {
        return withId({ code: 'INVALID_MESSAGE', message: '"apiKey" must be a non-empty string', op: 'auth' } as ProtocolError);
      }
      return withId({ op: 'auth' as const, apiKey: m.apiKey });
    default:
      return withId({ code: 'UNKNOWN_OP', message: `unknown op; expected one of ${KNOWN_OPS.join(', ')}` } as ProtocolError);
  }
}

const ORDER_HASH = /^0x[0-9a-f]{64}$/;
const EVM_ADDRESS = /^0x[0-9a-f]{40}$/;
/** Cardano makers (Cardano-source orders): a bech32 address, lower case by definition of bech32. */
const CARDANO_ADDRESS = /^addr(_test)?1[02-9ac-hj-np-z]{20,200}$/;

export const PLAIN_CHANNELS = ['orders', 'prices', 'escrows', 'secrets'] as const;

/**
 * The canonical name of a channel (hex lower-cased), or null if it is not one.
 * `order:<0x + 64 hex>`, `maker:<EVM address | Cardano bech32 address>`, or a plain channel.
 */
export function normalizeChannel(raw: string): string | null {
  if ((PLAIN_CHANNELS as readonly string[]).includes(raw)) return raw;
  const colon = raw.indexOf(':');
  if (colon < 0) return null;
  const kind = raw.slice(0, colon);
  const value = raw.slice(colon + 1).toLowerCase();
  if (kind === 'order' && ORDER_HASH.test(value)) return `order:${value}`;
  if (kind === 'maker' && (EVM_ADDRESS.test(value) || CARDANO_ADDRESS.test(value))) return `maker:${value}`;
  return null;
}

/**
 * A server message split around its per-connection `seq`: the data is serialized once per
 * event, and each socket gets `head + seq + tail`.
 */
export interface Frame {
  type: MessageType;
  head: string;
  tail: string;
  /** `tail` encoded once, for large frames sent to many sockets (set by the gateway). */
  tailBytes?: Buffer;
}

/** JSON with bigints as decimal strings (the public wire form). */
export function wireJson(data: unknown): string {
  return JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** For data without bigints (plain JSON.stringify: no replacer call per value on the hot path). */
export function frame(type: MessageType, data: unknown, now: number = Date.now()): Frame {
  return frameJson(type, JSON.stringify(data), now);
}

/** `eventId`: the stream event id of an order, escrow or secret event (what `since` resumes from). */
export function frameJson(type: MessageType, dataJson: string, now: number = Date.now(), eventId?: bigint): Frame {
  const id = eventId === undefined ? '' : `,"eventId":"${eventId}"`;
  return { type, head: `{"type":"${type}","seq":`, tail: `${id},"ts":${now},"data":${dataJson}}` };
}
