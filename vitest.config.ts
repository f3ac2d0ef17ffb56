import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests spawn real processes: generous timeouts, bounded parallelism (2-core CI).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the real container cluster has its own run: npm run test:containers (vitest.containers.config.ts)
    exclude: [...configDefaults.exclude, 'test/containers/**'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
