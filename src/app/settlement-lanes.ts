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
 */

/**
 * Settlements of one tenant at once. A settlement's requests go mostly one after another (health
 * read, health write, then the log's update beside its index write): one or two sockets each, so 8
 * hold at most 16 of the client's 50, and a tenant's failure wave still settles 8 at a time.
 */
export const SETTLEMENTS_PER_TENANT = 8;
/** Settlements at once over all tenants: at most about 32 of the 50 sockets, the rest for reads and successes. */
export const SETTLEMENTS_IN_ALL = 16;

/** Ends a lane taken with `take`; call exactly once. */
export type LaneRelease = () => void;

export class SettlementLanes {
  readonly #perTenant: number;
  readonly #inAll: number;
  #running = 0;
  readonly #runningByTenant = new Map<string, number>();
  /** Waiters by tenant, in the order the tenants first waited (round robin). */
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(limits: { perTenant?: number; inAll?: number } = {}) {
    this.#perTenant = limits.perTenant ?? SETTLEMENTS_PER_TENANT;
    this.#inAll = limits.inAll ?? SETTLEMENTS_IN_ALL;
  }

  /** Resolves with a lane of `tenantId` once one is free. */
  async take(tenantId: string): Promise<LaneRelease> {
    if (!this.#mayRun(tenantId) || this.#waiting.size > 0) {
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(tenantId) ?? [];
        queue.push(resolve);
        this.#waiting.set(tenantId, queue);
        this.#dispatch();
      });
    } else {
      this.#start(tenantId);
    }
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.#running -= 1;
      const left = (this.#runningByTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#runningByTenant.set(tenantId, left);
      else this.#runningByTenant.delete(tenantId);
      this.#dispatch();
    };
  }

  /** Settlements running now (tests). */
  get running(): number {
    return this.#running;
  }

  #mayRun(tenantId: string): boolean {
    return this.#running < this.#inAll && (this.#runningByTenant.get(tenantId) ?? 0) < this.#perTenant;
  }

  #start(tenantId: string): void {
    this.#running += 1;
    this.#runningByTenant.set(tenantId, (this.#runningByTenant.get(tenantId) ?? 0) + 1);
  }

  /** Starts waiters while lanes are free, one tenant at a time in turn. */
  #dispatch(): void {
    let started = true;
    while (started && this.#running < this.#inAll) {
      started = false;
      for (const [tenantId, queue] of [...this.#waiting]) {
        if (!this.#mayRun(tenantId)) continue;
        const next = queue.shift();
        if (queue.length === 0) this.#waiting.delete(tenantId);
        else {
          // To the back of the turn: the next free lane goes to another tenant first.
          this.#waiting.delete(tenantId);
          this.#waiting.set(tenantId, queue);
        }
        if (!next) continue;
        this.#start(tenantId);
        next();
        started = true;
        break;
      }
    }
  }
}
