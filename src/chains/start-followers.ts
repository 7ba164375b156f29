/**
 * Wiring of the chain followers for the composition root (main.ts calls it from the leader's
 * duties): one escrow follower per configured chain, started, with its stop and its status.
 * If one cannot start, those already started are stopped before the error is passed on.
 */
import type { Address } from 'viem';
import type { Registry } from 'prom-client';
import type { Bus } from '../bus/types.js';
import { cardanoEscrowFollower } from './cardano/escrow-follower.js';
import { evmEscrowFollower } from './evm/escrow-follower.js';
import type { ChainFollower, FollowerLogger, FollowerStatus } from './follower.js';
import type { ChainStateStore } from './ports.js';

export interface ChainFollowerSettings {
  /** null: no EVM node configured. */
  evm: {
    chainId: number;
    rpcUrl: string;
    wsUrl?: string | null;
    factory: string;
    startBlock: bigint;
    confirmations: number;
  } | null;
  /** null: no Ogmios configured. */
  cardano: {
    chain: string;
    ogmiosUrl: string;
    escrowScriptHash: string;
    networkId: 0 | 1;
    confirmations: number;
  } | null;
}

export interface ChainFollowerDeps {
  store: ChainStateStore;
  bus: Bus;
  registry: Registry;
  logger: FollowerLogger;
}

export interface StartedFollowers {
  /** Stopped in reverse order by the caller. */
  duties: { name: string; stop(): Promise<void> }[];
  /** Status getters (null when the chain is not configured); /health shows them. */
  evm: (() => FollowerStatus) | null;
  cardano: (() => FollowerStatus) | null;
}

export async function startChainFollowers(settings: ChainFollowerSettings, deps: ChainFollowerDeps): Promise<StartedFollowers> {
  const started: StartedFollowers = { duties: [], evm: null, cardano: null };
  const start = async (name: string, follower: Pick<ChainFollower, 'start' | 'stop' | 'status'>) => {
    await follower.start();
    started.duties.push({ name, stop: () => follower.stop() });
    return () => follower.status();
  };
  try {
    const { evm, cardano } = settings;
    if (evm) {
      const follower = evmEscrowFollower({
        chainId: evm.chainId,
        rpcUrl: evm.rpcUrl,
        wsUrl: evm.wsUrl ?? undefined,
        factory: evm.factory as Address,
        startBlock: evm.startBlock,
        confirmations: evm.confirmations,
        ...deps,
      });
      started.evm = await start('evm-follower', follower);
    }
    if (cardano) {
      const follower = cardanoEscrowFollower({
        chain: cardano.chain,
        ogmios: { url: cardano.ogmiosUrl },
        escrowScriptHash: cardano.escrowScriptHash,
        networkId: cardano.networkId,
        confirmations: cardano.confirmations,
        ...deps,
      });
      started.cardano = await start('cardano-follower', follower);
    }
    return started;
  } catch (err) {
    for (const d of started.duties.reverse()) await d.stop().catch(() => undefined);
    throw err;
  }
}
