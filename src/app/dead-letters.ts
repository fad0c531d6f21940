/**
 * The DLQ processor's use case: every delivery that reached the dead-letter queue becomes a failure
 * log (docs/contract.md#deliveries) that admins and ops can read and redeliver.
 */
import { PayloadUnavailable, resolveTaskEvent } from '#app/delivery/payload';
import {
  type BatchResult,
  type DeadLetteredTask,
  type EventByReference,
  isEventByReference,
  memberTask,
  parseDeliveryTask,
  type QueueMessage,
  webhookIdsOf,
} from '#domain/delivery-task';
import { failureLogIdFor } from '#domain/failure-log-id';
import type { EventEnvelope, FailureLog, StoredWebhook } from '#domain/model';
import { describeError, logger, MetricUnit, metrics, withCorrelation } from '#observability';
import { linkFailureLogToDelivery, withDeliveryId } from './delivery-log';
import type { Services } from './services';

/** Why a task with no attempts is in the DLQ: the queue's redrive moved it after repeated processing failures. */
export const ABANDONED_ERROR = 'delivery abandoned: the delivery function failed to process it repeatedly';

export type { DeadLetteredTask } from '#domain/delivery-task';

/**
 * What a failure log keeps of an event whose referenced payload is no longer stored: the shape of a
 * log cut to fit its item (failure-log-repository.ts), with nothing left to show.
 */
const UNAVAILABLE_DATA = { truncated: true, snippet: '' };

/**
 * Builds the failure log of a dead-lettered task; the current webhook's name and URL win over the task's.
 * `event` is the task's event made whole (resolveTaskEvent) when the task carries it by reference.
 */
export function buildFailureLog(input: {
  id: string;
  task: DeadLetteredTask;
  webhook: StoredWebhook | undefined;
  failedAt: Date;
  event?: EventEnvelope;
}): FailureLog {
  const { task, webhook } = input;
  const event: EventEnvelope =
    input.event ?? (isEventByReference(task.event) ? eventWithoutPayload(task.event) : task.event);
  const lastAttempt = task.attempts.at(-1);
  return {
    id: input.id,
    tenantId: task.tenantId,
    webhookId: task.webhookId,
    webhookName: webhook?.name ?? task.webhookName ?? '',
    eventId: task.event.id,
    eventType: task.event.type,
    url: webhook?.url ?? task.url ?? '',
    attempts: task.attempts,
    attemptCount: task.attempts.length,
    lastStatusCode: lastAttempt?.statusCode ?? null,
    lastError: lastAttempt ? (lastAttempt.error ?? null) : (task.givenUp?.reason ?? ABANDONED_ERROR),
    firstAttemptAt: task.attempts[0]?.at ?? null,
    failedAt: input.failedAt.toISOString(),
    event,
    ...(task.givenUp ? { givenUpReason: task.givenUp.reason } : {}),
    ...(task.givenUp?.evidence ? { evidence: task.givenUp.evidence } : {}),
  };
}

/** A referenced event's envelope with the marker of a payload no longer stored. */
function eventWithoutPayload(event: EventByReference): EventEnvelope {
  const { payloadRef: _ref, data: _data, ...envelope } = event;
  return { ...envelope, data: UNAVAILABLE_DATA };
}

/** The ports the DLQ processor uses: webhooks, failure logs, the delivery log and event claims (a large event's payload) in the table; no queue, sender, cipher or notices. */
export type DeadLetterServices = Pick<
  Services,
  'clock' | 'deliveryLog' | 'deliveryLogPolicy' | 'eventIds' | 'failureLogs' | 'failureRetention' | 'webhooks'
>;

/**
 * Writes one failure log per dead-lettered task, and one per webhook of a group task (a group reaches
 * the DLQ only by redrive, after the delivery step failed it repeatedly, so each of its webhooks is
 * logged as abandoned: the message cannot tell which of them a crashed attempt had reached). Junk that
 *  is not a task cannot be attributed to a tenant: it is logged, counted and dropped. A message whose
 * write failed is reported back so the DLQ redelivers it (a second log appears only when a write
 * failed: for a group, its members already logged are logged again).
 */
export async function recordDeadLetters(
  services: DeadLetterServices,
  messages: QueueMessage[],
): Promise<BatchResult> {
  const failed = await Promise.all(
    messages.map(async (message) => {
      const task = parseDeliveryTask(message.body);
      if (!task) {
        logger.error('dead-lettered message is not a delivery task; dropped', {
          messageId: message.messageId,
        });
        metrics.addMetric('DeadLettersUnreadable', MetricUnit.Count, 1);
        return undefined;
      }
      const members = task.webhookIds
        ? webhookIdsOf(task).map((webhookId) => memberTask(task, webhookId))
        : [task];
      const written = await Promise.all(
        members.map((member) => writeFailureLog(services, member, message.messageId)),
      );
      return written.every(Boolean) ? undefined : message.messageId;
    }),
  );
  return {
    batchItemFailures: failed.flatMap((messageId) => (messageId ? [{ itemIdentifier: messageId }] : [])),
  };
}

/** Writes the failure log of one single task; false (logged) when the write failed. */
async function writeFailureLog(
  services: DeadLetterServices,
  task: DeadLetteredTask,
  messageId: string,
): Promise<boolean> {
  const taskLogger = withCorrelation({
    eventId: task.event.id,
    tenantId: task.tenantId,
    webhookId: task.webhookId,
  });
  try {
    // A large event is logged whole, as when it travelled inline, so a redelivery sends it again.
    const [webhook, resolved] = await Promise.all([
      services.webhooks.get(task.tenantId, task.webhookId),
      resolveTaskEvent(services, task.event),
    ]);
    const failedAt = services.clock.now();
    const id = failureLogIdFor({ ...task, messageId });
    const event = resolved instanceof PayloadUnavailable ? undefined : resolved;
    const failureLog = withDeliveryId(
      buildFailureLog({ id, task, webhook, failedAt, ...(event ? { event } : {}) }),
      task,
    );
    const expiresAt = new Date(failedAt.getTime() + services.failureRetention.failureLogMs);
    const isNew = await services.failureLogs.put(failureLog, expiresAt);
    // Linked again on a repeat too: the first processing may have died between the put and the link.
    await linkFailureLogToDelivery(services, failureLog);
    if (!isNew) {
      metrics.addMetric('FailureLogsAlreadyWritten', MetricUnit.Count, 1);
      taskLogger.info('failure log already written (dead letter processed again)', { failureLogId: id });
      return true;
    }
    metrics.addMetric('FailureLogsWritten', MetricUnit.Count, 1);
    taskLogger.info('failure log written', {
      failureLogId: failureLog.id,
      attemptCount: failureLog.attemptCount,
    });
    return true;
  } catch (error) {
    taskLogger.error('could not write the failure log; the DLQ will redeliver it', {
      messageId,
      error: describeError(error),
    });
    return false;
  }
}
