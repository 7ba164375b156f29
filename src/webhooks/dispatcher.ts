/**
 * The webhook dispatcher: turns stored events into deliveries and delivers them.
 *
 * Each round: (1) fan out new order_events rows into webhook_deliveries (one transaction with
 * the cursor), (2) enqueue public actions due now (derived from stored escrow state, so a
 * restart re-derives them), (3) claim due deliveries (a lease, so several instances never send
 * one twice at the same time) and POST them, signed. A failure schedules a retry with
 * exponential backoff and jitter; after `maxAttempts` the delivery is dead-lettered. Everything
 * is in the store: a crash anywhere loses nothing, and at worst repeats one attempt
 * (receivers dedupe by the event id).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { WebhookStore } from './ports.js';
import { deliver, type DeliveryOutcome, type DeliveryRequest } from './deliver.js';
import { advanceCursor, backoffMs, planOrderEvents, planPublicAction } from './events.js';

export interface WebhookDispatcherOptions {
  repo: WebhookStore;
  /** Public actions due now (the PublicActionsReader); optional. */
  publicActions?: { list(): Promise<Array<{ chain: string; escrow: string; action: string } & object>> };
  registry: Registry;
  logger: Logger;
  settings: { allowPrivateTargets: boolean; maxAttempts: number; backoffMs: number; maxBackoffMs: number; timeoutMs: number; pollMs: number };
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** For tests: replace the HTTP call. */
  send?: (req: DeliveryRequest) => Promise<DeliveryOutcome>;
}

/** A gap in order_events ids older than this is a rolled-back transaction, not a slow one. */
const GAP_GRACE_MS = 30_000;

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private round: Promise<void> = Promise.resolve();
  private readonly attempts: Counter<'outcome'>;
  private readonly backlog: Gauge<'status'>;

  constructor(private readonly opts: WebhookDispatcherOptions) {
    const registers = [opts.registry];
    this.attempts =
      (opts.registry.getSingleMetric('relayer_webhook_deliveries_total') as Counter<'outcome'> | undefined) ??
      new Counter({
        name: 'relayer_webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome: delivered, failed (will retry), dead (dead-lettered)',
        labelNames: ['outcome'],
        registers,
      });
    const repo = opts.repo;
    this.backlog =
      (opts.registry.getSingleMetric('relayer_webhook_backlog') as Gauge<'status'> | undefined) ??
      new Gauge({
        name: 'relayer_webhook_backlog',
        help: 'Webhook deliveries waiting (pending) or dead-lettered (dead), from the store at scrape time',
        labelNames: ['status'],
        registers,
        async collect() {
          const b = await repo.backlog().catch(() => null);
          if (b) {
            this.set({ status: 'pending' }, b.pending);
            this.set({ status: 'dead' }, b.dead);
          }
        },
      });
    for (const outcome of ['delivered', 'failed', 'dead']) this.attempts.inc({ outcome }, 0);
  }

  async start(): Promise<void> {
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round now (tests, and the timer). */
  runOnce(): Promise<void> {
    this.round = this.round.then(() => this.work()).catch((err: unknown) => this.opts.logger.error({ err }, 'webhook round failed; will retry'));
    return this.round;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule(this.opts.settings.pollMs));
    }, ms);
    this.timer.unref();
  }

  private async work(): Promise<void> {
    const { repo } = this.opts;
    // Fan out until caught up (batches of 500).
    for (let i = 0; i < 20; i++) {
      const r = await repo.fanOut(planOrderEvents, (cursor, events) => advanceCursor(cursor, events, Date.now(), GAP_GRACE_MS));
      if (r.planned === 0 && r.inserted === 0) break;
    }
    if (this.opts.publicActions) {
      // Only read the (store-derived) public actions when someone subscribed to them.
      const hooks = (await repo.subscriptions()).filter((h) => h.events.includes('public_action'));
      if (hooks.length > 0) {
        const actions = await this.opts.publicActions.list();
        const now = new Date();
        await repo.enqueue(actions.flatMap((a) => planPublicAction(a as never, hooks, now)));
      }
    }
    const { settings } = this.opts;
    // The lease outlives one attempt, so a live worker's delivery is never taken by another.
    const lease = settings.timeoutMs * 2 + 1_000;
    const due = await repo.claimDue(this.opts.concurrency ?? 8, lease);
    await Promise.all(
      due.map(async (d) => {
        const outcome = await (this.opts.send ?? ((req) => deliver(req, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivateTargets })))({
          url: d.url,
          webhookId: d.webhookId,
          eventId: d.eventKey,
          secret: d.secret,
          body: JSON.stringify(d.payload),
          timestamp: Math.floor(Date.now() / 1000),
        });
        if (outcome.ok) {
          await repo.delivered(d.id, outcome.status);
          this.attempts.inc({ outcome: 'delivered' });
          return;
        }
        const dead = d.attempts >= settings.maxAttempts;
        await repo.failed(d.id, outcome.status, outcome.error, dead ? null : backoffMs(d.attempts, settings.backoffMs, settings.maxBackoffMs));
        this.attempts.inc({ outcome: dead ? 'dead' : 'failed' });
        // The URL's path may hold a token of the receiver's: log the webhook id, not the URL.
        this.opts.logger.warn({ webhook: d.webhookId, event: d.eventKey, attempt: d.attempts, status: outcome.status, error: outcome.error, dead }, 'webhook delivery failed');
      }),
    );
    // More due right now (a burst): go again without waiting a poll interval.
    if (due.length === (this.opts.concurrency ?? 8) && this.running) await this.work();
  }
}
