import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Test tiers, each runnable alone (`npm run test:unit`, `test:integration`, `test:e2e`,
 * `test:browser`); `npm test` runs them all. A new test file lands in the tier of its folder:
 * unit tests touch no store, network, CDK synthesis or browser, and must stay under a minute in all.
 */
const BROWSER = ['test/**/*.browser.test.ts'];
const E2E = ['test/e2e/**/*.test.ts'];
/** Tests that start a whole local service through `test/support/local-service.ts`, though they sit beside unit tests. */
const SERVICE_TESTS_IN_APP = [
  'test/app/admin-api.test.ts',
  'test/app/admin-api.hardening.test.ts',
  'test/app/admin-api.property.test.ts',
  'test/app/redeliver-inactive.test.ts',
  'test/app/unreadable-tenant.test.ts',
];
/** Use-case tests against in-memory ports and loopback receivers: unit tests, but for the ones above. */
const APP_UNIT = readdirSync('test/app')
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `test/app/${file}`)
  .filter((file) => !SERVICE_TESTS_IN_APP.includes(file));
const UNIT = [
  'test/*.test.ts',
  'test/domain/**/*.test.ts',
  'test/composition/**/*.test.ts',
  ...APP_UNIT,
  'test/contracts/in-memory-ports.test.ts',
  'test/bench/cost-model.test.ts',
  'test/console/api-types.test.ts',
  'test/functions/commons/http/**/*.test.ts',
];

/**
 * `npm run test:deep`: the unit tier with every fast-check property run FAST_CHECK_RUNS_FACTOR times
 * as often (test/support/fast-check-deep.ts), and time for it.
 */
const deepRuns = Number(process.env.FAST_CHECK_RUNS_FACTOR ?? 0) > 1;

export default defineConfig({
  ...(deepRuns
    ? {
        resolve: {
          alias: [
            {
              find: /^fast-check$/,
              replacement: fileURLToPath(new URL('./test/support/fast-check-deep.ts', import.meta.url)),
            },
          ],
        },
      }
    : {}),
  test: {
    // Stores, whole services and CDK synthesis take seconds; the unit tier lowers this.
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
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          exclude: BROWSER,
          testTimeout: deepRuns ? 1_800_000 : 15_000,
          hookTimeout: 15_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...E2E, ...BROWSER],
        },
      },
      { extends: true, test: { name: 'e2e', include: E2E } },
      { extends: true, test: { name: 'browser', include: BROWSER } },
    ],
  },
});
