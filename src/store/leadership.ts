/**
 * Leadership (architecture §10): the leader-only work (the chain monitors and the settlement
 * coordinator) runs on one instance at a time, under the leader lock of `leader.ts`; another
 * instance takes over from the stored cursors if the leader dies.
 */
import type { Logger } from '../observability/logger.js';
import type { LeaderLock } from './leader.js';

/** A long-running piece of work, stopped in reverse order of start. */
export interface Duty {
  name: string;
  stop(): Promise<void>;
}

/**
 * Holds the leader lock while it can and runs the leader's duties under it; a standby instance
 * retries the lock, and a leader that loses its lock stops its duties at once.
 */
export class Leadership {
  private duties: Duty[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly lock: LeaderLock,
    private readonly startDuties: () => Promise<Duty[]>,
    private readonly logger: Logger,
    private readonly retryMs = 5_000,
  ) {
    lock.onLost((reason) => {
      this.logger.error({ err: reason }, 'leadership lost; stopping leader duties');
      this.serial(() => this.stopDuties());
      this.schedule();
    });
  }

  isLeader(): boolean {
    return this.lock.isLeader() && this.duties.length > 0;
  }

  async start(): Promise<void> {
    await this.serial(() => this.tryLead());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.serial(async () => {
      await this.stopDuties();
      await this.lock.release();
    });
  }

  private async tryLead(): Promise<void> {
    if (this.stopped || this.duties.length > 0) return;
    let acquired = false;
    try {
      acquired = await this.lock.acquire();
    } catch (err) {
      this.logger.warn({ err }, 'could not reach the leader lock; will retry');
    }
    if (!acquired) {
      this.schedule();
      return;
    }
    try {
      this.duties = await this.startDuties();
      this.logger.info({ duties: this.duties.map((d) => d.name) }, 'this instance is the leader');
    } catch (err) {
      this.logger.error({ err }, 'leader duties failed to start; releasing leadership and retrying');
      await this.lock.release();
      this.schedule();
    }
  }

  private async stopDuties(): Promise<void> {
    const duties = this.duties.reverse();
    this.duties = [];
    for (const d of duties) await d.stop().catch((err: unknown) => this.logger.error({ err, part: d.name }, 'error while stopping'));
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.serial(() => this.tryLead()), this.retryMs);
    this.timer.unref();
  }

  private serial(work: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(work).catch((err: unknown) => this.logger.error({ err }, 'leadership step failed'));
    return this.busy;
  }
}
