/**
 * The migrations, in order. A static list (not a folder scan) so they bundle and run the same
 * from tsx, vitest or compiled output. Rules: never edit a migration that has shipped; add
 * `000N_<what>.ts` and list it here.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_webhooks.js';
import * as m0003 from './0003_event_stream.js';
import * as m0004 from './0004_leader_epoch.js';
import * as m0005 from './0005_order_trace_context.js';

export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_webhooks': m0002,
  '0003_event_stream': m0003,
  '0004_leader_epoch': m0004,
  '0005_order_trace_context': m0005,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
