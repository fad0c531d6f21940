/**
 * The settle stage of a delivery: the one place an attempt's outcome is known. It ends the task
 * (delivered), dead-letters it, or schedules its next attempt, and notes the webhook's health and
 * circuit.
 */

import { deadLetterOf } from '#app/delivery/endings';
import type { SettledTask } from '#app/delivery/record';
import type { DeliveryResult } from '#app/delivery/result';
import type { AttemptResult } from '#app/delivery-attempt';
import { noteCircuitOpened } from '#app/health-counters';
import type { Services } from '#app/services';
import { recordDeliveryFailure, recordDeliverySuccess } from '#app/webhook-health';
import type { CircuitChange } from '#domain/delivery-admission';
import type { DeliveryTask, GiveUpReason } from '#domain/delivery-task';
import type { DeliveryAttempt, StoredWebhook } from '#domain/model';
import { nextRetryDelay } from '#domain/retry-policy';
import { type CorrelatedLogger, MetricUnit, metrics } from '#observability';

/** What settling an attempt's outcome uses: the queue for a retry, health, notices, the webhook. */
type OutcomeServices = Pick<
  Services,
  'clock' | 'deliveryPolicy' | 'deliveryQueue' | 'notices' | 'webhookHealth' | 'random' | 'webhooks'
>;

/**
 * What the attempt stage hands to settle: what the attempt produced, the webhook it went to, and how
 * the webhook's circuit moved when the attempt's slot was released.
 */
export interface AttemptedTask extends AttemptResult {
  webhook: StoredWebhook;
  change: CircuitChange;
}

/**
 * Settles an attempted task: a failed attempt first takes a settlement lane of its tenant, then the
 * circuit's change is noted and the task ended, retried or dead-lettered (settleAttempt). Resolves
 * with what the record stage needs, the lane included (the record stage frees it); throws only when
 * the queue or the store fails, the lane freed.
 */
export async function settleTask(
  services: OutcomeServices & Pick<Services, 'settlementLanes'>,
  task: DeliveryTask,
  attempted: AttemptedTask,
  taskLogger: CorrelatedLogger,
): Promise<SettledTask> {
  // A failed attempt's store work (health, circuit, log) waits for a lane of its tenant, so a wave
  // of timeouts cannot take the store client's whole socket pool (docs/contract.md#isolation).
  const isFailure = !attempted.outcome.isSuccess && !attempted.outcome.isSenderFailure;
  const lane = isFailure ? await services.settlementLanes?.take(task.tenantId) : undefined;
  try {
    await noteCircuitChange(services, attempted.change, { task, taskLogger, error: attempted.attempt.error });
    return {
      result: await settleAttempt(services, task, attempted.webhook, attempted, taskLogger),
      sent: attempted.sent,
      ...(lane ? { lane } : {}),
    };
  } catch (error) {
    lane?.();
    throw error;
  }
}

/**
 * The one place where an attempt's outcome is known: counts it, then ends the task (delivered), or
 * dead-letters it at once (a request the sender could not build: retrying cannot help, and the
 * endpoint is not to blame), or schedules the next attempt.
 */
