/**
 * Placeholders for the services a function never uses: each function builds only the adapters it
 * needs (so its bundle holds only those), while the use cases keep taking the full Services.
 */

/** A use case reached for a service its function does not build: a wiring mistake, not bad input. */
export class ServiceNotWiredError extends Error {
  readonly code = 'ERR_SERVICE_NOT_WIRED';
}

/** Stands in for `service` in `functionName`; any use throws a ServiceNotWiredError naming both. */
export function unwired<T extends object>(service: string, functionName: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Symbols and `then` are probed by inspection and `await`; answering them keeps logging and promises working.
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw new ServiceNotWiredError(
        `${service}.${property} is not available in the ${functionName} function: it does not build ${service}`,
      );
    },
  });
}
