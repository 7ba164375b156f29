/**
 * The chain monitors of both chains as one leader duty, with their health (DESIGN §10): each
 * configured chain gets its monitor when this instance leads; its health reports the monitor's
 * connection, or, on a standby instance, that another instance follows the chain.
 */
import type { Address } from 'viem';
import type { Bus } from '../bus/types.js';
import type { HealthRegistry, HealthResult } from '../observability/health.js';
import type { RelayerMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { ChainStateRepository } from '../store/chain-state-repo.js';
import type { Duty } from '../store/leadership.js';
import { CardanoEscrowMonitor } from './cardano/monitor.js';
import { EvmEscrowMonitor } from './evm/monitor.js';
import type { ChainSettings } from './settings.js';

export interface ChainMonitorsDeps {
  chains: ChainSettings;
  chainState: ChainStateRepository;
  bus: Bus;
  metrics: RelayerMetrics;
  logger: Logger;
}

export class ChainMonitors {
  private evmStatus: (() => ReturnType<EvmEscrowMonitor['status']>) | null = null;
  private cardanoStatus: (() => ReturnType<CardanoEscrowMonitor['status']>) | null = null;

  constructor(private readonly deps: ChainMonitorsDeps) {}

  /** Starts a monitor per configured chain (leader only); the duties stop them. */
  async start(): Promise<Duty[]> {
    const { chains, chainState, bus, metrics, logger } = this.deps;
    const { evm, cardano } = chains;
    const duties: Duty[] = [];
    try {
      if (evm.rpcUrl) {
        const monitor = new EvmEscrowMonitor({
          chainId: evm.chainId,
          rpcUrl: evm.rpcUrl,
          wsUrl: evm.wsUrl ?? undefined,
          factory: evm.factory as Address,
          startBlock: evm.startBlock,
          confirmations: evm.confirmations,
          store: chainState,
          bus,
          registry: metrics.registry,
          logger,
        });
        await monitor.start();
        duties.push({ name: 'evm-monitor', stop: () => monitor.stop() });
        this.evmStatus = () => monitor.status();
      }
      if (cardano.ogmiosUrl) {
        const monitor = new CardanoEscrowMonitor({
          chain: cardano.chain,
          ogmios: { url: cardano.ogmiosUrl },
          escrowScriptHash: cardano.escrowScriptHash,
          networkId: cardano.networkId,
          confirmations: cardano.confirmations,
          store: chainState,
          bus,
          registry: metrics.registry,
          logger,
        });
        await monitor.start();
        duties.push({ name: 'cardano-monitor', stop: () => monitor.stop() });
        this.cardanoStatus = () => monitor.status();
      }
      return duties;
    } catch (err) {
      for (const d of duties.reverse()) await d.stop().catch(() => undefined);
      throw err;
    }
  }

  /** One health check per chain: required when the chain is configured, `disabled` otherwise. */
  registerHealth(health: HealthRegistry, isLeader: () => boolean): void {
    const { evm, cardano } = this.deps.chains;
    if (evm.rpcUrl) {
      health.register(`evm:${evm.chainId}`, () => monitorHealth(isLeader(), this.evmStatus?.()), { required: true });
    } else {
      health.register('evm', () => ({ status: 'disabled', details: { reason: 'EVM_RPC_URL not set' } }), { required: false });
    }
    if (cardano.ogmiosUrl) {
      health.register(cardano.chain, () => monitorHealth(isLeader(), this.cardanoStatus?.()), { required: true });
    } else {
      health.register('cardano', () => ({ status: 'disabled', details: { reason: 'OGMIOS_URL not set' } }), { required: false });
    }
  }
}

/** A chain monitor's health: it runs on the leader only; a standby instance reports its role. */
function monitorHealth(leader: boolean, status: { connected: boolean; lastError: string | null } | undefined): HealthResult {
  if (!leader) return { status: 'up', details: { role: 'standby: another instance follows the chain' } };
  if (!status) return { status: 'down', error: 'monitor not started' };
  return { status: status.connected ? 'up' : 'down', details: { ...status }, ...(status.lastError ? { error: status.lastError } : {}) };
}
