/**
 * How the service delivers (docs/contract.md#deliveries, #isolation), in the words of a delivery rather than of the
 * environment that configures it: the composition root builds one per process from the validated
 * configuration, and the use cases read only this.
 */
import type { AdmissionLimits } from './delivery-admission';

/** How a delivery is packed, attempted, retried, admitted and given up on. */
export interface DeliveryPolicy {
  /**
   * Seconds to wait before each retry, in order: a delivery makes at most `length + 1` attempts
   * (empty: one attempt, no retry). Spread by ±20 % jitter when used (src/domain/retry-policy.ts).
   */
  retryScheduleSeconds: readonly number[];
  /** How long one attempt may take, in ms, before it counts as failed (a timeout). */
  attemptTimeoutMs: number;
  /** The User-Agent header of every attempt (`chat-webhooks/<version>`). */
  userAgent: string;
  /** A webhook failing continuously, without a single success, for this long (ms) is deactivated. */
  autoDisableAfterMs: number;
  /** Webhooks one delivery message may carry, 1 to 50 (1: one message per webhook). */
  webhooksPerMessage: number;
  /** Slots and circuit breakers per webhook and per tenant, in each delivery environment. */
  admission: AdmissionLimits;
}
