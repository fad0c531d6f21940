/**
 * Delivery: one attempt of one task, then success, a scheduled retry, or the dead-letter queue.
 *
 * A delivery reads in one direction, in three stages that each return what the next one needs:
 * **attempt** (src/app/delivery-attempt.ts: sign, send, mask the request for the log), **settle**
 * (here: end, retry or dead-letter the task, and note the webhook's health) and **record**
 * (src/app/delivery-log.ts: the delivery log). Before the attempt (docs/contract.md#read-your-writes,
 * #isolation): read the webhook fresh from the store (the reads of a batch's attempts are shared, see
 * lookup-cache.ts), take a slot of the webhook and pass its circuit (the admission port), read again
 * if the slot came only after a wait; after it, release the slot with what the attempt said about
 * the endpoint. A delivery that gets no slot within the admission's bounded wait, or meets an open
 * circuit, goes back to the queue with a delay, so a slow or failing webhook cannot hold the pollers
 * or Lambda invocations other webhooks need.
 *
 * A group task (one message for an event's first attempt to several webhooks) is fanned out here, in
 * memory: each webhook gets the same treatment as a single task, and each that does not end at once
 * continues as its own single task.
 */

import { type FailureEvidence, isEndpointFailure } from '#domain/circuit-breaker';
import type { Admission, CircuitChange, EndpointVerdict } from '#domain/delivery-admission';
import {
  type BatchResult,
  type DeadLetteredTask,
  type DeliveryTask,
  type GiveUpReason,
  memberTask,
  parseDeliveryTask,
  type QueueMessage,
  webhookIdsOf,
} from '#domain/delivery-task';
import type { DeliveryAttempt, EventEnvelope, StoredWebhook } from '#domain/model';
import { orderingOf, TEST_EVENT_TYPE } from '#domain/model';
import {
  MAX_HOLD_SECONDS,
  type OrderedDelivery,
  orderingGroupOf,
  progressOf,
  resumeWith,
} from '#domain/ordering';
import type { DeliveryQueue } from '#domain/ports';
import { nextRetryDelay, RETRY_JITTER } from '#domain/retry-policy';
import { tenantMismatchReason } from '#domain/tenant-boundary';
import {
  type CorrelatedLogger,
  describeError,
  logger,
  MetricUnit,
  metrics,
  withCorrelation,
} from '#observability';
import { type AttemptResult, attemptDelivery } from './delivery-attempt';
import { recordSettledDelivery, type SentRequest, withOutcomeBatch } from './delivery-log';
import { webhookKeyOf } from './endpoint-circuits';
import { noteAttemptHealth, noteCircuitOpened } from './health-counters';
import { startBatchAcknowledgement } from './prompt-acknowledgement';
import type { Services } from './services';
import type { LaneRelease } from './settlement-lanes';
import { recordDeliveryFailure, recordDeliverySuccess } from './webhook-health';

/** A task this early is re-enqueued rather than attempted (the queue caps delays, so long waits hop). */
const EARLY_TOLERANCE_MS = 1000;
/**
 * The longest a delivery waits before asking again for a slot of its busy webhook. The wait doubles
 * with each refusal in a row (1, 2, 4, 8 s): a flood at a slow endpoint costs at most one queue round
 * trip per waiting delivery every few seconds, while a longer cap would leave the webhook's slots idle
 * (every waiter asleep) and stretch its backlog far beyond what its endpoint's speed explains.
 */
const MAX_SLOT_WAIT_SECONDS = 8;

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

export { type AttemptResult, attemptDelivery } from './delivery-attempt';

/** The ports delivery uses: the table, the queue, the sender, credentials, admission, notices. */
export type DeliveryServices = Pick<
  Services,
  | 'acknowledger'
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
  | 'orderedProgress'
  | 'random'
  | 'sender'
  | 'webhookHealth'
  | 'webhooks'
>;

