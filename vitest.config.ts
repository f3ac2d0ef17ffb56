import { defineConfig } from 'vitest/config';

// Integration tests spawn real processes: generous timeouts, bounded parallelism (2-core CI).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
