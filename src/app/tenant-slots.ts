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
 * rules are those of the per-webhook slots: both are a SlotPool (src/app/slot-pool.ts) over the clock port.
 */
import type { TimerClock } from '#domain/ports';
import { SlotPool } from './slot-pool';

/** The answer to "may one more attempt of this tenant start?". */
export type TenantSlot =
  /** A slot is held; `release` it exactly once with the attempt's duration (undefined: no attempt was made). */
  | { isTaken: true; hasWaited: boolean; release: (durationMs: number | undefined) => void }
  /** Every slot of the tenant is taken by slow attempts; one is expected in about `expectedWaitMs`. */
  | { isTaken: false; expectedWaitMs: number };

/** In-memory slots per tenant. */
export class TenantSlots {
  readonly #pool: SlotPool;

  /** `maxInFlightPerTenant`: a whole number ≥ 1 (RangeError otherwise); `slotWaitMs`: the in-memory wait budget. */
  constructor(settings: { maxInFlightPerTenant: number; slotWaitMs: number }, clock: TimerClock) {
    if (!Number.isInteger(settings.maxInFlightPerTenant) || settings.maxInFlightPerTenant < 1)
      throw new RangeError('maxInFlightPerTenant must be a whole number of at least 1');
    this.#pool = new SlotPool(
      {
        maxInFlight: settings.maxInFlightPerTenant,
        slotWaitMs: settings.slotWaitMs,
        admitFastPastCap: true,
        refuseWhenStalled: true,
      },
      clock,
    );
  }

  /** Takes a slot of `tenantId`, waiting briefly only while one is expected soon. */
  async take(tenantId: string): Promise<TenantSlot> {
    const slot = await this.#pool.take(tenantId);
    if (!slot.isTaken) return slot;
    return { isTaken: true, hasWaited: slot.hasWaited, release: slot.release };
  }

  /** Tenants with attempts in flight or waiting (for tests and diagnostics). */
  get busyTenants(): number {
    return this.#pool.busyKeys;
  }
}
