/**
 * The record stage of a delivery (admit → attempt → settle → record, src/app/delivery/task.ts): once
 * a task has settled (its follow-up durably enqueued), notes its request in the webhook's health
 * counters and writes the delivery log (src/app/delivery-log.ts), then frees the settlement lane the
 * settle stage took, if any.
 */

import type { DeliveryResult } from '#app/delivery/result';
import { recordSettledDelivery, type SentRequest } from '#app/delivery-log';
import { noteAttemptHealth } from '#app/health-counters';
import type { Services } from '#app/services';
import type { LaneRelease } from '#app/settlement-lanes';
import type { DeliveryTask } from '#domain/delivery-task';

/**
 * What a settled task hands to the record stage: its result, the request its attempt sent (when one
 * was made), and the settlement lane its store work holds until it is recorded (settlement-lanes.ts).
 */
export interface SettledTask {
  result: DeliveryResult;
  sent?: SentRequest;
  lane?: LaneRelease;
}

/** What recording uses: the health counters and the delivery log. */
export type RecordServices = Pick<
  Services,
  'clock' | 'deliveryLog' | 'deliveryLogPolicy' | 'deliveryPolicy' | 'webhookHealth'
>;

/**
 * Records a settled task and resolves with its result. The delivery log's writes never throw (they
 * are logged and counted); the health counters' note may, after which the lane is still freed.
 */
export async function recordTask(
  services: RecordServices,
  task: DeliveryTask,
  { result, sent, lane }: SettledTask,
): Promise<DeliveryResult> {
  try {
    // Only a request that was made counts in health, never a delivery postponed or given up without one.
    const attempt = 'attempt' in result ? result.attempt : undefined;
    if (attempt) {
      await noteAttemptHealth(services, task.tenantId, task.webhookId, {
        at: attempt.at,
        ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
        outcome: result.status === 'delivered' ? 'succeeded' : 'failed',
        durationMs: attempt.durationMs,
      });
    }
    // After the follow-up is durably enqueued, so a crash here leaves a retry that records it (docs/contract.md#delivery-log).
    await recordSettledDelivery(services, { task, result, sent });
  } finally {
    lane?.();
  }
  return result;
}
