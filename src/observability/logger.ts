/**
 * Structured JSON logs (pino). Secrets, API keys and signatures never reach a log line:
 * the redaction paths cover every place they travel (request bodies, headers, WS auth).
 * Every line written inside a request's work carries its `reqId` and, when tracing records,
 * `trace_id` and `span_id` (tracing.ts), however far from the request it is written.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { logContext } from './tracing.js';

export type { Logger };

export const REDACT_PATHS = [
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'privateKey',
  '*.privateKey',
];

export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'fusion-relayer',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: logContext,
    },
    opts.destination,
  );
}
