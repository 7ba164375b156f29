/**
 * Dependency health for `/health/ready` and `/health`. Each part registers a check; a
 * `required` check that is not `up` makes the relayer not ready. Checks have a timeout so a
 * hung dependency reports `down` instead of hanging the probe.
 */
export type HealthState = 'up' | 'down' | 'degraded' | 'disabled';

export interface HealthResult {
  status: HealthState;
  /** Free-form facts for the deep report: lag, last block, engine, … (never secrets). */
  details?: Record<string, unknown>;
  error?: string;
}

export type HealthCheck = () => HealthResult | Promise<HealthResult>;

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checks: Record<string, HealthResult & { required: boolean; latencyMs: number }>;
}

export class HealthRegistry {
  private readonly checks = new Map<string, { check: HealthCheck; required: boolean }>();

  constructor(private readonly timeoutMs = 2_000) {}

  register(name: string, check: HealthCheck, opts: { required: boolean }): void {
    this.checks.set(name, { check, required: opts.required });
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks.entries()].map(async ([name, { check, required }]) => {
        const started = performance.now();
        const result = await this.runWithTimeout(check);
        return [name, { ...result, required, latencyMs: Math.round(performance.now() - started) }] as const;
      }),
    );
    const checks = Object.fromEntries(entries);
    const requiredDown = entries.some(([, r]) => r.required && r.status === 'down');
    const anyNotUp = entries.some(([, r]) => r.status === 'down' || r.status === 'degraded');
    return { status: requiredDown ? 'down' : anyNotUp ? 'degraded' : 'ok', checks };
  }

  /** Ready when no required dependency is down. */
  async ready(): Promise<{ ready: boolean; report: HealthReport }> {
    const report = await this.report();
    return { ready: report.status !== 'down', report };
  }

  private async runWithTimeout(check: HealthCheck): Promise<HealthResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(check),
        new Promise<HealthResult>((resolve) => {
          timer = setTimeout(() => resolve({ status: 'down', error: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
        }),
      ]);
    } catch (err) {
      return { status: 'down', error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
