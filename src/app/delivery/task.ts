/**
 * One task's delivery, in one direction: admission (early, unwanted, refused: it ends or is postponed
 * here), **attempt** (src/app/delivery-attempt.ts), **settle** (src/app/delivery/settle.ts) and
 * **record** (the webhook's health counters, then src/app/delivery-log.ts). A group task is each of
 * its webhooks' task, concurrently.
 */

import { endUnwanted, releaseOrdered, whyNotDeliver } from '#app/delivery/endings';
import { isUnsentPastSchedule, postponeForCircuit, postponeForSlot } from '#app/delivery/postpone';
import type { DeliveryResult } from '#app/delivery/result';
import { failureEvidenceOf, noteCircuitChange, settleAttempt } from '#app/delivery/settle';
import { attemptDelivery } from '#app/delivery-attempt';
import { recordSettledDelivery, type SentRequest } from '#app/delivery-log';
import { webhookKeyOf } from '#app/endpoint-circuits';
import { noteAttemptHealth } from '#app/health-counters';
import type { Services } from '#app/services';
import type { LaneRelease } from '#app/settlement-lanes';
import { type FailureEvidence, isEndpointFailure } from '#domain/circuit-breaker';
import type { CircuitChange, EndpointVerdict } from '#domain/delivery-admission';
import { type DeliveryTask, memberTask, webhookIdsOf } from '#domain/delivery-task';
import { orderingOf } from '#domain/model';
import { describeError, withCorrelation } from '#observability';

/** What one task's delivery uses: all of delivery's ports but the batch's acknowledger and ordered progress. */
export type TaskServices = Pick<
  Services,
  | 'admission'
  | 'cipher'
  | 'clock'
  | 'credentialCache'
  | 'settlementLanes'
  | 'deliveryLog'
  | 'deliveryLogPolicy'
  | 'deliveryPolicy'
  | 'deliveryQueue'
  | 'notices'
  | 'random'
  | 'sender'
  | 'webhookHealth'
  | 'webhooks'
>;

/** A task this early is re-enqueued rather than attempted (the queue caps delays, so long waits hop). */
const EARLY_TOLERANCE_MS = 1000;

/**
 * What settling a task hands to the record stage: the result, and the request its attempt sent (when
 * one was made). Attempt → settle → record, each stage returning what the next one needs.
 */
interface SettledTask {
  result: DeliveryResult;
  sent?: SentRequest;
  /** The settlement lane a failed attempt's store work holds until it is recorded (settlement-lanes.ts). */
  lane?: LaneRelease;
}

/**
 * Delivers a group task to each of its webhooks concurrently, as `deliverTask` delivers a single task.
 * Resolves once every webhook is settled: delivered, dropped, or its follow-up single task (retry,
 * postponement, dead letter) durably enqueued. Throws when any follow-up could not be enqueued, after
 * the others settled, so the group message is redelivered: nothing is lost, and webhooks already
 * delivered get it again with the same webhook-id (at-least-once; receivers de-duplicate on it).
 */
export async function deliverGroup(
  services: TaskServices,
  group: DeliveryTask,
): Promise<{ webhookId: string; result: DeliveryResult }[]> {
  const webhookIds = webhookIdsOf(group);
  const settled = await Promise.allSettled(
    webhookIds.map((webhookId) => deliverTask(services, memberTask(group, webhookId))),
  );
  const results: { webhookId: string; result: DeliveryResult }[] = [];
  const errors: unknown[] = [];
  settled.forEach((outcome, index) => {
    const webhookId = webhookIds[index] ?? group.webhookId;
    if (outcome.status === 'fulfilled') {
      results.push({ webhookId, result: outcome.value });
      return;
    }
    errors.push(outcome.reason);
    withCorrelation({ eventId: group.event.id, tenantId: group.tenantId, webhookId }).error(
      'delivery of a group member could not be settled; the group will be redelivered',
      { error: describeError(outcome.reason) },
    );
  });
  if (errors.length > 0) {
    throw new AggregateError(
      errors,
      `${errors.length} of ${webhookIds.length} deliveries of the group not settled`,
    );
  }
  return results;
}

/**
 * Processes one single task (a group task goes through `deliverGroup`): postpones it when early or
 * when its webhook has no free slot or an open circuit, drops it when its webhook no longer wants it,
 * else attempts it and settles what follows, then records the settled result in the delivery log.
 * Throws only when the queue or the store fails.
 */
