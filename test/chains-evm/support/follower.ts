/**
 * Wires an EVM escrow follower the way main.ts does — real anvil, real store (Postgres, a database per
 * harness; or embedded PGlite), in-process bus — and records every published update.
 */
import { Registry } from 'prom-client';
import type { Address } from 'viem';
import { InProcessBus } from '../../../src/bus/in-process.js';
import type { ChainEventUpdate } from '../../../src/chains/events.js';
import { evmEscrowFollower, type EvmEscrowFollowerOptions } from '../../../src/chains/evm/escrow-follower.js';
import type { ChainFollower } from '../../../src/chains/follower.js';
import { ChainStateRepository } from '../../../src/store/chain-state-repo.js';
import { withPglite, withPostgres } from '../../support/db.js';

export interface Harness {
  store: ChainStateRepository;
  bus: InProcessBus;
  published: ChainEventUpdate[];
  registry: Registry;
  follower(overrides: Partial<EvmEscrowFollowerOptions> & { rpcUrl: string; factory: Address }): ChainFollower;
  /** Statuses published for one event id, in order. */
  historyOf(id: string): string[];
  close(): Promise<void>;
}

export async function startHarness(engine: 'postgres' | 'pglite' = 'postgres'): Promise<Harness> {
  const db = engine === 'postgres' ? await withPostgres() : await withPglite();
  const dispose = 'drop' in db ? db.drop : db.close;
  const store = new ChainStateRepository(db.database.db);
  const bus = new InProcessBus();
  const published: ChainEventUpdate[] = [];
  bus.subscribe('chain', (u) => published.push(u));
  const registry = new Registry();
  const followers: ChainFollower[] = [];
  return {
    store,
    bus,
    published,
    registry,
    follower(o) {
      const m = evmEscrowFollower({
        chainId: 31337,
        startBlock: 0n,
        confirmations: 1,
        store,
        bus,
        registry,
        pollIntervalMs: 50,
        minBackoffMs: 50,
        maxBackoffMs: 400,
        rpcTimeoutMs: 3_000,
        ...o,
      });
      followers.push(m as ChainFollower);
      return m;
    },
    historyOf: (id) => published.filter((u) => u.event.id === id).map((u) => u.status),
    async close() {
      await Promise.all(followers.map((m) => m.stop()));
      await bus.stop();
      await dispose();
    },
  };
}
