/**
 * The circuit breakers of the delivery path, one per destination origin, held per Services bag (one
 * per process). On AWS each Lambda instance keeps its own: a dead endpoint costs each instance up to
 * CIRCUIT_FAILURE_THRESHOLD attempts before it backs off, with no shared store in the hot path.
 */
import { CircuitBreakerRegistry } from '#domain/circuit-breaker';
import type { Services } from './services';

const registries = new WeakMap<Services, CircuitBreakerRegistry>();

/** The breakers of this process (created from the config on first use). */
export function endpointCircuits(services: Services): CircuitBreakerRegistry {
  let registry = registries.get(services);
  if (!registry) {
    registry = new CircuitBreakerRegistry(
      {
        failureThreshold: services.config.CIRCUIT_FAILURE_THRESHOLD,
        failureWindowMs: services.config.CIRCUIT_FAILURE_WINDOW_MS,
        cooldownMs: services.config.CIRCUIT_COOLDOWN_MS,
        // A probe always reports back unless the process dies (and its breakers with it); this is a backstop.
        probeTimeoutMs: services.config.DELIVERY_TIMEOUT_MS * 2,
      },
      services.clock,
    );
    registries.set(services, registry);
  }
  return registry;
}

/** The breaker key of a destination URL: its origin (scheme, host, port), as the sender pools them. */
export function destinationOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
