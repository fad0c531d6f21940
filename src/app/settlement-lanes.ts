/**
 * Lanes for the store work that follows a failed attempt (docs/contract.md#isolation, #fair-share):
 * its health update, its delivery-log record and their reads, about four store requests each. A
 * tenant whose many webhooks hang has all its attempts time out at the same moment (96 at once under
 * the default tenant cap), and their settling asked the store for hundreds of requests at once: the
 * SDK client's 50 sockets were taken and every other tenant's reads and writes queued behind them
 * (a tester saw 568 requests queued and another tenant's p50 go from 108 ms to 3.1 s).
 *
 * So at most PER_TENANT settlements of one tenant run at once, and at most IN_ALL in all, served
 * round robin between tenants: one tenant's failure wave uses a bounded share of the client's pool,
 * a second failing tenant gets its turn beside it, and deliveries that succeed never wait here. A
 * settlement that waits holds only memory: its attempt is over and its slot released, and its
 * message stays hidden (the event source's heartbeat, Lambda's timeout) until it is settled.
 *
 * The lanes are the delivery path's one slot primitive (src/app/slot-pool.ts, over the clock port):
 * slots per tenant, a cap over all tenants with its freed slots handed round robin, and a wait that
 * lasts until a lane frees (never refused, no timer).
 */

import type { TimerClock } from '#domain/ports';
import { SlotPool } from './slot-pool';

/**
 * Settlements of one tenant at once. A settlement's requests go mostly one after another (health
 * read, health write, then the log's update beside its index write): one or two sockets each, so 8
 * hold at most 16 of the client's 50, and a tenant's failure wave still settles 8 at a time.
 */
export const SETTLEMENTS_PER_TENANT = 8;
/** Settlements at once over all tenants: at most about 32 of the 50 sockets, the rest for reads and successes. */
export const SETTLEMENTS_IN_ALL = 16;

/** Ends a lane taken with `take`; call exactly once (a second call does nothing). */
export type LaneRelease = () => void;

export class SettlementLanes {
  readonly #pool: SlotPool;

  /** `perTenant`, `inAll`: whole numbers ≥ 1 (RangeError otherwise); SETTLEMENTS_PER_TENANT and SETTLEMENTS_IN_ALL by default. */
  constructor(limits: { perTenant?: number; inAll?: number }, clock: TimerClock) {
    this.#pool = new SlotPool(
      {
        maxInFlight: limits.perTenant ?? SETTLEMENTS_PER_TENANT,
        maxInFlightInAll: limits.inAll ?? SETTLEMENTS_IN_ALL,
        slotWaitMs: Number.POSITIVE_INFINITY,
      },
      clock,
    );
  }

  /** Resolves with a lane of `tenantId` once one is free. */
  async take(tenantId: string): Promise<LaneRelease> {
    const slot = await this.#pool.take(tenantId);
    // Never refused: the pool waits without bound.
    if (!slot.isTaken) throw new Error('a settlement lane was refused');
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      // Settling tells nothing about how fast the tenant's endpoints are.
      slot.release(undefined);
    };
  }

  /** Settlements running now (tests). */
  get running(): number {
    return this.#pool.inFlight;
  }
}