export async function deliverTask(services: TaskServices, task: DeliveryTask): Promise<DeliveryResult> {
  const { result, sent, lane } = await settleTask(services, task);
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

async function settleTask(
  services: Pick<
    Services,
    | 'admission'
    | 'cipher'
    | 'clock'
    | 'credentialCache'
    | 'settlementLanes'
    | 'deliveryPolicy'
    | 'deliveryQueue'
    | 'notices'
    | 'random'
    | 'sender'
    | 'webhookHealth'
    | 'webhooks'
  >,
  task: DeliveryTask,
): Promise<SettledTask> {
  const taskLogger = withCorrelation({
    eventId: task.event.id,
    tenantId: task.tenantId,
    webhookId: task.webhookId,
  });
  const remainingMs = task.notBefore ? Date.parse(task.notBefore) - services.clock.now().getTime() : 0;
  if (remainingMs > EARLY_TOLERANCE_MS) {
    const delaySeconds = Math.ceil(remainingMs / 1000);
    await services.deliveryQueue.enqueueDelayed(task, delaySeconds);
    return { result: { status: 'postponed', delaySeconds } };
  }

  // Read fresh before asking for a slot (docs/contract.md#read-your-writes): the slot guards the endpoint, so it is held for
  // the attempt, not for a store read (a read inside it was most of a fast webhook's slot time and
  // capped its throughput; bench/RESULTS.md). A webhook that no longer wants the event needs no slot.
  const read = await services.webhooks.get(task.tenantId, task.webhookId);
  const reason = whyNotDeliver(task, read);
  if (!read || reason) return { result: await endUnwanted(services, task, read, reason, taskLogger) };
  if (task.ordered && orderingOf(read) !== 'conversation')
    return { result: await releaseOrdered(services, task, taskLogger) };
  const webhookKey = webhookKeyOf(task.tenantId, task.webhookId);
  let admission = await services.admission.admit(webhookKey);
  // A delivery whose schedule ended without one request of its own gets that request through the open
  // circuit (its webhook's slots still apply): it is never given up unsent on another delivery's
  // failure, and an endpoint that recovered behind the shut circuit is probed by it.
  if (!admission.isAdmitted && admission.reason === 'circuit-open' && isUnsentPastSchedule(services, task)) {
    admission = await services.admission.admit(webhookKey, { throughOpenCircuit: true });
  }
  if (!admission.isAdmitted) {
    if (admission.reason === 'slots-busy') {
      return {
        result: await postponeForSlot(services, task, {
          expectedWaitMs: admission.expectedWaitMs,
          taskLogger,
        }),
      };
    }
    return {
      result: await postponeForCircuit(services, task, { refusal: admission, webhook: read, taskLogger }),
    };
  }
  let verdict: EndpointVerdict = 'unknown';
  let isReleased = false;
  const release = (evidence?: Omit<FailureEvidence, 'at'>): CircuitChange => {
    isReleased = true;
    return admission.lease.release(verdict, evidence);
  };
  try {
    // A slot that came after a wait in memory: read again, so an edit, rotation, deactivation or
    // deletion acknowledged while it waited applies to this attempt (retries included).
    const webhook = admission.hasWaited ? await services.webhooks.get(task.tenantId, task.webhookId) : read;
    const lateReason = whyNotDeliver(task, webhook);
    if (!webhook || lateReason)
      return { result: await endUnwanted(services, task, webhook, lateReason, taskLogger) };
    const attempted = await attemptDelivery(services, webhook, task.event, task.ordered?.conversationId);
    if (!attempted.outcome.isSenderFailure) verdict = isEndpointFailure(attempted.outcome) ? 'down' : 'up';
    // Freed before the queue and store writes that settle the task: the slot guards the endpoint only.
    const change = release(failureEvidenceOf(attempted.attempt));
    // A failed attempt's store work (health, circuit, log) waits for a lane of its tenant, so a wave
    // of timeouts cannot take the store client's whole socket pool (docs/contract.md#isolation).
    const isFailure = !attempted.outcome.isSuccess && !attempted.outcome.isSenderFailure;
    const lane = isFailure ? await services.settlementLanes?.take(task.tenantId) : undefined;
    try {
      await noteCircuitChange(services, change, { task, taskLogger, error: attempted.attempt.error });
      return {
        result: await settleAttempt(services, task, webhook, attempted, taskLogger),
        sent: attempted.sent,
        ...(lane ? { lane } : {}),
      };
    } catch (error) {
      lane?.();
      throw error;
    }
  } finally {
    if (!isReleased) release();
  }
}
