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
 * it waited a few budgets in all: a slow endpoint's backlog never holds the pollers or invocations
 * other webhooks need, while a fast one's burst is not bounced because the machine is busy.
 */

import { CircuitBreakerRegistry, type FailureEvidence } from '#domain/circuit-breaker';
import type {
  Admission,
  AdmissionLease,
  AdmissionLimits,
  DeliveryAdmission,
  EndpointVerdict,
} from '#domain/delivery-admission';
import type { Clock } from '#domain/ports';
import { AttemptDurations } from './attempt-durations';
import { TenantSlots } from './tenant-slots';

/**
 * How long a delivery waits in memory for a slot of its webhook while no slot of that webhook frees;
 * a webhook whose slots keep freeing (a fast endpoint under a burst) keeps its waiters up to
 * PROGRESS_WAIT_FACTOR times as long. Then the delivery goes back to the queue.
 */
export const DEFAULT_SLOT_WAIT_MS = 500;
/**
 * A waiter whose webhook keeps freeing slots may wait this many slot waits in all (2 s by default):
 * on a loaded machine a fast endpoint's slots turn over later than its average predicts, and sending
 * such a delivery back to the queue costs it 1 s or more and an SQS request, for nothing.
 */
const PROGRESS_WAIT_FACTOR = 4;

interface Waiter {
  resolve: (admission: Admission) => void;
  timer?: NodeJS.Timeout;
  /** performance.now() when it started waiting. */
  since: number;
}

interface WebhookSlots {
  inFlight: number;
  waiters: Waiter[];
  /** performance.now() when a slot last freed (-Infinity before any did). */
  lastReleaseAt: number;
}

/** Slots and circuits per webhook, in memory. */
export class InProcessDeliveryAdmission implements DeliveryAdmission {
  readonly #circuits: CircuitBreakerRegistry;
  readonly #cooldownMs: number;
  readonly #maxInFlight: number;
  readonly #slotWaitMs: number;
  /** Webhooks with attempts in flight or waiters; one with neither is forgotten so the map stays small. */
  readonly #slots = new Map<string, WebhookSlots>();
  /** Running average attempt duration per webhook, in ms: predicts how soon a slot frees. */
  readonly #durations = new AttemptDurations();
  /** Per-tenant slots; absent without `maxInFlightPerTenant` (no tenant limit). */
  readonly #tenants: TenantSlots | undefined;

  /**
   * `maxInFlightPerWebhook` and `maxInFlightPerTenant`: whole numbers ≥ 1 (RangeError otherwise);
   * without `maxInFlightPerTenant` a tenant is limited only through its webhooks.
   */
  constructor(settings: AdmissionLimits & { slotWaitMs?: number }, clock: Clock) {
    if (!Number.isInteger(settings.maxInFlightPerWebhook) || settings.maxInFlightPerWebhook < 1)
      throw new RangeError('maxInFlightPerWebhook must be a whole number of at least 1');
    this.#maxInFlight = settings.maxInFlightPerWebhook;
    this.#slotWaitMs = Math.max(0, settings.slotWaitMs ?? DEFAULT_SLOT_WAIT_MS);
    this.#circuits = new CircuitBreakerRegistry(settings.circuit, clock);
    this.#cooldownMs = settings.circuit.cooldownMs;
    this.#tenants =
      settings.maxInFlightPerTenant === undefined
        ? undefined
        : new TenantSlots({
            maxInFlightPerTenant: settings.maxInFlightPerTenant,
            slotWaitMs: this.#slotWaitMs,
          });
  }

