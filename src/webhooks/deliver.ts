/**
 * One delivery attempt: POST the body, signed, to the webhook's URL with bounded time and
 * response size, no redirects, and the SSRF guard on the address actually connected to.
 * Never throws: the outcome says delivered or why not.
 */
import http from 'node:http';
import https from 'node:https';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_ID_HEADER, sign } from './signature.js';
import { guardedLookup, literalTargetAllowed } from './url-guard.js';

/** Read at most this much of a response (it is only logged, truncated). */
const MAX_RESPONSE_BYTES = 16 * 1024;

export interface DeliveryRequest {
  url: string;
  webhookId: string;
  eventId: string;
  secret: string;
  body: string;
  timestamp: number;
}

export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export function deliver(req: DeliveryRequest, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<DeliveryOutcome> {
  return new Promise((resolve) => {
    const url = new URL(req.url);
    if (!literalTargetAllowed(url, opts.allowPrivate)) {
      resolve({ ok: false, status: null, error: 'target address not allowed' });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (o: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(o);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(opts.allowPrivate),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(req.body),
          'user-agent': 'fusion-relayer-webhooks/1',
          [WEBHOOK_ID_HEADER]: req.webhookId,
          [EVENT_ID_HEADER]: req.eventId,
          [TIMESTAMP_HEADER]: String(req.timestamp),
          [SIGNATURE_HEADER]: sign(req.secret, req.timestamp, req.body),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // The answer does not matter beyond its status; a huge one is cut off, not read.
          if (size > MAX_RESPONSE_BYTES) finish();
        });
        const finish = () =>
          done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}` });
        res.on('end', finish);
        res.on('error', () => finish());
      },
    );
    // One deadline for the whole attempt (connect, send, answer): a slow receiver cannot hold a worker.
    const timer = setTimeout(() => done({ ok: false, status: null, error: `no complete answer within ${opts.timeoutMs} ms` }), opts.timeoutMs);
    request.on('error', (err) => done({ ok: false, status: null, error: err.message.slice(0, 300) }));
    request.end(req.body);
  });
}
