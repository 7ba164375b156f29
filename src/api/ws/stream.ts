/**
 * Follows the event stream (src/store/stream-repo.ts) for the gateway: every order, escrow and
 * secret event reaches clients from the store, numbered, in id order, so a client that
 * reconnects (here or to another instance) can `subscribe` with `since` and get exactly what it
 * missed. Bus messages only wake the tail up (an idle poll catches a lost one).
 *
 * Everything runs in one serial queue: a resume replays up to the tail's cursor while no live
 * event is delivered, then the connection is live from that cursor on: no gap, no duplicate.
 */
import type { Logger } from '../../observability/logger.js';
import type { EventStreamSource, StreamEvent } from './ports.js';
import type { Connection } from './connection.js';
import type { ProtocolError } from './protocol.js';

const PAGE = 500;

export interface StreamTailOptions {
  source: EventStreamSource;
  /** Live delivery of one event to everyone on its channels. */
  deliver(e: StreamEvent): void;
  /** Replay of one event to one connection, if it is on one of `channels`. */
  replayTo(c: Connection, e: StreamEvent, channels: ReadonlySet<string>): void;
  logger: Logger;
  /** Poll interval when no bus message wakes the tail (a lost message, another instance's write). */
  pollMs: number;
}

export interface ResumeHandlers {
  /** Subscribes `c` to the channels and acknowledges; returns the channels newly added. */
  apply(): ReadonlySet<string>;
  refuse(err: Pick<ProtocolError, 'code' | 'message'>): void;
}

export class StreamTail {
  private cursor = 0n;
  private queue: Promise<void> = Promise.resolve();
  private pending = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly opts: StreamTailOptions) {}

  /** Starts at the current head: a fresh connection gets what happens from now on. */
  async start(): Promise<void> {
    this.cursor = await this.opts.source.head();
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.opts.pollMs);
    this.timer.unref();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The last event id delivered live. */
  position(): bigint {
    return this.cursor;
  }

  /** Something was written: read and deliver what is new (coalesced while a read is under way). */
  wake(): void {
    if (!this.running || this.pending) return;
    this.pending = true;
    void this.serial(async () => {
      this.pending = false;
      await this.drain();
    });
  }

  /** Resumes `c` after event `since` on the channels `handlers.apply()` adds (see the class comment). */
  resume(c: Connection, since: bigint, handlers: ResumeHandlers): Promise<void> {
    return this.serial(async () => {
      try {
        await this.drain();
      } catch (err) {
        this.opts.logger.warn({ err }, 'event stream unreadable; resume refused');
        return handlers.refuse({ code: 'RESUME_UNAVAILABLE', message: 'the event stream cannot be read right now; retry' });
      }
      if (c.closing) return;
      const pruned = await this.opts.source.prunedThrough();
      if (since < pruned) {
        return handlers.refuse({
          code: 'SINCE_EXPIRED',
          message: `events up to ${pruned} are past retention: re-read the state over REST and subscribe without "since"`,
        });
      }
      if (since > this.cursor) {
        return handlers.refuse({ code: 'INVALID_SINCE', message: `no event ${since} in this stream (latest is ${this.cursor})` });
      }
      const channels = handlers.apply();
      if (channels.size === 0) return;
      for (let from = since; from < this.cursor; ) {
        const page = await this.opts.source.after(from, PAGE);
        if (page.length === 0) break;
        for (const e of page) {
          if (e.id > this.cursor || c.closing) return;
          this.opts.replayTo(c, e, channels);
        }
        from = page[page.length - 1]!.id;
      }
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const page = await this.opts.source.after(this.cursor, PAGE);
      for (const e of page) {
        this.opts.deliver(e);
        this.cursor = e.id;
      }
      if (page.length < PAGE) return;
    }
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((err: unknown) => this.opts.logger.error({ err }, 'event stream read failed; will retry'));
    this.queue = next;
    return next;
  }
}
