/**
 * Per-tenant token buckets for the routes that make the service send (`/test`, `/redeliver`,
 * `/recover`). One per process: on AWS each api Lambda environment keeps its own buckets, so a
 * tenant's ceiling is the rule times the environments serving it (concurrency is small for an admin
 * API; a store-backed counter would make it exact at one write per call). Memory: one small entry per
 * (tenant, action) seen within the last refill period, swept as they fill up again.
 */
import { RateLimitedError } from '#domain/errors';
import type { Clock } from '#domain/ports';
import {
  DEFAULT_TENANT_LIMITS,
  type RateLimitedAction,
  type RateRule,
  type TenantLimits,
} from '#domain/tenant-limits';

interface Bucket {
  tokens: number;
  at: number;
}

/** Counts calls per key against a RateRule; `take` throws RateLimitedError past it. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly rules: Readonly<Record<RateLimitedAction, RateRule>>,
    private readonly clock: Clock,
  ) {}

  /** Takes one token of `tenantId`'s `action` bucket, or throws RateLimitedError with the wait in seconds. */
  take(tenantId: string, action: RateLimitedAction): void {
    const rule = this.rules[action];
    const now = this.clock.now().getTime();
    const key = `${action}\u0000${tenantId}`;
    const bucket = this.#buckets.get(key) ?? { tokens: rule.burst, at: now };
    const refilled = Math.min(rule.burst, bucket.tokens + (now - bucket.at) / (rule.refillSeconds * 1000));
    if (refilled < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - refilled) * rule.refillSeconds));
      this.#buckets.set(key, { tokens: refilled, at: now });
      throw new RateLimitedError(
        `Too many ${action === 'recover' ? 'recover' : 'send (test, redeliver)'} requests for this tenant: at most ${rule.burst} at once, then one every ${rule.refillSeconds} s`,
        retryAfterSeconds,
      );
    }
    this.#buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.#buckets.size > 10_000) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      const action = key.slice(0, key.indexOf('\u0000')) as RateLimitedAction;
      const rule = this.rules[action];
      if (bucket.tokens + (now - bucket.at) / (rule.refillSeconds * 1000) >= rule.burst)
        this.#buckets.delete(key);
    }
  }
}

const limiters = new WeakMap<object, RateLimiter>();

/** The process's limiter for `services` (built on first use, as the services are once per process). */
export function rateLimiterOf(services: { limits?: TenantLimits; clock: Clock }): RateLimiter {
  let limiter = limiters.get(services);
  if (!limiter) {
    limiter = new RateLimiter((services.limits ?? DEFAULT_TENANT_LIMITS).rates, services.clock);
    limiters.set(services, limiter);
  }
  return limiter;
}