/** What one task's delivery uses: all of delivery's ports but the batch's acknowledger and ordered progress. */
type TaskServices = Omit<DeliveryServices, 'acknowledger' | 'orderedProgress'>;

/** What settling an attempt's outcome uses: the queue for a retry, health, notices, the webhook. */
type OutcomeServices = Pick<
  Services,
  'clock' | 'deliveryPolicy' | 'deliveryQueue' | 'notices' | 'webhookHealth' | 'random' | 'webhooks'
>;

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
  const holds: Hold[] = [];
  const failed = await Promise.all([
    // One batch for the delivery log: its first-attempt successes share items (delivery-log.ts).
    withOutcomeBatch(unordered, () =>
      Promise.all(
        unordered.map(async (message) => {
          const failure = await processMessage(services, message);
          if (!failure) acknowledgement.settled(message);
          return failure ? [failure] : [];
        }),
      ),
    ).then((failures) => failures.flat()),
    ...[...conversations.values()].map((conversation) =>
      processConversation(services, conversation, { acknowledgement, holds }),
    ),
  ]);
  // Held last, once every record of the batch is done: the local event source's visibility heartbeat
  // runs until the handler returns and would otherwise shorten a hold.
  await Promise.all(
    holds.map((hold) =>
      services.acknowledger?.hold(
        hold.message.eventSourceARN,
        hold.message.receiptHandle ?? '',
        hold.seconds,
      ),
    ),
  );
  await acknowledgement.finish();
  return {
    batchItemFailures: failed.flat().map((messageId) => ({ itemIdentifier: messageId })),
  };
}

/** An ordered delivery's message held in its queue until its retry (or postponement) is due. */
interface Hold {
  message: QueueMessage;
  seconds: number;
}

/**
 * The batch's messages without order, and the ordered ones by conversation (their message group),
 * each in the order the queue handed them over (a FIFO queue hands a group's messages in order).
 */
function splitOrdered(messages: QueueMessage[]): {
  unordered: QueueMessage[];
  conversations: Map<string, { message: QueueMessage; task: DeliveryTask & { ordered: OrderedDelivery } }[]>;
} {
  const unordered: QueueMessage[] = [];
  const conversations = new Map<
    string,
    { message: QueueMessage; task: DeliveryTask & { ordered: OrderedDelivery } }[]
  >();
  for (const message of messages) {
    const task = parseDeliveryTask(message.body);
    if (!task?.ordered || task.webhookIds) {
      unordered.push(message);
      continue;
    }
    const group = orderingGroupOf(task, task.ordered);
    const members = conversations.get(group) ?? [];
    members.push({ message, task: task as DeliveryTask & { ordered: OrderedDelivery } });
    conversations.set(group, members);
  }
  return { unordered, conversations };
}

/**
 * One conversation's messages of a batch, one at a time in queue order (docs/contract.md#ordering): the
 * next only once the previous has ended (delivered, dropped, dead-lettered). The first that has not
 * ended (held for its retry, or failed to process) and every one after it go back to the queue, in
 * order: the queue serves none of them before the held one comes back, so those behind it are visible
 * again at once (one ChangeMessageVisibility each) instead of after the queue's visibility timeout.
 */
async function processConversation(
  services: DeliveryServices,
  members: { message: QueueMessage; task: DeliveryTask & { ordered: OrderedDelivery } }[],
  batch: { acknowledgement: ReturnType<typeof startBatchAcknowledgement>; holds: Hold[] },
): Promise<string[]> {
  for (const [index, { message, task }] of members.entries()) {
    const outcome = await processOrdered(services, message, task);
    if (outcome.status === 'ended') {
      batch.acknowledgement.settled(message);
      continue;
    }
    if (outcome.status === 'held') batch.holds.push({ message, seconds: outcome.seconds });
    // Those behind it are made visible again at once: the FIFO queue serves none of them before the one
    // ahead has ended, so they go on right after it rather than after a whole visibility timeout.
    for (const follower of members.slice(index + 1))
      batch.holds.push({ message: follower.message, seconds: 0 });
    return members.slice(index).map((member) => member.message.messageId);
  }
  return [];
}

