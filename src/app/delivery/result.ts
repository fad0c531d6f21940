/**
 * What one delivery task came to, as every stage of the delivery path (src/app/deliver.ts) reports it.
 */

import type { GiveUpReason } from '#domain/delivery-task';
import type { DeliveryAttempt } from '#domain/model';

/** What became of a task. */
export type DeliveryResult =
  | { status: 'delivered'; attempt: DeliveryAttempt }
  | { status: 'retry-scheduled'; attempt: DeliveryAttempt; delaySeconds: number }
  /**
   * In the DLQ, so a failure log follows. `attempt` is the request that failed last, when this step
   * made one; `givenUp` says why when the delivery ended otherwise (never as an attempt).
   */
  | { status: 'dead-lettered'; attempt?: DeliveryAttempt; givenUp?: GiveUpReason }
  | { status: 'postponed'; delaySeconds: number; reason?: 'circuit-open' | 'slots-busy' | 'released' }
  | { status: 'dropped'; reason: string };
