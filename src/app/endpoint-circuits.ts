/**
 * The delivery admission of one process (docs/contract.md#isolation): per webhook, at most
 * `maxInFlightPerWebhook` attempts in flight and a circuit breaker fed by that webhook's own
 * attempts only; per tenant, at most `maxInFlightPerTenant` attempts in flight over all its
 * webhooks, biting on slow tenants only (src/app/tenant-slots.ts), so a tenant with many slow webhooks
 * cannot take the whole process either. Built once by the composition root; on AWS each Lambda environment holds its own
 * (locally each delivery thread), so a dead endpoint costs each environment up to
 * the circuit's `failureThreshold` failed attempts before it backs off, with no shared store in the hot path.
 *
 * When every slot of a webhook is taken, a delivery may wait for one in memory only if a slot is
 * expected within a short budget (a fast endpoint under a burst: its deliveries then go out in
 * milliseconds, not a queue round trip later). Otherwise it is refused at once and goes back to the
 * queue, and so is a waiter once its webhook freed no slot for that budget (the endpoint stalls) or
 * it waited a few budgets in all. The slots of webhooks and of tenants (and the settlement lanes) are
 * one primitive, a SlotPool over the clock port (src/app/slot-pool.ts), so tests drive their waits
 * with a manual clock.
 */

import { CircuitBreakerRegistry, type FailureEvidence } from '#domain/circuit-breaker';
import type {
  Admission,
  AdmissionLease,
  AdmissionLimits,
  AdmitOptions,
  DeliveryAdmission,
  EndpointVerdict,
} from '#domain/delivery-admission';
import type { TimerClock } from '#domain/ports';
import { type PoolSlot, SlotPool } from './slot-pool';
import { TenantSlots } from './tenant-slots';

/**
 * How long a delivery waits in memory for a slot of its webhook while no slot of that webhook frees;
 * a webhook whose slots keep freeing (a fast endpoint under a burst) keeps its waiters up to four
 * times as long (src/app/slot-pool.ts). Then the delivery goes back to the queue.
 */
export const DEFAULT_SLOT_WAIT_MS = 500;

/** Slots and circuits per webhook, in memory. */
export class InProcessDeliveryAdmission implements DeliveryAdmission {
  readonly #circuits: CircuitBreakerRegistry;
  readonly #cooldownMs: number;
  readonly #clock: TimerClock;
  /** Per-webhook slots (the wait rules: src/app/slot-pool.ts). */
  readonly #webhooks: SlotPool;
  /** Per-tenant slots; absent without `maxInFlightPerTenant` (no tenant limit). */
  readonly #tenants: TenantSlots | undefined;

  /**
   * `maxInFlightPerWebhook` and `maxInFlightPerTenant`: whole numbers ≥ 1 (RangeError otherwise);
   * without `maxInFlightPerTenant` a tenant is limited only through its webhooks.
   */
  constructor(settings: AdmissionLimits & { slotWaitMs?: number }, clock: TimerClock) {
    if (!Number.isInteger(settings.maxInFlightPerWebhook) || settings.maxInFlightPerWebhook < 1)
      throw new RangeError('maxInFlightPerWebhook must be a whole number of at least 1');
    const slotWaitMs = Math.max(0, settings.slotWaitMs ?? DEFAULT_SLOT_WAIT_MS);
    this.#clock = clock;
    this.#webhooks = new SlotPool({ maxInFlight: settings.maxInFlightPerWebhook, slotWaitMs }, clock);
    this.#circuits = new CircuitBreakerRegistry(settings.circuit, clock);
    this.#cooldownMs = settings.circuit.cooldownMs;
    this.#tenants =
      settings.maxInFlightPerTenant === undefined
        ? undefined
        : new TenantSlots({ maxInFlightPerTenant: settings.maxInFlightPerTenant, slotWaitMs }, clock);
  }

