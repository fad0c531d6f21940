/**
 * The Services of a Lambda execution environment: built on first use and reused by later
 * invocations (clients and caches live as long as the environment).
 */
import { type Config, loadConfig } from '#config';
import { metrics } from '#observability';

/** Loads a function's services builder (a dynamic import, so importing a handler for its factory builds nothing). */
export type ServicesLoader<S> = () => Promise<(config: Config) => S>;

/**
 * Builds a handler once per environment, on its first invocation, over the services its own builder
 * composes; the first build also turns on metric publishing, which only Lambda wants.
 */
export function lazyHandler<S, Event, Result, Context>(
  loadServices: ServicesLoader<S>,
  create: (services: S) => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handler: Promise<(event: Event, context: Context) => Promise<Result>> | undefined;
  return async (event, context) => {
    handler ??= loadServices()
      .then((build) => {
        const services = build(loadConfig());
        metrics.setPublishing(true);
        return create(services);
      })
      .catch((error: unknown) => {
        // A failed start is retried by the next invocation instead of being cached for the environment's life.
        handler = undefined;
        throw error;
      });
    return (await handler)(event, context);
  };
}