/**
 * One ordered delivery: resumed with the progress kept while it was held, then treated as any single
 * task, except that what would re-enqueue it with a delay (a retry, a postponement) keeps its progress
 * and holds its message instead, so it keeps its place in its conversation.
 */
async function processOrdered(
  services: DeliveryServices,
  message: QueueMessage,
  task: DeliveryTask & { ordered: OrderedDelivery },
): Promise<{ status: 'ended' } | { status: 'held'; seconds: number } | { status: 'failed' }> {
  try {
    const receives = Number(message.attributes?.ApproximateReceiveCount ?? '1');
    // Nothing is kept before the first try ends: a first receive costs no read.
    const progress =
      receives > 1
        ? await services.orderedProgress.get(task.tenantId, task.ordered.deduplicationId)
        : undefined;
    let holdSeconds: number | undefined;
    const holding: DeliveryQueue = {
      enqueue: (tasks) => services.deliveryQueue.enqueue(tasks),
      deadLetter: (deadLettered) => services.deliveryQueue.deadLetter(deadLettered),
      enqueueDelayed: async (next, delaySeconds) => {
        const wanted = Math.max(1, Math.ceil(delaySeconds));
        await services.orderedProgress.put(
          task.tenantId,
          task.ordered.deduplicationId,
          progressOf(next),
          heldProgressExpiry(services),
        );
        holdSeconds = Math.min(wanted, MAX_HOLD_SECONDS);
      },
    };
    await deliverTask({ ...services, deliveryQueue: holding }, resumeWith(task, progress));
    return holdSeconds === undefined ? { status: 'ended' } : { status: 'held', seconds: holdSeconds };
  } catch (error) {
    withCorrelation({ eventId: task.event.id, tenantId: task.tenantId, webhookId: task.webhookId }).error(
      'ordered delivery could not be processed; the queue will redeliver it, its conversation waits',
      { messageId: message.messageId, error: describeError(error) },
    );
    metrics.addMetric('DeliveryProcessingErrors', MetricUnit.Count, 1);
    return { status: 'failed' };
  }
}

/** How long a held delivery's progress is kept: its whole retry schedule (with jitter) and a day. */
function heldProgressExpiry(services: Pick<Services, 'clock' | 'deliveryPolicy'>): Date {
  const scheduleMs = services.deliveryPolicy.retryScheduleSeconds.reduce(
    (total, seconds) => total + seconds,
    0,
  );
  return new Date(services.clock.now().getTime() + scheduleMs * 1.25 * 1000 + 86_400_000);
}

