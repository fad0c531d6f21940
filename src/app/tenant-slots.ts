/**
 * The per-tenant half of a process's delivery admission (docs/contract.md#isolation): at most
 * `maxInFlightPerTenant` attempts of one tenant in flight at once, over all its webhooks. The
 * per-webhook limit alone never binds for a tenant with many webhooks: 20 webhooks on a slow path
 * admit 20 × `maxInFlightPerWebhook` slow attempts, which hold every local poller (or every
 * attempt a process can run) while other tenants' deliveries wait in the queue behind them.
 *
 * It bites on slow tenants only. A tenant whose attempts are fast (they average under half the slot
 * wait, none in flight is older than that, and its slots keep freeing) is admitted past the cap: its attempts hold a poller for moments
 * only, and a burst to instant endpoints is never bounced. Otherwise a delivery over the cap waits in
 * memory for a tenant slot if one is expected within the slot wait and keeps waiting while the
 * tenant's slots keep freeing; it is refused and goes back to the queue when no slot is expected soon
 * or no slot of the tenant freed for a whole slot wait (at once if none freed already). The waiting
 * rules are those of the per-webhook slots (src/app/endpoint-circuits.ts).
 */
import { AttemptDurations } from './attempt-durations';

/** A waiter whose tenant keeps freeing slots may wait this many slot waits in all. */
const PROGRESS_WAIT_FACTOR = 4;
/**
 * A tenant whose attempts average less than this share of the slot wait, and whose slots keep freeing,
 * is fast: its attempts free their pollers in moments, so it is admitted past the cap (an instant
 * endpoint on a loaded machine can need more than the cap in flight to keep up with its burst).
 */
const FAST_SHARE_OF_SLOT_WAIT = 0.5;

/** The answer to "may one more attempt of this tenant start?". */
export type TenantSlot =
  /** A slot is held; `release` it exactly once with the attempt's duration (undefined: no attempt was made). */
  | { isTaken: true; hasWaited: boolean; release: (durationMs: number | undefined) => void }
  /** Every slot of the tenant is taken by slow attempts; one is expected in about `expectedWaitMs`. */
  | { isTaken: false; expectedWaitMs: number };

interface Waiter {
  resolve: (slot: TenantSlot) => void;
  timer?: NodeJS.Timeout;
  /** performance.now() when it started waiting. */
  since: number;
}

interface Slots {
  inFlight: number;
  /** performance.now() when each attempt in flight started, oldest first (insertion order). */
  started: Set<{ at: number }>;
  waiters: Waiter[];
  /** performance.now() when a slot last freed, or when the tenant's first attempt in flight started. */
  lastReleaseAt: number;
}

/** In-memory slots per tenant. */
export class TenantSlots {
  readonly #max: number;
  readonly #slotWaitMs: number;
  /** Tenants with attempts in flight or waiters; an idle one is forgotten so the map stays small. */
  readonly #slots = new Map<string, Slots>();
  /** Running average attempt duration per tenant, in ms: predicts how soon a slot frees. */
  readonly #durations = new AttemptDurations();

  /** `maxInFlightPerTenant`: a whole number ≥ 1 (RangeError otherwise); `slotWaitMs`: the in-memory wait budget. */
  constructor(settings: { maxInFlightPerTenant: number; slotWaitMs: number }) {
    if (!Number.isInteger(settings.maxInFlightPerTenant) || settings.maxInFlightPerTenant < 1)
      throw new RangeError('maxInFlightPerTenant must be a whole number of at least 1');
    this.#max = settings.maxInFlightPerTenant;
    this.#slotWaitMs = Math.max(0, settings.slotWaitMs);
  }