  /**
   * A slot of the webhook's tenant first (a tenant's slot is never held while its webhook's circuit is
   * open), then one of the webhook; a refusal of either holds nothing.
   */
  async admit(webhookKey: string): Promise<Admission> {
    const tenantId = tenantOfKey(webhookKey);
    if (!this.#tenants || tenantId === undefined) return this.#admitToWebhook(webhookKey);
    const retryAt = this.#circuits.retryAt(webhookKey);
    if (retryAt) return this.#circuitRefusal(webhookKey, retryAt);
    const tenantSlot = await this.#tenants.take(tenantId);
    if (!tenantSlot.isTaken) {
      return { isAdmitted: false, reason: 'slots-busy', expectedWaitMs: tenantSlot.expectedWaitMs };
    }
    const admission = await this.#admitToWebhook(webhookKey);
    if (!admission.isAdmitted) {
      tenantSlot.release(undefined);
      return admission;
    }
    const startedAt = performance.now();
    return {
      isAdmitted: true,
      hasWaited: admission.hasWaited || tenantSlot.hasWaited,
      lease: {
        release: (verdict, evidence) => {
          const change = admission.lease.release(verdict, evidence);
          tenantSlot.release(verdict === 'unknown' ? undefined : performance.now() - startedAt);
          return change;
        },
      },
    };
  }

  /** Tenants with attempts in flight or waiting (for tests and diagnostics). */
  get busyTenants(): number {
    return this.#tenants?.busyTenants ?? 0;
  }

  async #admitToWebhook(webhookKey: string): Promise<Admission> {
    let slots = this.#slots.get(webhookKey);
    if (!slots) {
      slots = { inFlight: 0, waiters: [], lastReleaseAt: Number.NEGATIVE_INFINITY };
      this.#slots.set(webhookKey, slots);
    }
    if (slots.inFlight < this.#maxInFlight && slots.waiters.length === 0) {
      return this.#take(webhookKey, slots, false);
    }
    // Check the circuit first: an open circuit answers at once, without waiting for a slot.
    const retryAt = this.#circuits.retryAt(webhookKey);
    if (retryAt) return this.#circuitRefusal(webhookKey, retryAt);
    const expectedWaitMs = this.#durations.expectedWaitMs(
      webhookKey,
      slots.waiters.length + 1,
      this.#maxInFlight,
    );
    if (expectedWaitMs !== undefined && expectedWaitMs > this.#slotWaitMs) {
      return { isAdmitted: false, reason: 'slots-busy', expectedWaitMs };
    }
    const queue = slots;
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = { resolve, since: performance.now() };
      // Refused once no slot of the webhook freed for a whole slot wait (its endpoint stalls), or once
      // it waited PROGRESS_WAIT_FACTOR slot waits in all (its backlog is longer than predicted).
      const check = (): void => {
        const now = performance.now();
        const sinceRelease = now - queue.lastReleaseAt;
        if (sinceRelease < this.#slotWaitMs && now - waiter.since < this.#slotWaitMs * PROGRESS_WAIT_FACTOR) {
          waiter.timer = setTimeout(check, this.#slotWaitMs - sinceRelease);
          return;
        }
        queue.waiters.splice(queue.waiters.indexOf(waiter), 1);
        this.#forgetIfIdle(webhookKey, queue);
        resolve({
          isAdmitted: false,
          reason: 'slots-busy',
          expectedWaitMs:
            this.#durations.expectedWaitMs(webhookKey, queue.waiters.length + 1, this.#maxInFlight) ??
            this.#slotWaitMs,
        });
      };
      waiter.timer = setTimeout(check, this.#slotWaitMs);
      queue.waiters.push(waiter);
    });
  }

  /** Webhooks with attempts in flight or waiting (for tests and diagnostics). */
  get busyWebhooks(): number {
    return this.#slots.size;
  }

  /** Takes a free slot if the circuit lets the attempt through. */
  #take(webhookKey: string, slots: WebhookSlots, hasWaited: boolean): Admission {
    const permit = this.#circuits.get(webhookKey).tryAcquire();
    if (!permit.isAllowed) {
      this.#forgetIfIdle(webhookKey, slots);
      return this.#circuitRefusal(webhookKey, permit.retryAt);
    }
    slots.inFlight += 1;
    return { isAdmitted: true, lease: this.#lease(webhookKey, slots), hasWaited };
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

  #lease(webhookKey: string, slots: WebhookSlots): AdmissionLease {
    const startedAt = performance.now();
    let isReleased = false;
    return {
      release: (verdict: EndpointVerdict, evidence?: Omit<FailureEvidence, 'at'>) => {
        if (isReleased) throw new Error('an admission lease was released twice');
        isReleased = true;
        slots.inFlight -= 1;
        slots.lastReleaseAt = performance.now();
        let change: ReturnType<AdmissionLease['release']>;
        if (verdict === 'unknown') {
          const before = this.#circuits.stateOf(webhookKey);
          change = { before, after: this.#circuits.release(webhookKey) };
        } else {
          this.#durations.note(webhookKey, performance.now() - startedAt);
          change = this.#circuits.recordOutcome(webhookKey, verdict === 'down', evidence);
        }
        this.#handOver(webhookKey, slots);
        return change;
      },
    };
  }

  /** Gives freed slots to waiters, oldest first. */
  #handOver(webhookKey: string, slots: WebhookSlots): void {
    while (slots.inFlight < this.#maxInFlight && slots.waiters.length > 0) {
      const waiter = slots.waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      waiter.resolve(this.#take(webhookKey, slots, true));
    }
    this.#forgetIfIdle(webhookKey, slots);
  }

  #forgetIfIdle(webhookKey: string, slots: WebhookSlots): void {
    if (slots.inFlight === 0 && slots.waiters.length === 0 && this.#slots.get(webhookKey) === slots) {
      this.#slots.delete(webhookKey);
    }
  }
}

/** Builds a process's admission from the delivery policy's limits. */
export function createDeliveryAdmission(
  limits: AdmissionLimits,
  clock: Clock,
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
