/**
 * The Services of a Lambda execution environment: built on first use and reused by later
 * invocations (clients and caches live as long as the environment).
 */
import type { Services } from '#app/services';
import { loadConfig } from '#config';
import { metrics } from '#observability';
import { createServices } from '../../src/composition';

let services: Services | undefined;

/** The environment's Services; the first call also turns on metric publishing, which only Lambda wants. */
export function lambdaServices(): Services {
  if (!services) {
    services = createServices(loadConfig());
    metrics.setPublishing(true);
  }
  return services;
}

/** Builds a handler once per environment, on its first invocation (not at import, so tests can import freely). */
export function lazyHandler<Event, Result, Context>(
  create: (services: Services) => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handler: ((event: Event, context: Context) => Promise<Result>) | undefined;
  return (event, context) => {
    handler ??= create(lambdaServices());
    return handler(event, context);
  };
}