  /** Takes a slot of `tenantId`, waiting briefly only while one is expected soon. */
  async take(tenantId: string): Promise<TenantSlot> {
    let slots = this.#slots.get(tenantId);
    if (!slots) {
      slots = { inFlight: 0, started: new Set(), waiters: [], lastReleaseAt: performance.now() };
      this.#slots.set(tenantId, slots);
    }
    if (slots.inFlight < this.#max && slots.waiters.length === 0) return this.#take(tenantId, slots, false);
    if (this.#isFast(tenantId, slots)) return this.#take(tenantId, slots, false);
    const expectedWaitMs = this.#durations.expectedWaitMs(tenantId, slots.waiters.length + 1, this.#max);
    if (expectedWaitMs !== undefined && expectedWaitMs > this.#slotWaitMs) {
      return { isTaken: false, expectedWaitMs };
    }
    // No slot freed for a whole slot wait: the tenant's attempts are slow even before the first one
    // ended (no average yet), and a waiter would be refused anyway; refusing now frees the poller at
    // once, so a backlog of thousands is sent back to the queue in moments, not 0.5 s a batch.
    if (performance.now() - slots.lastReleaseAt >= this.#slotWaitMs) {
      return { isTaken: false, expectedWaitMs: expectedWaitMs ?? this.#slotWaitMs };
    }
    const queue = slots;
    return new Promise<TenantSlot>((resolve) => {
      const waiter: Waiter = { resolve, since: performance.now() };
      // Refused once no slot of the tenant freed for a whole slot wait (its attempts are slow), or once
      // it waited PROGRESS_WAIT_FACTOR slot waits in all.
      const check = (): void => {
        const now = performance.now();
        const sinceRelease = now - queue.lastReleaseAt;
        if (sinceRelease < this.#slotWaitMs && now - waiter.since < this.#slotWaitMs * PROGRESS_WAIT_FACTOR) {
          waiter.timer = setTimeout(check, this.#slotWaitMs - sinceRelease);
          return;
        }
        queue.waiters.splice(queue.waiters.indexOf(waiter), 1);
        this.#forgetIfIdle(tenantId, queue);
        resolve({
          isTaken: false,
          expectedWaitMs:
            this.#durations.expectedWaitMs(tenantId, queue.waiters.length + 1, this.#max) ?? this.#slotWaitMs,
        });
      };
      waiter.timer = setTimeout(check, this.#slotWaitMs);
      queue.waiters.push(waiter);
    });
  }

  /** Tenants with attempts in flight or waiting (for tests and diagnostics). */
  get busyTenants(): number {
    return this.#slots.size;
  }

  #take(tenantId: string, slots: Slots, hasWaited: boolean): TenantSlot {
    slots.inFlight += 1;
    const attempt = { at: performance.now() };
    slots.started.add(attempt);
    let isReleased = false;
    return {
      isTaken: true,
      hasWaited,
      release: (durationMs) => {
        if (isReleased) throw new Error('a tenant slot was released twice');
        isReleased = true;
        slots.inFlight -= 1;
        slots.started.delete(attempt);
        slots.lastReleaseAt = performance.now();
        if (durationMs !== undefined) this.#durations.note(tenantId, durationMs);
        this.#handOver(tenantId, slots);
      },
    };
  }

  /**
   * Whether the tenant's attempts are fast (see FAST_SHARE_OF_SLOT_WAIT): the cap does not bind then.
   * Its oldest attempt in flight must be young too, so a fast tenant whose endpoints stall is held to
   * the cap within a fraction of the slot wait, not only once its average catches up.
   */
  #isFast(tenantId: string, slots: Slots): boolean {
    const average = this.#durations.averageOf(tenantId);
    const fastMs = this.#slotWaitMs * FAST_SHARE_OF_SLOT_WAIT;
    const now = performance.now();
    const oldest = slots.started.values().next().value;
    return (
      average !== undefined &&
      average < fastMs &&
      now - slots.lastReleaseAt < this.#slotWaitMs &&
      (oldest === undefined || now - oldest.at < fastMs)
    );
  }

  /** Gives freed slots to waiters, oldest first (every waiter once the tenant proves fast). */
  #handOver(tenantId: string, slots: Slots): void {
    while ((slots.inFlight < this.#max || this.#isFast(tenantId, slots)) && slots.waiters.length > 0) {
      const waiter = slots.waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      waiter.resolve(this.#take(tenantId, slots, true));
    }
    this.#forgetIfIdle(tenantId, slots);
  }

  #forgetIfIdle(tenantId: string, slots: Slots): void {
    if (slots.inFlight === 0 && slots.waiters.length === 0 && this.#slots.get(tenantId) === slots) {
      this.#slots.delete(tenantId);
    }
  }
}
