import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis with esbuild bundling and embedded stores take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: end-to-end tests start whole services; keep parallelism modest.
    maxWorkers: 2,
    // CI also writes a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.test-results.json' }]] : ['default'],
    env: {
      // The handlers log every event at INFO; tests that read logs raise the level themselves.
      POWERTOOLS_LOG_LEVEL: 'WARN',
      // Node 20 is a requirement of this project; the SDK's reminder would fill every test's output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
