/**
 * Prometheus metrics of the Cardano monitor, on the Registry the composition root passes in
 * (reused if already registered; told apart by the `chain` label).
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';

function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function cardanoMonitorMetrics(registry: Registry) {
  const registers = [registry];
  const gauge = (name: string, help: string) =>
    reuse(registry, name, () => new Gauge({ name, help, labelNames: ['chain'], registers }));
  return {
    tipHeight: gauge('cardano_monitor_tip_height', 'Block height of the node tip, as last reported by Ogmios'),
    processedHeight: gauge('cardano_monitor_processed_height', 'Last block committed to the store'),
    lagBlocks: gauge('cardano_monitor_lag_blocks', 'Tip height minus last committed height'),
    connected: gauge('cardano_monitor_connected', '1 while the chain-sync connection is up'),
    blocks: reuse(registry, 'cardano_monitor_blocks_total', () =>
      new Counter({ name: 'cardano_monitor_blocks_total', help: 'Blocks processed (rolled forward)', labelNames: ['chain'], registers }),
    ),
    events: reuse(registry, 'cardano_monitor_events_total', () =>
      new Counter({ name: 'cardano_monitor_events_total', help: 'Chain event updates published, by type and status', labelNames: ['chain', 'type', 'status'], registers }),
    ),
    rollbacks: reuse(registry, 'cardano_monitor_rollbacks_total', () =>
      new Counter({ name: 'cardano_monitor_rollbacks_total', help: 'RollBackwards below the last committed block', labelNames: ['chain'], registers }),
    ),
    reconnects: reuse(registry, 'cardano_monitor_reconnects_total', () =>
      new Counter({ name: 'cardano_monitor_reconnects_total', help: 'Chain-sync sessions that ended and were retried', labelNames: ['chain'], registers }),
    ),
    ignored: reuse(registry, 'cardano_monitor_ignored_total', () =>
      new Counter({ name: 'cardano_monitor_ignored_total', help: 'Outputs at the escrow address or spends not reported, by reason', labelNames: ['chain', 'reason'], registers }),
    ),
  };
}

export type CardanoMonitorMetrics = ReturnType<typeof cardanoMonitorMetrics>;