  /**
   * A slot of the webhook's tenant first (a tenant's slot is never held while its webhook's circuit is
   * open), then one of the webhook; a refusal of either holds nothing.
   */
  async admit(webhookKey: string, options: AdmitOptions = {}): Promise<Admission> {
    const tenantId = tenantOfKey(webhookKey);
    const isThrough = options.throughOpenCircuit === true;
    if (!this.#tenants || tenantId === undefined) return this.#admitToWebhook(webhookKey, isThrough);
    const retryAt = isThrough ? undefined : this.#circuits.retryAt(webhookKey);
    if (retryAt) return this.#circuitRefusal(webhookKey, retryAt);
    const tenantSlot = await this.#tenants.take(tenantId);
    if (!tenantSlot.isTaken) {
      return { isAdmitted: false, reason: 'slots-busy', expectedWaitMs: tenantSlot.expectedWaitMs };
    }
    const admission = await this.#admitToWebhook(webhookKey, isThrough);
    if (!admission.isAdmitted) {
      tenantSlot.release(undefined);
      return admission;
    }
    const startedAt = this.#nowMs();
    return {
      isAdmitted: true,
      hasWaited: admission.hasWaited || tenantSlot.hasWaited,
      lease: {
        release: (verdict, evidence) => {
          const change = admission.lease.release(verdict, evidence);
          tenantSlot.release(verdict === 'unknown' ? undefined : this.#nowMs() - startedAt);
          return change;
        },
      },
    };
  }

  /** Tenants with attempts in flight or waiting (for tests and diagnostics). */
  get busyTenants(): number {
    return this.#tenants?.busyTenants ?? 0;
  }

  /** Webhooks with attempts in flight or waiting (for tests and diagnostics). */
  get busyWebhooks(): number {
    return this.#webhooks.busyKeys;
  }

  async #admitToWebhook(webhookKey: string, isThrough: boolean): Promise<Admission> {
    // An open circuit answers at once, without waiting for a slot.
    const retryAt = isThrough ? undefined : this.#circuits.retryAt(webhookKey);
    if (retryAt) return this.#circuitRefusal(webhookKey, retryAt);
    const slot = await this.#webhooks.take(webhookKey);
    if (!slot.isTaken)
      return { isAdmitted: false, reason: 'slots-busy', expectedWaitMs: slot.expectedWaitMs };
    if (isThrough)
      return { isAdmitted: true, lease: this.#lease(webhookKey, slot), hasWaited: slot.hasWaited };
    // The circuit may have opened (or its probe gone out) while this delivery waited for the slot.
    const permit = this.#circuits.get(webhookKey).tryAcquire();
    if (!permit.isAllowed) {
      slot.cancel();
      return this.#circuitRefusal(webhookKey, permit.retryAt);
    }
    return { isAdmitted: true, lease: this.#lease(webhookKey, slot), hasWaited: slot.hasWaited };
  }

  /** A refusal by the webhook's circuit, with the latest failed request it remembers. */
  #circuitRefusal(webhookKey: string, retryAt: Date): Admission {
    const lastFailure = this.#circuits.lastFailure(webhookKey);
    return {
      isAdmitted: false,
      reason: 'circuit-open',
      retryAt,
      cooldownMs: this.#cooldownMs,
      ...(lastFailure ? { lastFailure } : {}),
    };
  }

  #lease(webhookKey: string, slot: Extract<PoolSlot, { isTaken: true }>): AdmissionLease {
    const startedAt = this.#nowMs();
    let isReleased = false;
    return {
      release: (verdict: EndpointVerdict, evidence?: Omit<FailureEvidence, 'at'>) => {
        if (isReleased) throw new Error('an admission lease was released twice');
        isReleased = true;
        let change: ReturnType<AdmissionLease['release']>;
        if (verdict === 'unknown') {
          const before = this.#circuits.stateOf(webhookKey);
          change = { before, after: this.#circuits.release(webhookKey) };
        } else {
          change = this.#circuits.recordOutcome(webhookKey, verdict === 'down', evidence);
        }
        // After the circuit has the verdict, so a waiter handed this slot sees the circuit as it is now.
        slot.release(verdict === 'unknown' ? undefined : this.#nowMs() - startedAt);
        return change;
      },
    };
  }

  #nowMs(): number {
    return this.#clock.now().getTime();
  }
}

/** Builds a process's admission from the delivery policy's limits. */
export function createDeliveryAdmission(
  limits: AdmissionLimits,
  clock: TimerClock,
  options: { slotWaitMs?: number } = {},
): InProcessDeliveryAdmission {
  return new InProcessDeliveryAdmission(
    { ...limits, ...(options.slotWaitMs === undefined ? {} : { slotWaitMs: options.slotWaitMs }) },
    clock,
  );
}

/** The tenant of an admission key (everything before its last `/`); undefined for a key without one. */
function tenantOfKey(webhookKey: string): string | undefined {
  const slash = webhookKey.lastIndexOf('/');
  return slash > 0 ? webhookKey.slice(0, slash) : undefined;
}

/** The admission key of a webhook: tenant and id, so no two webhooks share slots or a circuit. */
export function webhookKeyOf(tenantId: string, webhookId: string): string {
  return `${tenantId}/${webhookId}`;
}
