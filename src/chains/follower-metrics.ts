/**
 * Prometheus metrics of the chain followers: one set of names for every chain, told apart by the
 * `chain` label (`"31337"`, `"cardano:preprod"`, …). Registered on the Registry the composition
 * root passes in; a second follower on the same registry reuses them.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';

function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function chainFollowerMetrics(registry: Registry) {
  const registers = [registry];
  const gauge = (name: string, help: string) =>
    reuse(registry, name, () => new Gauge({ name, help, labelNames: ['chain'], registers }));
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    reuse(registry, name, () => new Counter({ name, help, labelNames: ['chain', ...labelNames], registers }));
  return {
    headHeight: gauge('chain_follower_head_height', 'Height of the node head, as last reported'),
    processedHeight: gauge('chain_follower_processed_height', 'Last block committed to the store with its events'),
    lagBlocks: gauge('chain_follower_lag_blocks', 'Head height minus last committed height'),
    connected: gauge('chain_follower_connected', '1 while the node answers'),
    events: counter('chain_follower_events_total', 'Chain event updates published, by type and status', ['type', 'status']),
    rollbacks: counter('chain_follower_rollbacks_total', 'Reorgs/rollbacks below the last committed block, reverted in the store', []),
    errors: counter('chain_follower_errors_total', 'Failed steps (node down or refusing, store error), each retried after a backoff', []),
    publishFailures: counter('chain_follower_publish_failures_total', 'Committed updates the bus refused (the store keeps them; not retried)', []),
    ignored: counter('chain_follower_ignored_total', 'Logs, outputs or spends the decoder did not report, by reason', ['reason']),
  };
}

export type ChainFollowerMetrics = ReturnType<typeof chainFollowerMetrics>;
