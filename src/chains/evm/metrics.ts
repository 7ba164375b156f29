/**
 * Prometheus metrics of the EVM monitor. Registered on the Registry the composition root
 * passes in; a second monitor on the same registry (another chain) reuses the same metrics,
 * told apart by the `chain` label.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';

function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function evmMonitorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    headBlock: reuse(registry, 'evm_monitor_head_block', () =>
      new Gauge({ name: 'evm_monitor_head_block', help: 'Latest block number reported by the node', labelNames: ['chain'], registers }),
    ),
    processedBlock: reuse(registry, 'evm_monitor_processed_block', () =>
      new Gauge({ name: 'evm_monitor_processed_block', help: 'Last block fully scanned and committed', labelNames: ['chain'], registers }),
    ),
    lagBlocks: reuse(registry, 'evm_monitor_lag_blocks', () =>
      new Gauge({ name: 'evm_monitor_lag_blocks', help: 'Head minus last processed block', labelNames: ['chain'], registers }),
    ),
    events: reuse(registry, 'evm_monitor_events_total', () =>
      new Counter({ name: 'evm_monitor_events_total', help: 'Chain event updates published, by type and status', labelNames: ['chain', 'type', 'status'], registers }),
    ),
    reorgs: reuse(registry, 'evm_monitor_reorgs_total', () =>
      new Counter({ name: 'evm_monitor_reorgs_total', help: 'Reorgs detected and rolled back', labelNames: ['chain'], registers }),
    ),
    rpcErrors: reuse(registry, 'evm_monitor_rpc_errors_total', () =>
      new Counter({ name: 'evm_monitor_rpc_errors_total', help: 'Failed JSON-RPC rounds (node down, refused, timeouts)', labelNames: ['chain'], registers }),
    ),
    ignoredLogs: reuse(registry, 'evm_monitor_ignored_logs_total', () =>
      new Counter({ name: 'evm_monitor_ignored_logs_total', help: 'Logs with a monitored signature from contracts that are not the factory or its escrows, or undecodable', labelNames: ['chain'], registers }),
    ),
  };
}

export type EvmMonitorMetrics = ReturnType<typeof evmMonitorMetrics>;
