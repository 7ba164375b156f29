/**
 * Webhook signatures: `x-relayer-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `x-relayer-timestamp: <unix seconds>`. The timestamp is signed so a captured delivery
 * cannot be replayed later: receivers reject timestamps outside REPLAY_WINDOW_SECONDS of their
 * clock, and dedupe by `x-relayer-event-id` within it (retries reuse the event id, with a fresh
 * timestamp and signature).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-relayer-signature';
export const TIMESTAMP_HEADER = 'x-relayer-timestamp';
export const EVENT_ID_HEADER = 'x-relayer-event-id';
export const WEBHOOK_ID_HEADER = 'x-relayer-webhook-id';
export const REPLAY_WINDOW_SECONDS = 300;

/** 32 random bytes, shown to the registrant once. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (README has the same in a standalone snippet). */
export function verify(secret: string, headers: { signature: string; timestamp: string }, body: string, nowSeconds: number): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