async function settleAttempt(
  services: OutcomeServices,
  task: DeliveryTask,
  webhook: StoredWebhook,
  { outcome, attempt }: AttemptResult,
  taskLogger: CorrelatedLogger,
): Promise<DeliveryResult> {
  metrics.addMetric('DeliveryAttempts', MetricUnit.Count, 1);
  if (outcome.isSuccess) {
    const attemptCount = task.attempts.length + 1;
    const latencyMs = services.clock.now().getTime() - Date.parse(task.event.timestamp);
    if (Number.isFinite(latencyMs)) metrics.addMetric('DeliveryLatency', MetricUnit.Milliseconds, latencyMs);
    metrics.addMetric('DeliveriesSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('AttemptsPerDelivery', MetricUnit.Count, attemptCount);
    taskLogger.debug('delivered', { statusCode: outcome.statusCode, attempts: attemptCount });
    await recordDeliverySuccess(services, webhook);
    return { status: 'delivered', attempt };
  }
  if (outcome.isSenderFailure) return deadLetterUnsendable(services, task, webhook, { attempt, taskLogger });
  return settleFailedAttempt(services, task, webhook, {
    attempt,
    retryAfterSeconds: outcome.retryAfterSeconds,
    taskLogger,
  });
}

/**
 * Logs a circuit that opened or closed with this attempt; an opening is also noted in the webhook's
 * health, so the console can say "circuit open until …" (one write per opening, not per attempt).
 */
async function noteCircuitChange(
  services: Pick<Services, 'clock' | 'deliveryPolicy' | 'webhookHealth'>,
  change: CircuitChange,
  context: { task: DeliveryTask; taskLogger: CorrelatedLogger; error: string | undefined },
): Promise<void> {
  if (change.after === 'open' && change.before !== 'open') {
    const cooldownMs = services.deliveryPolicy.admission.circuit.cooldownMs;
    metrics.addMetric('CircuitsOpened', MetricUnit.Count, 1);
    context.taskLogger.warn('webhook circuit opened after repeated failures; its deliveries are postponed', {
      cooldownMs,
      error: context.error,
    });
    await noteCircuitOpened(
      services,
      context.task.tenantId,
      context.task.webhookId,
      new Date(services.clock.now().getTime() + cooldownMs),
    );
  } else if (change.after === 'closed' && change.before !== 'closed') {
    context.taskLogger.info('webhook circuit closed');
  }
}

/**
 * A request the sender could not build (docs/contract.md#isolation): the failure is the service's, so it neither counts
 * against the webhook's circuit or health nor is retried; it ends in a failure log with the reason.
 */
async function deadLetterUnsendable(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  webhook: StoredWebhook,
  failure: { attempt: DeliveryAttempt; taskLogger: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { attempt, taskLogger } = failure;
  // Nothing went on the wire, so it is no attempt: the reason goes to the failure log as such.
  const givenUp: GiveUpReason = { reason: attempt.error ?? 'not sent: the request could not be built' };
  const deadLettered = deadLetterOf(task, { givenUp }, webhook);
  await services.deliveryQueue.deadLetter(deadLettered);
  metrics.addMetric('DeliveriesNotSendable', MetricUnit.Count, 1);
  taskLogger.error('delivery could not be sent: the request could not be built; dead-lettered', {
    error: attempt.error,
  });
  return { status: 'dead-lettered', givenUp };
}

/** After a failed attempt: schedules the next one or dead-letters the task, and notes the webhook's health. */
async function settleFailedAttempt(
  services: OutcomeServices,
  task: DeliveryTask,
  webhook: StoredWebhook,
  failure: { attempt: DeliveryAttempt; retryAfterSeconds: number | undefined; taskLogger: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { attempt, taskLogger } = failure;
  const { slotPostponements: _reset, ...rest } = task;
  const attempts = [...task.attempts, attempt];
  const failedAt = services.clock.now();
  // Health first: a failure that deactivates the webhook (410 Gone, or the auto-disable window) ends
  // this delivery in the DLQ, so it gets a failure log that can be redelivered (docs/contract.md#isolation).
  const health = await recordDeliveryFailure(services, webhook, failedAt, attempt);
  const delaySeconds = health.isDeactivated
    ? null
    : nextRetryDelay(
        services.deliveryPolicy.retryScheduleSeconds,
        attempts.length,
        failure.retryAfterSeconds,
        services.random,
      );
  let result: DeliveryResult;
  if (delaySeconds === null) {
    const deadLettered = deadLetterOf(task, { attempt }, webhook);
    await services.deliveryQueue.deadLetter(deadLettered);
    metrics.addMetric('DeliveriesDeadLettered', MetricUnit.Count, 1);
    taskLogger.warn('delivery failed its last attempt', { attempts: attempts.length, error: attempt.error });
    result = { status: 'dead-lettered', attempt };
  } else {
    const notBefore = new Date(failedAt.getTime() + delaySeconds * 1000).toISOString();
    await services.deliveryQueue.enqueueDelayed({ ...rest, attempts, notBefore }, delaySeconds);
    metrics.addMetric('DeliveryRetriesScheduled', MetricUnit.Count, 1);
    taskLogger.info('delivery attempt failed; retry scheduled', {
      attempts: attempts.length,
      statusCode: attempt.statusCode,
      error: attempt.error,
      delaySeconds,
    });
    result = { status: 'retry-scheduled', attempt, delaySeconds };
  }
  return result;
}
