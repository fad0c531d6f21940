/**
 * fast-check with every property's runs multiplied by FAST_CHECK_RUNS_FACTOR (`npm run test:deep`):
 * the unit tier's properties searched many times deeper than CI searches them, to find the rare
 * counterexamples a CI run with a fresh seed would otherwise meet one day. vitest.config.ts points
 * `import fc from 'fast-check'` here only when the factor is set; the package itself is loaded with
 * Node's own `require`, which that alias does not touch.
 */
import { createRequire } from 'node:module';
import type * as FastCheck from 'fast-check';

const fastCheck = createRequire(import.meta.url)('fast-check') as typeof FastCheck;

const FACTOR = Math.max(1, Number(process.env.FAST_CHECK_RUNS_FACTOR ?? 1));
/** fast-check's own default, for properties that do not name their runs. */
const DEFAULT_RUNS = 100;

/**
 * `fc.assert` with `numRuns` multiplied by the factor. A property with a fixed `seed` keeps its runs:
 * its author pinned a sample of a statistical claim (an endpoint failing 30 % of the time at random
 * never trips the breaker), which more runs of the same stream would only test against its odds.
 */
const assert = ((property: never, parameters: { numRuns?: number; seed?: number } = {}) =>
  fastCheck.assert(property, {
    ...parameters,
    numRuns:
      parameters.seed === undefined
        ? Math.round((parameters.numRuns ?? DEFAULT_RUNS) * FACTOR)
        : (parameters.numRuns ?? DEFAULT_RUNS),
  })) as typeof FastCheck.assert;

export default { ...fastCheck, assert };
