/**
 * One task's delivery, in one direction, each stage a function whose typed result the next one takes:
 * **admit** (admit.ts: early, unwanted or refused tasks end here without a request) → **attempt**
 * (src/app/delivery-attempt.ts, in the slot admission took, released with what the attempt said about
 * the endpoint) → **settle** (settle.ts: end, retry or dead-letter) → **record** (record.ts: health
 * counters, then the delivery log). A group task is each of its webhooks' task, concurrently.
 */

import { type AdmissionOutcome, admitTask } from '#app/delivery/admit';
import { resolveTaskEvent } from '#app/delivery/payload';
import { recordTask } from '#app/delivery/record';
import type { DeliveryResult } from '#app/delivery/result';
import { type AttemptedTask, settleTask } from '#app/delivery/settle';
import { attemptDelivery } from '#app/delivery-attempt';
import type { Services } from '#app/services';
import { type FailureEvidence, isEndpointFailure } from '#domain/circuit-breaker';
import type { EndpointVerdict } from '#domain/delivery-admission';
import { type DeliveryTask, memberTask, webhookIdsOf } from '#domain/delivery-task';
import type { DeliveryAttempt } from '#domain/model';
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
  | 'eventIds'
  | 'notices'
  | 'random'
  | 'sender'
  | 'webhookHealth'
  | 'webhooks'
>;

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
  const taskLogger = withCorrelation({
    eventId: task.event.id,
    tenantId: task.tenantId,
    webhookId: task.webhookId,
  });
  const admitted = await admitTask(services, task, taskLogger);
  if (admitted.kind === 'ended') return recordTask(services, task, { result: admitted.result });
  const attempted = await attemptInSlot(services, task, admitted);
  const settled = await settleTask(services, task, attempted, taskLogger);
  return recordTask(services, task, settled);
}

/**
 * The attempt stage: sends the task to the webhook admission handed on, then releases the slot with
 * what the attempt said about the endpoint (a request the sender could not build says nothing), before
 * the queue and store writes that settle the task: the slot guards the endpoint only. A throw (the
 * key store failed) releases the slot saying nothing, then propagates.
 */
async function attemptInSlot(
  services: Pick<Services, 'cipher' | 'clock' | 'credentialCache' | 'deliveryPolicy' | 'eventIds' | 'sender'>,
  task: DeliveryTask,
  { webhook, lease }: Extract<AdmissionOutcome, { kind: 'admitted' }>,
): Promise<AttemptedTask> {
  let attempted: Awaited<ReturnType<typeof attemptDelivery>>;
  try {
    // A large event's body is read here, in the slot, only for a task that will be sent: a postponed
    // one goes back to the queue as the small reference it came as (docs/delivery.md#large-events).
    const event = await resolveTaskEvent(services, task.event);
    attempted = await attemptDelivery(services, webhook, event, task.ordered?.conversationId);
  } catch (error) {
    lease.release('unknown');
    throw error;
  }
  const verdict: EndpointVerdict = attempted.outcome.isSenderFailure
    ? 'unknown'
    : isEndpointFailure(attempted.outcome)
      ? 'down'
      : 'up';
  const change = lease.release(verdict, failureEvidenceOf(attempted.attempt));
  return { ...attempted, webhook, change };
}

/** The circuit's evidence from an attempt: what the failed request got (status or error). */
function failureEvidenceOf(attempt: DeliveryAttempt): Omit<FailureEvidence, 'at'> {
  return {
    ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
    ...(attempt.error !== undefined ? { error: attempt.error } : {}),
  };
}
