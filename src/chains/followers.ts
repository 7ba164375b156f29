/**
 * The chain followers of both chains as one leader duty, with their health (architecture §2,
 * §10): each configured chain gets its escrow follower when this instance leads; its health
 * reports the follower's connection, or, on a standby instance, that another instance follows
 * the chain.
 */
import type { Bus } from '../bus/types.js';
import type { HealthRegistry, HealthResult } from '../observability/health.js';
import type { Logger } from '../observability/logger.js';
import type { RelayerMetrics } from '../observability/metrics.js';
import type { FollowerStatus } from './follower.js';
import type { ChainStateStore } from './ports.js';
import type { ChainSettings } from './settings.js';
import { startChainFollowers } from './start-followers.js';

export interface ChainFollowersDeps {
  chains: ChainSettings;
  bus: Bus;
  metrics: RelayerMetrics;
  logger: Logger;
}

interface Duty {
  name: string;
  stop(): Promise<void>;
}

export class ChainFollowers {
  private evmStatus: (() => FollowerStatus) | null = null;
  private cardanoStatus: (() => FollowerStatus) | null = null;

  constructor(private readonly deps: ChainFollowersDeps) {}

  /** Starts a follower per configured chain (leader only), writing through `store`; the duties stop them. */
  async start(store: ChainStateStore): Promise<Duty[]> {
    const { chains, bus, metrics, logger } = this.deps;
    const { evm, cardano } = chains;
    const started = await startChainFollowers(
      {
        evm: evm.rpcUrl ? { ...evm, rpcUrl: evm.rpcUrl } : null,
        cardano: cardano.ogmiosUrl ? { ...cardano, ogmiosUrl: cardano.ogmiosUrl } : null,
      },
      { store, bus, registry: metrics.registry, logger },
    );
    this.evmStatus = started.evm;
    this.cardanoStatus = started.cardano;
    return started.duties;
  }

  /** One health check per chain: required when the chain is configured, `disabled` otherwise. */
  registerHealth(health: HealthRegistry, isLeader: () => boolean): void {
    const { evm, cardano } = this.deps.chains;
    if (evm.rpcUrl) {
      health.register(`evm:${evm.chainId}`, () => followerHealth(isLeader(), this.evmStatus?.()), { required: true });
    } else {
      health.register('evm', () => ({ status: 'disabled', details: { reason: 'EVM_RPC_URL not set' } }), { required: false });
    }
    if (cardano.ogmiosUrl) {
      health.register(cardano.chain, () => followerHealth(isLeader(), this.cardanoStatus?.()), { required: true });
    } else {
      health.register('cardano', () => ({ status: 'disabled', details: { reason: 'OGMIOS_URL not set' } }), { required: false });
    }
  }
}

/** A chain follower's health: it runs on the leader only; a standby instance reports its role. */
function followerHealth(leader: boolean, status: FollowerStatus | undefined): HealthResult {
  if (!leader) return { status: 'up', details: { role: 'standby: another instance follows the chain' } };
  if (!status) return { status: 'down', error: 'follower not started' };
  return { status: status.connected ? 'up' : 'down', details: { ...status }, ...(status.lastError ? { error: status.lastError } : {}) };
}
