import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis with esbuild bundling and embedded stores take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: end-to-end tests start whole services; keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
