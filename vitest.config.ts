import { defineConfig } from 'vitest/config';

// Two cores: run test files two at a time in child processes. Tests talk to real
// services (Postgres, Redis, anvil, the Cardano devnet), so timeouts are generous;
// nothing asserts on timing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'contracts/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
