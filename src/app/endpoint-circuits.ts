/**
 * The delivery admission of one process (SPEC section 6.2): per webhook, at most
 * MAX_CONCURRENCY_PER_ENDPOINT attempts in flight and a circuit breaker fed by that webhook's own
 * attempts only. Built once by the composition root; on AWS each Lambda environment holds its own
 * (locally each delivery thread), so a dead endpoint costs each environment up to
 * CIRCUIT_FAILURE_THRESHOLD attempts before it backs off, with no shared store in the hot path.
 */
import { CircuitBreakerRegistry, type CircuitBreakerSettings } from '#domain/circuit-breaker';
import type { Admission, DeliveryAdmission, EndpointVerdict } from '#domain/delivery-admission';
import type { Clock } from '#domain/ports';

/** Slots and circuits per webhook, in memory. */
export class InProcessDeliveryAdmission implements DeliveryAdmission {
  readonly #circuits: CircuitBreakerRegistry;
  readonly #maxInFlight: number;
  /** Attempts in flight per webhook; a webhook with none is forgotten so the map stays small. */
  readonly #inFlight = new Map<string, number>();

  constructor(settings: { maxInFlightPerWebhook: number; circuit: CircuitBreakerSettings }, clock: Clock) {
    if (!Number.isInteger(settings.maxInFlightPerWebhook) || settings.maxInFlightPerWebhook < 1)
      throw new RangeError('maxInFlightPerWebhook must be a whole number of at least 1');
    this.#maxInFlight = settings.maxInFlightPerWebhook;
    this.#circuits = new CircuitBreakerRegistry(settings.circuit, clock);
  }

  admit(webhookKey: string): Admission {
    const inFlight = this.#inFlight.get(webhookKey) ?? 0;
    if (inFlight >= this.#maxInFlight) return { isAdmitted: false, reason: 'slots-busy' };
    const permit = this.#circuits.get(webhookKey).tryAcquire();
    if (!permit.isAllowed) return { isAdmitted: false, reason: 'circuit-open', retryAt: permit.retryAt };
    this.#inFlight.set(webhookKey, inFlight + 1);
    let isReleased = false;
    return {
      isAdmitted: true,
      lease: {
        release: (verdict: EndpointVerdict) => {
          if (isReleased) throw new Error('an admission lease was released twice');
          isReleased = true;
          const left = (this.#inFlight.get(webhookKey) ?? 1) - 1;
          if (left > 0) this.#inFlight.set(webhookKey, left);
          else this.#inFlight.delete(webhookKey);
          if (verdict === 'unknown') {
            const before = this.#circuits.stateOf(webhookKey);
            return { before, after: this.#circuits.release(webhookKey) };
          }
          return this.#circuits.recordOutcome(webhookKey, verdict === 'down');
        },
      },
    };
  }

  /** Webhooks with attempts in flight (for tests and diagnostics). */
  get busyWebhooks(): number {
    return this.#inFlight.size;
  }
}

/** Builds a process's admission from the configuration. */
export function createDeliveryAdmission(
  config: {
    MAX_CONCURRENCY_PER_ENDPOINT: number;
    CIRCUIT_FAILURE_THRESHOLD: number;
    CIRCUIT_FAILURE_WINDOW_MS: number;
    CIRCUIT_COOLDOWN_MS: number;
    DELIVERY_TIMEOUT_MS: number;
  },
  clock: Clock,
): InProcessDeliveryAdmission {
  return new InProcessDeliveryAdmission(
    {
      maxInFlightPerWebhook: config.MAX_CONCURRENCY_PER_ENDPOINT,
      circuit: {
        failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
        failureWindowMs: config.CIRCUIT_FAILURE_WINDOW_MS,
        cooldownMs: config.CIRCUIT_COOLDOWN_MS,
        // A probe always reports back unless the process dies (and its breakers with it); this is a backstop.
        probeTimeoutMs: config.DELIVERY_TIMEOUT_MS * 2,
      },
    },
    clock,
  );
}

/** The admission key of a webhook: tenant and id, so no two webhooks share slots or a circuit. */
export function webhookKeyOf(tenantId: string, webhookId: string): string {
  return `${tenantId}/${webhookId}`;
}