/** Delivers one message's task(s); resolves with its id when the queue must deliver it again. */
async function processMessage(services: TaskServices, message: QueueMessage): Promise<string | undefined> {
  const task = parseDeliveryTask(message.body);
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

/** Why a task must not reach its webhook any more, or undefined when it may. */
function dropReason(webhook: StoredWebhook | undefined, event: EventEnvelope): string | undefined {
  if (!webhook) return 'webhook deleted';
  if (webhook.status !== 'active') return 'webhook inactive';
  if (event.type === TEST_EVENT_TYPE) return undefined;
  if (!webhook.events.includes(event.type)) return 'webhook no longer subscribed to this event type';
  if (webhook.brandId !== null && webhook.brandId !== event.brandId)
    return 'webhook no longer subscribed to this brand';
  return undefined;
}

/** Why `task` must not reach `webhook` as read (deleted, inactive, unsubscribed, another tenant's), or undefined. */
function whyNotDeliver(task: DeliveryTask, webhook: StoredWebhook | undefined): string | undefined {
  return tenantMismatchReason(task, webhook) ?? dropReason(webhook, task.event);
}

/** Ends a task its webhook no longer wants: logged and counted, nothing sent or enqueued. */
function drop(task: DeliveryTask, reason: string, taskLogger: CorrelatedLogger): DeliveryResult {
  taskLogger.info('delivery dropped', { reason, eventType: task.event.type });
  metrics.addMetric('DeliveriesDropped', MetricUnit.Count, 1);
  return { status: 'dropped', reason };
}

/**
 * Ends a task that may not reach its webhook (`reason`, or the webhook is gone): dropped, unless the
 * service itself deactivated a webhook this delivery had already failed toward, in which case it ends
 * in a failure log that can be redelivered (see wasDisabledByService).
 */
async function endUnwanted(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  webhook: StoredWebhook | undefined,
  reason: string | undefined,
  taskLogger: CorrelatedLogger,
): Promise<DeliveryResult> {
  if (webhook && reason && !tenantMismatchReason(task, webhook) && wasDisabledByService(webhook, task)) {
    return deadLetterUnsent(services, task, webhook, { reason, taskLogger });
  }
  return drop(task, reason ?? 'webhook deleted', taskLogger);
}

/**
 * The DLQ message of `task` ended by `ending`: its attempts so far plus the request that failed last,
 * or why it was given up without one, and the webhook's name and URL as the failure log shows them
 * (slot postponements are not carried into the log).
 */
function deadLetterOf(
  task: DeliveryTask,
  ending: { attempt: DeliveryAttempt } | { givenUp: GiveUpReason },
  webhook: StoredWebhook,
): DeadLetteredTask {
  const { slotPostponements: _reset, ...rest } = task;
  return {
    ...rest,
    attempts: 'attempt' in ending ? [...task.attempts, ending.attempt] : task.attempts,
    ...('givenUp' in ending ? { givenUp: ending.givenUp } : {}),
    webhookName: webhook.name,
    url: webhook.url,
  };
}

/**
 * Whether `task` is a delivery that had already failed toward a webhook the service itself then
 * deactivated (410 Gone or auto-disable: `disabledReason` set). Such a delivery must end in a failure
 * log, as the one that triggered the deactivation does (docs/contract.md#isolation), or the admin cannot redeliver it
 * once the endpoint is fixed. An admin's own deactivation drops it (docs/contract.md#deliveries: "receives nothing more").
 */
function wasDisabledByService(webhook: StoredWebhook, task: DeliveryTask): boolean {
  return webhook.status !== 'active' && Boolean(webhook.disabledReason) && task.attempts.length > 0;
}

/** Ends `task` in the DLQ (hence a failure log) without sending it, saying why (no attempt: nothing was sent). */
async function deadLetterUnsent(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  webhook: StoredWebhook,
  context: { reason: string; taskLogger: CorrelatedLogger },
): Promise<DeliveryResult> {
  const givenUp: GiveUpReason = { reason: `not sent: ${context.reason} (${webhook.disabledReason})` };
  const deadLettered = deadLetterOf(task, { givenUp }, webhook);
  await services.deliveryQueue.deadLetter(deadLettered);
  metrics.addMetric('DeliveriesDeadLettered', MetricUnit.Count, 1);
  context.taskLogger.warn('delivery not sent: the service deactivated its webhook; dead-lettered', {
    attempts: deadLettered.attempts.length,
  });
  return { status: 'dead-lettered', givenUp };
}

/**
 * An ordered delivery whose webhook no longer orders (docs/ordering.md): it leaves its conversation's
 * queue for the unordered one with what it has done so far, so it and everything behind it go on at
 * once, unordered. Nothing is sent here; the unordered queue's delivery is the one recorded.
 */
async function releaseOrdered(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  taskLogger: CorrelatedLogger,
): Promise<DeliveryResult> {
  const { ordered: _released, ...unordered } = task;
  await services.deliveryQueue.enqueue([unordered]);
  metrics.addMetric('OrderedDeliveriesReleased', MetricUnit.Count, 1);
  taskLogger.info('webhook no longer orders its deliveries; delivery released to the unordered queue', {
    attempts: task.attempts.length,
  });
  return { status: 'postponed', delaySeconds: 0, reason: 'released' };
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

/**
 * A delivery whose webhook has every slot taken: back to the queue without using an attempt, after a
 * wait that doubles with each refusal in a row (up to MAX_SLOT_WAIT_SECONDS) and is spread at random,
 * so a backlog does not come back all at once.
 */
async function postponeForSlot(
  services: Pick<Services, 'clock' | 'deliveryQueue' | 'random'>,
  task: DeliveryTask,
  busy: { expectedWaitMs: number; taskLogger: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { taskLogger } = busy;
  const refusals = task.slotPostponements ?? 0;
  const firstTriedAt = firstTryOf(task) ?? services.clock.now().toISOString();
  const backoffSeconds = Math.max(2 ** Math.min(refusals, 10), Math.ceil(busy.expectedWaitMs / 1000));
  const baseSeconds = Math.min(MAX_SLOT_WAIT_SECONDS, backoffSeconds);
  const delaySeconds = Math.max(1, Math.round(baseSeconds * (0.5 + drawOf(services))));
  const notBefore = new Date(services.clock.now().getTime() + delaySeconds * 1000).toISOString();
  await services.deliveryQueue.enqueueDelayed(
    { ...task, notBefore, firstTriedAt, slotPostponements: refusals + 1 },
    delaySeconds,
  );
  metrics.addMetric('DeliveriesPostponedBySlots', MetricUnit.Count, 1);
  taskLogger.debug('every slot of the webhook is taken; delivery postponed without using an attempt', {
    delaySeconds,
    refusals: refusals + 1,
  });
  return { status: 'postponed', delaySeconds, reason: 'slots-busy' };
}

/** Whether `task` has made no request yet and its schedule's total time since its first try has passed. */
function isUnsentPastSchedule(
  services: Pick<Services, 'clock' | 'deliveryPolicy'>,
  task: DeliveryTask,
): boolean {
  const firstTriedAt = firstTryOf(task);
  if (task.attempts.length > 0 || firstTriedAt === undefined) return false;
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1000;
  return services.clock.now().getTime() >= Date.parse(firstTriedAt) + scheduleMs;
}

/** A uniform draw in [0, 1] from the injected randomness (Math.random when none is injected). */
function drawOf(services: Pick<Services, 'random'>): number {
  return Math.min(Math.max((services.random ?? Math.random)(), 0), 1);
}

/** When the delivery first came up for an attempt: the time a postponed first try noted, else its first attempt's. */
function firstTryOf(task: DeliveryTask): string | undefined {
  return task.firstTriedAt ?? task.attempts[0]?.at;
}

/** The circuit's evidence from an attempt: what the failed request got (status or error). */
function failureEvidenceOf(attempt: DeliveryAttempt): Omit<FailureEvidence, 'at'> {
  return {
    ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
    ...(attempt.error !== undefined ? { error: attempt.error } : {}),
  };
}

/** The failed request a give-up cites, in words: time and status or error. */
function describeEvidence(evidence: FailureEvidence): string {
  const what =
    evidence.statusCode !== undefined
      ? `answered ${evidence.statusCode}`
      : `failed (${evidence.error ?? 'no answer'})`;
  return `the request to the webhook at ${evidence.at.toISOString()} ${what}`;
}

/**
 * A delivery whose webhook's circuit is open (`webhook` as read right before asking, still wanting the
 * event). Refused by the circuit, it made no request, so it uses no attempt: it goes back to the
 * queue for when the circuit half-opens (plus up to 20 % at random), where the first to come is the
 * probe. The schedule still ends: once its total time has passed since the first try, the delivery is
 * given up, but only on evidence, a real request to the webhook that failed after that moment (and
 * within the cool-down: the circuit is open because of it). Without such evidence the endpoint may
 * have recovered while the circuit was shut, so the delivery waits for the next probe instead: an
 * endpoint that came back gets its deliveries after one probe, never failure logs.
 */
async function postponeForCircuit(
  services: Pick<Services, 'clock' | 'deliveryPolicy' | 'deliveryQueue' | 'random'>,
  task: DeliveryTask,
  circuit: {
    refusal: Extract<Admission, { reason: 'circuit-open' }>;
    webhook: StoredWebhook;
    taskLogger: CorrelatedLogger;
  },
): Promise<DeliveryResult> {
  const { taskLogger, webhook, refusal } = circuit;
  const now = services.clock.now();
  const firstTriedAt = firstTryOf(task) ?? now.toISOString();
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1000;
  const scheduleEndMs = Date.parse(firstTriedAt) + scheduleMs;
  const evidence = refusal.lastFailure;
  const isEvidence =
    evidence !== undefined &&
    evidence.at.getTime() >= scheduleEndMs &&
    now.getTime() - evidence.at.getTime() <= refusal.cooldownMs;
  if (now.getTime() >= scheduleEndMs && evidence && isEvidence) {
    return giveUpOnEvidence(services, task, { webhook, evidence, scheduleMs, taskLogger });
  }
  // Spread upwards only (docs/contract.md#isolation, ±20 % jitter): sooner than retryAt the circuit refuses again, and
  // without a spread every refused delivery would reach the recovering endpoint in the same second.
  const waitSeconds = Math.max(1, (refusal.retryAt.getTime() - now.getTime()) / 1000);
  const delaySeconds = Math.ceil(waitSeconds * (1 + RETRY_JITTER * drawOf(services)));
  const notBefore = new Date(now.getTime() + delaySeconds * 1000).toISOString();
  const { slotPostponements: _reset, ...rest } = task;
  await services.deliveryQueue.enqueueDelayed({ ...rest, notBefore, firstTriedAt }, delaySeconds);
  metrics.addMetric('DeliveriesPostponedByCircuit', MetricUnit.Count, 1);
  taskLogger.info('webhook circuit open; delivery postponed without using an attempt', {
    delaySeconds,
    attempts: task.attempts.length,
  });
  return { status: 'postponed', delaySeconds, reason: 'circuit-open' };
}

/**
 * Ends a delivery whose schedule ran out while its webhook's circuit was open, citing the failed
 * request it is given up on. Its attempts stay the requests it made itself; nothing is counted in the
 * webhook's health or its auto-disable evidence (the request cited was counted when it was made).
 */
async function giveUpOnEvidence(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  context: {
    webhook: StoredWebhook;
    evidence: FailureEvidence;
    scheduleMs: number;
    taskLogger: CorrelatedLogger;
  },
): Promise<DeliveryResult> {
  const { webhook, evidence, taskLogger } = context;
  const givenUp: GiveUpReason = {
    reason: `given up: its retry schedule (${Math.round(context.scheduleMs / 1000)} s since the first try) ended while the webhook's circuit was open, and ${describeEvidence(evidence)}`,
    evidence: {
      at: evidence.at.toISOString(),
      ...(evidence.statusCode !== undefined ? { statusCode: evidence.statusCode } : {}),
      ...(evidence.error !== undefined ? { error: evidence.error } : {}),
    },
  };
  const deadLettered = deadLetterOf(task, { givenUp }, webhook);
  await services.deliveryQueue.deadLetter(deadLettered);
  metrics.addMetric('DeliveriesDeadLettered', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesGivenUpByCircuit', MetricUnit.Count, 1);
  taskLogger.warn('delivery given up: its schedule ended while the webhook kept failing', {
    attempts: task.attempts.length,
    evidenceAt: givenUp.evidence?.at,
    evidenceStatusCode: evidence.statusCode,
    evidenceError: evidence.error,
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
