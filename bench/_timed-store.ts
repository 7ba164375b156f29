/**
 * A chain-state store that adds up the time spent in apply() (one transaction per batch), so a
 * monitor benchmark can tell the store's share from fetching and decoding.
 */
import type { ChainStateStore } from '../src/chains/ports.js';
import { ChainStateRepository } from '../src/store/chain-state-repo.js';

export function timedChainStore(repo: ChainStateRepository): { store: ChainStateStore; applyMs: () => number } {
  let total = 0;
  const store: ChainStateStore = Object.assign(Object.create(repo) as ChainStateRepository, {
    apply: async (batch: Parameters<ChainStateStore['apply']>[0]) => {
      const t = performance.now();
      try {
        return await repo.apply(batch);
      } finally {
        total += performance.now() - t;
      }
    },
  });
  return { store, applyMs: () => total };
}
