/**
 * What one tenant may make the service hold or do, so that no tenant can hurt the service or a third
 * party: webhooks per tenant, and how often it may make the service send on demand (`/test`,
 * `/redeliver`, `/recover`). Field sizes are bounded by the webhook schemas themselves.
 */

/** A token bucket: `burst` requests at once, then one more every `refillSeconds`. */
export interface RateRule {
  burst: number;
  refillSeconds: number;
}

/** The actions a tenant's rate is counted for. */
export type RateLimitedAction = 'send' | 'recover';

export interface TenantLimits {
  /** Webhooks one tenant may have (MAX_WEBHOOKS_PER_TENANT); the next create answers 409 `limit_reached`. */
  maxWebhooksPerTenant: number;
  /**
   * `send`: `/test` and `/redeliver` (each sends one request to the tenant's endpoint);
   * `recover`: `/recover` (each may enqueue up to RECOVER_MAX_DELIVERIES deliveries).
   */
  rates: Record<RateLimitedAction, RateRule>;
}

export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  maxWebhooksPerTenant: 100,
  rates: {
    send: { burst: 20, refillSeconds: 1 },
    recover: { burst: 3, refillSeconds: 20 },
  },
};
