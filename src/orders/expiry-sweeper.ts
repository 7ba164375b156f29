/**
 * Runs `OrderService.expireDue` every `intervalMs`, so active orders past their expiry leave
 * the book. Safe on every instance at once (each move is a compare-and-set), but main.ts
 * normally runs it on the leader with the other background parts.
 */
import type { Logger } from 'pino';
import type { OrderService } from './service.js';

export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<number> | null = null;

  constructor(
    private readonly opts: { orders: Pick<OrderService, 'expireDue'>; logger: Logger; intervalMs?: number },
  ) {}

  /** Idempotent. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.sweepNow().catch(() => undefined), this.opts.intervalMs ?? 5_000);
    this.timer.unref();
  }

  /** Idempotent; waits for a sweep in flight. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
  }

  /** One sweep now; a call while one runs joins it. Returns how many orders expired. */
  sweepNow(): Promise<number> {
    this.inFlight ??= this.opts.orders
      .expireDue()
      .then((n) => {
        if (n > 0) this.opts.logger.info({ expired: n }, 'expired orders past their deadline');
        return n;
      })
      .catch((err: unknown) => {
        this.opts.logger.error({ err }, 'expiry sweep failed; the next one runs on schedule');
        throw err;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
