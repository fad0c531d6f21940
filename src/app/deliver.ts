/**
 * Delivery: one attempt of one task, then success, a scheduled retry, or the dead-letter queue. This
 * file is the delivery function's entry (a batch of queue messages); the path itself lives in
 * src/app/delivery/, one file per stage (docs/architecture.md#the-delivery-path):
 *
 * - task.ts: one task, in one direction (admit → attempt → settle → record), and a group task;
 * - admit.ts: the **admission** (early, unwanted, no slot, open circuit: the task ends here unsent);
 * - src/app/delivery-attempt.ts: the **attempt** (sign, send, mask the request for the log);
 * - settle.ts: the **settle** stage (end, retry or dead-letter the task, note the webhook's health);
 * - record.ts: the **record** stage (health counters, then the delivery log, src/app/delivery-log.ts);
 * - postpone.ts, endings.ts: how admission ends a task without a request;
 * - ordered.ts: a batch's ordered conversations, one message at a time.
 *
 * Before the attempt (docs/contract.md#read-your-writes, #isolation): read the webhook fresh from the
 * store (the reads of a batch's attempts are shared, see lookup-cache.ts), take a slot of the webhook
 * and pass its circuit (the admission port), read again if the slot came only after a wait; after it,
 * release the slot with what the attempt said about the endpoint. A delivery that gets no slot within
 * the admission's bounded wait, or meets an open circuit, goes back to the queue with a delay, so a
 * slow or failing webhook cannot hold the pollers or Lambda invocations other webhooks need.
 *
 * A group task (one message for an event's first attempt to several webhooks) is fanned out in
 * memory: each webhook gets the same treatment as a single task, and each that does not end at once
 * continues as its own single task.
 */

import { processConversation, splitOrdered } from '#app/delivery/ordered';
import { deliverGroup, deliverTask, type TaskServices } from '#app/delivery/task';
import { type OutcomeBatchScope, startOutcomeBatch } from '#app/delivery-log';
import { startBatchAcknowledgement } from '#app/prompt-acknowledgement';
import type { Services } from '#app/services';
import { type BatchResult, parseDeliveryTask, type QueueMessage } from '#domain/delivery-task';
import { describeError, logger, MetricUnit, metrics, withCorrelation } from '#observability';

export type { DeliveryResult } from '#app/delivery/result';
export { deliverGroup, deliverTask } from '#app/delivery/task';
export { type AttemptResult, attemptDelivery } from '#app/delivery-attempt';

/**
 * The ports delivery uses: a task's ports (TaskServices) and, for the batch, the acknowledger and
 * ordered progress.
 */
export type DeliveryServices = TaskServices & Pick<Services, 'acknowledger' | 'orderedProgress'>;

/**
 * Delivers a batch concurrently. Only messages that could not be handled (unparseable, or the queue or
 * store failed) are reported as failures so the queue redelivers them; a failing endpoint is not such
 * a failure — the retry schedule handles it.
 */
export async function processDeliveryBatch(
  services: DeliveryServices,
  messages: QueueMessage[],
): Promise<BatchResult> {
  // Each record that settles is acknowledged on its own, not when the batch's slowest one is done.
  const acknowledgement = startBatchAcknowledgement(services.acknowledger);
  const { unordered, conversations } = splitOrdered(messages);
  // One batch for the delivery log: its first-attempt successes share items (delivery-log.ts).
  const outcomes = startOutcomeBatch();
  const unorderedDone = Promise.all(
    unordered.map(async (message) => {
      const failure = await processMessage(services, message, outcomes);
      if (!failure) acknowledgement.settled(message);
      return failure;
    }),
  );
  outcomes.seal();
  const [unorderedFailures, conversationOutcomes] = await Promise.all([
    unorderedDone,
    Promise.all(
      [...conversations.values()].map((conversation) =>
        processConversation(services, conversation, acknowledgement),
      ),
    ),
  ]);
  // Held last, once every record of the batch is done: the local event source's visibility heartbeat
  // runs until the handler returns and would otherwise shorten a hold.
  await Promise.all(
    conversationOutcomes
      .flatMap((outcome) => outcome.holds)
      .map((hold) =>
        services.acknowledger?.hold(
          hold.message.eventSourceARN,
          hold.message.receiptHandle ?? '',
          hold.seconds,
        ),
      ),
  );
  await acknowledgement.finish();
  return {
    batchItemFailures: [
      ...unorderedFailures.filter((messageId) => messageId !== undefined),
      ...conversationOutcomes.flatMap((outcome) => outcome.failed),
    ].map((messageId) => ({ itemIdentifier: messageId })),
  };
}

/** Delivers one message's task(s); resolves with its id when the queue must deliver it again. */
async function processMessage(
  services: TaskServices,
  message: QueueMessage,
  outcomes: OutcomeBatchScope,
): Promise<string | undefined> {
  const task = parseDeliveryTask(message.body);
  if (task) outcomes.enroll(task);
  if (!task) {
    // The DLQ processor records it once the queue's maxReceiveCount moves it there.
    logger.error('delivery message is not a delivery task', { messageId: message.messageId });
    metrics.addMetric('DeliveryMessagesUnreadable', MetricUnit.Count, 1);
    return message.messageId;
  }
  try {
    if (task.webhookIds) await deliverGroup(services, task);
    else await deliverTask(services, task);
    return undefined;
  } catch (error) {
    withCorrelation({ eventId: task.event.id, tenantId: task.tenantId, webhookId: task.webhookId }).error(
      'delivery could not be processed; the queue will redeliver it',
      {
        messageId: message.messageId,
        ...(task.webhookIds ? { webhookIds: task.webhookIds } : {}),
        error: describeError(error),
      },
    );
    metrics.addMetric('DeliveryProcessingErrors', MetricUnit.Count, 1);
    return message.messageId;
  }
}
