import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: workers, Temporal and PostgreSQL share them.
    maxWorkers: 2,
    // The Java time-skipping test server sometimes stops answering under heavy CPU load (seen
    // once or twice per full run on 2 cores, never on a rerun): a test that fails twice fails.
    retry: 1,
  },
});
