import { defineConfig } from 'vitest/config';

// `npm run test:containers`: the real container cluster (test/containers/), one file at a time, with
// room for a cold image build (debootstrap + docker build) in beforeAll. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/containers/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
