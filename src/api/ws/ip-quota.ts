/**
 * WebSocket connections per client address (WS_MAX_CONNECTIONS_PER_IP). With Redis the count is
 * shared by every instance: one sorted set per address whose members are this instance's
 * connections, scored by a lease expiry that the holder renews; a crashed instance's slots
 * lapse with their lease (≤ `leaseMs`) instead of leaking. Without Redis it is per process.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface ConnectionQuota {
  /** A slot for one more connection from `ip`, or null when it is at its limit. */
  acquire(ip: string): Promise<(() => void) | null>;
  stop(): void;
}

export class LocalConnectionQuota implements ConnectionQuota {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  async acquire(ip: string): Promise<(() => void) | null> {
    const n = this.counts.get(ip) ?? 0;
    if (n >= this.limit) return null;
    this.counts.set(ip, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(ip) ?? 1) - 1;
      if (left <= 0) this.counts.delete(ip);
      else this.counts.set(ip, left);
    };
  }

  stop(): void {}
}

/** Drops lapsed leases, then adds the member if the set is below the limit: atomically. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface RedisConnectionQuotaOptions {
  redis: Redis;
  limit: number;
  /** Key prefix (REDIS_CHANNEL_PREFIX), so deployments sharing one Redis stay apart. */
  prefix: string;
  /** How long a slot outlives a crashed holder (default 60 s); renewed every third of it. */
  leaseMs?: number;
}

export class RedisConnectionQuota implements ConnectionQuota {
  private readonly held = new Map<string, string>(); // member → key
  private readonly instance = randomUUID();
  private readonly leaseMs: number;
  private readonly timer: NodeJS.Timeout;
  private seq = 0;

  constructor(private readonly opts: RedisConnectionQuotaOptions) {
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  async acquire(ip: string): Promise<(() => void) | null> {
    const key = `${this.opts.prefix}wsconn:${ip}`;
    const member = `${this.instance}:${++this.seq}`;
    const now = Date.now();
    const ok = await this.opts.redis.eval(ACQUIRE, 1, key, now, now + this.leaseMs, member, this.opts.limit, this.leaseMs * 2);
    if (ok !== 1) return null;
    this.held.set(member, key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(member);
      this.opts.redis.zrem(key, member).catch(() => undefined); // lapses with its lease otherwise
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const until = Date.now() + this.leaseMs;
    const pipe = this.opts.redis.pipeline();
    for (const [member, key] of this.held) {
      pipe.zadd(key, 'XX', until, member);
      pipe.pexpire(key, this.leaseMs * 2);
    }
    await pipe.exec().catch(() => undefined);
  }
}
