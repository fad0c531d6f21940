/**
 * The Services of a Lambda execution environment: built on first use and reused by later
 * invocations (clients and caches live as long as the environment).
 */
import { loadConfig } from '#config';
import { metrics } from '#observability';
import type { Composition } from '../../src/composition';

let services: Promise<Composition> | undefined;

/**
 * The environment's Services; the first call also turns on metric publishing, which only Lambda wants.
 * The composition root is imported on first use so that importing a handler for its factory
 * (the local runtime, tests) does not load every AWS adapter.
 */
export function lambdaServices(): Promise<Composition> {
  services ??= import('../../src/composition')
    .then(({ createServices }) => {
      const created = createServices(loadConfig());
      metrics.setPublishing(true);
      return created;
    })
    .catch((error: unknown) => {
      // A failed start is retried by the next invocation instead of being cached for the environment's life.
      services = undefined;
      throw error;
    });
  return services;
}

/** Builds a handler once per environment, on its first invocation. */
export function lazyHandler<Event, Result, Context>(
  create: (services: Composition) => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handler: Promise<(event: Event, context: Context) => Promise<Result>> | undefined;
  return async (event, context) => {
    handler ??= lambdaServices().then(create, (error: unknown) => {
      handler = undefined;
      throw error;
    });
    return (await handler)(event, context);
  };
}
