/**
 * Delivery: one attempt of one task, then success, a scheduled retry, or the dead-letter queue.
 * A group task (one message for an event's first attempt to several webhooks) is fanned out here, in
 * memory: each webhook gets the same treatment as a single task, and each failure continues as its own
 * single task.
 */

import * as z from 'zod';
import { type CircuitPermit, isEndpointFailure } from '#domain/circuit-breaker';
import { buildDeliveryRequest } from '#domain/delivery-request';
import type { AttemptOutcome } from '#domain/delivery-sender';
import type { DeliveryAttempt, DeliveryTask, EventEnvelope, StoredWebhook } from '#domain/model';
import { TEST_EVENT_TYPE } from '#domain/model';
import { nextRetryDelay } from '#domain/retry-policy';
import {
  type CorrelatedLogger,
  describeError,
  logger,
  MetricUnit,
  metrics,
  withCorrelation,
} from '#observability';
import { loadDeliveryCredentials } from './credentials';
import type { DeadLetteredTask } from './dead-letters';
import { recordSettledDelivery } from './delivery-log';
import { destinationOf, endpointCircuits } from './endpoint-circuits';
import { getWebhookCached } from './lookup-cache';
import type { Services } from './services';
import { recordDeliveryFailure, recordDeliverySuccess } from './webhook-health';

/** A task this early is re-enqueued rather than attempted (the queue caps delays, so long waits hop). */
const EARLY_TOLERANCE_MS = 1000;
/**
 * How many attempt timeouts a group's webhooks may wait for a sender slot before the rest are handed
 * off as single tasks. A group holds up to 50 deliveries, all possibly to one slow origin; without a
 * bound its message could outlive the queue's visibility timeout (a duplicate send) or the delivery
 * Lambda's 60 s. With the 10 s default: 20 s of waiting, then at most one 10 s attempt.
 */
const GROUP_SLOT_WAIT_TIMEOUTS = 2;

/** One message of the delivery queue. */
export interface QueueRecord {
  messageId: string;
  body: string;
  receiptHandle?: string;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** What became of a task. */
export type DeliveryResult =
  | { status: 'delivered'; attempt: DeliveryAttempt }
  | { status: 'retry-scheduled'; attempt: DeliveryAttempt; delaySeconds: number }
  | { status: 'dead-lettered'; attempt: DeliveryAttempt }
  | { status: 'postponed'; delaySeconds: number; reason?: 'circuit-open' | 'group-slot-wait' }
  | { status: 'dropped'; reason: string };

const attemptSchema = z.looseObject({
  at: z.string(),
  statusCode: z.number().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
  responseSnippet: z.string().optional(),
});

const deliveryTaskSchema = z.looseObject({
  tenantId: z.string().min(1),
  webhookId: z.string().min(1),
  event: z.looseObject({
    id: z.string().min(1),
    type: z.string().min(1),
    timestamp: z.string(),
    tenantId: z.string(),
    brandId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  }),
  webhookIds: z.array(z.string().min(1)).min(1).optional(),
  attempts: z.array(attemptSchema),
  notBefore: z.string().optional(),
  redeliveryOf: z.string().optional(),
  circuitPostponedSeconds: z.number().nonnegative().optional(),
});

/** Parses a queue message body into a task; undefined when it is not one. */
export function parseDeliveryTask(body: string): DeliveryTask | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = deliveryTaskSchema.safeParse(json);
  return parsed.success ? (parsed.data as DeliveryTask) : undefined;
}

/** The webhooks a task delivers to: every one of a group task, else its one webhook. */
export function webhookIdsOf(task: DeliveryTask): string[] {
  return task.webhookIds ? [...new Set(task.webhookIds)] : [task.webhookId];
}

/** One webhook's share of a group task, as a single task. */
export function memberTask(group: DeliveryTask, webhookId: string): DeliveryTask {
  const { webhookIds: _group, ...task } = group;
  return { ...task, webhookId };
}

/**
 * Delivers a batch concurrently. Only records that could not be handled (unparseable, or the queue or
 * store failed) are reported as failures so the queue redelivers them; a failing endpoint is not such
 * a failure — the retry schedule handles it.
 */
export async function processDeliveryBatch(services: Services, records: QueueRecord[]): Promise<BatchResult> {
  const failed = await Promise.all(
    records.map(async (record) => {
      const task = parseDeliveryTask(record.body);
      if (!task) {
        // The DLQ processor records it once the queue's maxReceiveCount moves it there.
        logger.error('delivery message is not a delivery task', { messageId: record.messageId });
        metrics.addMetric('DeliveryMessagesUnreadable', MetricUnit.Count, 1);
        return record.messageId;
      }
      try {
        if (task.webhookIds) await deliverGroup(services, task);
        else await deliverTask(services, task);
        return undefined;
      } catch (error) {
        withCorrelation({ eventId: task.event.id, tenantId: task.tenantId, webhookId: task.webhookId }).error(
          'delivery could not be processed; the queue will redeliver it',
          {
            messageId: record.messageId,
            ...(task.webhookIds ? { webhookIds: task.webhookIds } : {}),
            error: describeError(error),
          },
        );
        metrics.addMetric('DeliveryProcessingErrors', MetricUnit.Count, 1);
        return record.messageId;
      }
    }),
  );
  return {
    batchItemFailures: failed.flatMap((messageId) => (messageId ? [{ itemIdentifier: messageId }] : [])),
  };
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

/** Signs and sends one attempt of `event` to `webhook` (also what the admin API's test route needs). */
export async function attemptDelivery(
  services: Services,
  webhook: StoredWebhook,
  event: EventEnvelope,
  options: { admit?: () => boolean } = {},
): Promise<{ outcome: AttemptOutcome; attempt: DeliveryAttempt; requestHeaders: Record<string, string> }> {
  const credentials = await loadDeliveryCredentials(services, webhook);
  const build = (at: Date) =>
    buildDeliveryRequest({
      event,
      webhook,
      credentials,
      attemptAt: at,
      userAgent: `chat-webhooks/${services.config.SERVICE_VERSION}`,
    });
  let attemptAt = services.clock.now();
  const request = build(attemptAt);
  // SPEC 6: webhook-timestamp is the time of this attempt. The sender may hold the request for a
  // per-endpoint slot for several attempt timeouts, so it is stamped and signed again once admitted,
  // right before it goes on the wire (a stale stamp also fails receivers' tolerance checks).
  const admit = (): boolean => {
    if (options.admit && !options.admit()) return false;
    const admittedAt = services.clock.now();
    // The stamp has one-second resolution: re-serialise and re-sign only when it would change.
    if (Math.floor(admittedAt.getTime() / 1000) !== Math.floor(attemptAt.getTime() / 1000)) {
      request.headers = build(admittedAt).headers;
    }
    attemptAt = admittedAt;
    return true;
  };
  const outcome = await services.sender.send(request, {
    timeoutMs: services.config.DELIVERY_TIMEOUT_MS,
    admit,
  });
  const attempt: DeliveryAttempt = { at: attemptAt.toISOString(), durationMs: outcome.durationMs };
  if (outcome.statusCode !== undefined) attempt.statusCode = outcome.statusCode;
  if (outcome.error !== undefined) attempt.error = outcome.error;
  if (outcome.responseSnippet !== undefined) attempt.responseSnippet = outcome.responseSnippet;
  return { outcome, attempt, requestHeaders: request.headers };
}

/**
 * Delivers a group task to each of its webhooks concurrently, as `deliverTask` delivers a single task.
 * Resolves once every webhook is settled: delivered, dropped, or its follow-up single task (retry,
 * circuit postponement, hand-off after the slot wait, dead letter) durably enqueued. Throws when any
 * follow-up could not be enqueued, after the others settled, so the group message is redelivered:
 * nothing is lost, and webhooks already delivered get it again with the same webhook-id (at-least-once;
 * receivers de-duplicate on it).
 */
export async function deliverGroup(
  services: Services,
  group: DeliveryTask,
): Promise<{ webhookId: string; result: DeliveryResult }[]> {
  const admitBy =
    services.clock.now().getTime() + GROUP_SLOT_WAIT_TIMEOUTS * services.config.DELIVERY_TIMEOUT_MS;
  const webhookIds = webhookIdsOf(group);
  const settled = await Promise.allSettled(
    webhookIds.map((webhookId) => deliverTask(services, memberTask(group, webhookId), { admitBy })),
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
 * Processes one single task (a group task goes through `deliverGroup`): postpones it when early, drops
 * it when its webhook no longer wants it, else attempts it and schedules what follows, then records the
 * settled result in the delivery log. Throws only when the queue or the store fails.
 */
export async function deliverTask(
  services: Services,
  task: DeliveryTask,
  options: {
    /** Epoch ms (services.clock) after which a task still waiting for a sender slot is handed off. */
    admitBy?: number;
  } = {},
): Promise<DeliveryResult> {
  const seen: SeenByAttempt = {};
  const result = await settleTask(services, task, options, seen);
  // After the follow-up is durably enqueued, so a crash here leaves a retry that records it (SPEC 6.3).
  await recordSettledDelivery(services, { task, result, ...seen });
  return result;
}

/** What the delivery log needs from inside settleTask: the webhook and the attempt's headers as sent. */
interface SeenByAttempt {
  webhook?: StoredWebhook;
  requestHeaders?: Record<string, string>;
}

async function settleTask(
  services: Services,
  task: DeliveryTask,
  options: { admitBy?: number },
  seen: SeenByAttempt,
): Promise<DeliveryResult> {
  const log = withCorrelation({ eventId: task.event.id, tenantId: task.tenantId, webhookId: task.webhookId });
  const remainingMs = task.notBefore ? Date.parse(task.notBefore) - services.clock.now().getTime() : 0;
  if (remainingMs > EARLY_TOLERANCE_MS) {
    const delaySeconds = Math.ceil(remainingMs / 1000);
    await services.deliveryQueue.enqueueDelayed(task, delaySeconds);
    return { status: 'postponed', delaySeconds };
  }

  const webhook = await getWebhookCached(services, task.tenantId, task.webhookId);
  if (webhook) seen.webhook = webhook;
  const reason = dropReason(webhook, task.event);
  if (!webhook || reason) {
    log.info('delivery dropped', { reason, eventType: task.event.type });
    metrics.addMetric('DeliveriesDropped', MetricUnit.Count, 1);
    return { status: 'dropped', reason: reason ?? 'webhook deleted' };
  }

  const destination = destinationOf(webhook.url);
  const circuits = endpointCircuits(services);
  // Checked before queueing for a sender slot as well, so an open circuit costs no wait at all.
  const openUntil = circuits.retryAt(destination);
  if (openUntil) return postponeForCircuit(services, task, webhook, { destination, retryAt: openUntil, log });

  // Filled by the sender once it holds a slot for this destination (a fake sender may never ask).
  const gate: { permit?: CircuitPermit; isLate?: boolean } = {};
  const admit = (): boolean => {
    if (options.admitBy !== undefined && services.clock.now().getTime() > options.admitBy) {
      gate.isLate = true;
      return false;
    }
    gate.permit = circuits.get(destination).tryAcquire();
    return gate.permit.isAllowed;
  };
  let delivery: Awaited<ReturnType<typeof attemptDelivery>>;
  try {
    delivery = await attemptDelivery(services, webhook, task.event, { admit });
  } catch (error) {
    if (gate.permit?.isAllowed) circuits.get(destination).release();
    throw error;
  }
  const { outcome, attempt } = delivery;
  seen.requestHeaders = delivery.requestHeaders;
  const { permit } = gate;
  if (outcome.isNotSent && gate.isLate) return handOffLateMember(services, task, { destination, log });
  if (outcome.isNotSent && permit && !permit.isAllowed) {
    return postponeForCircuit(services, task, webhook, { destination, retryAt: permit.retryAt, log });
  }
  const circuit = circuits.recordOutcome(destination, isEndpointFailure(outcome));
  if (circuit.after === 'open' && circuit.before !== 'open') {
    metrics.addMetric('CircuitsOpened', MetricUnit.Count, 1);
    log.warn('destination circuit opened after repeated failures; deliveries to it are postponed', {
      destination,
      cooldownMs: services.config.CIRCUIT_COOLDOWN_MS,
      error: attempt.error,
    });
  } else if (circuit.after === 'closed' && circuit.before !== 'closed') {
    log.info('destination circuit closed', { destination });
  }
  const attempts = [...task.attempts, attempt];
  metrics.addMetric('DeliveryAttempts', MetricUnit.Count, 1);

  if (outcome.isSuccess) {
    const latencyMs = services.clock.now().getTime() - Date.parse(task.event.timestamp);
    if (Number.isFinite(latencyMs)) metrics.addMetric('DeliveryLatency', MetricUnit.Milliseconds, latencyMs);
    metrics.addMetric('DeliveriesSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('AttemptsPerDelivery', MetricUnit.Count, attempts.length);
    log.debug('delivered', { statusCode: outcome.statusCode, attempts: attempts.length });
    await recordDeliverySuccess(services, webhook);
    return { status: 'delivered', attempt };
  }
  return settleFailedAttempt(services, task, webhook, {
    attempt,
    retryAfterSeconds: outcome.retryAfterSeconds,
    log,
  });
}

/**
 * A group member that waited too long for a sender slot: re-enqueued at once as its own single task,
 * without using an attempt, so the group's message can be settled within its visibility timeout.
 */
async function handOffLateMember(
  services: Services,
  task: DeliveryTask,
  late: { destination: string; log: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { destination, log } = late;
  await services.deliveryQueue.enqueueDelayed(task, 0);
  metrics.addMetric('DeliveriesHandedOffFromGroup', MetricUnit.Count, 1);
  log.info('delivery waited too long for a sender slot within its group; re-enqueued on its own', {
    destination,
  });
  return { status: 'postponed', delaySeconds: 0, reason: 'group-slot-wait' };
}

/** Sum of the retry delays still ahead of a task that has made `attemptsMade` attempts. */
function remainingScheduleSeconds(schedule: readonly number[], attemptsMade: number): number {
  return schedule.slice(attemptsMade).reduce((total, seconds) => total + seconds, 0);
}

/**
 * A delivery whose destination circuit is open: re-enqueued for when the circuit may half-open,
 * without using an attempt (the endpoint was not tried). Waits are bounded by the retry schedule the
 * task has left; past that the refusal counts as a failed attempt, so every task still ends.
 */
async function postponeForCircuit(
  services: Services,
  task: DeliveryTask,
  webhook: StoredWebhook,
  circuit: { destination: string; retryAt: Date; log: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { destination, log } = circuit;
  const now = services.clock.now();
  const delaySeconds = Math.max(1, Math.ceil((circuit.retryAt.getTime() - now.getTime()) / 1000));
  const postponedSeconds = (task.circuitPostponedSeconds ?? 0) + delaySeconds;
  const budgetSeconds = remainingScheduleSeconds(services.config.RETRY_SCHEDULE, task.attempts.length);
  if (postponedSeconds <= budgetSeconds) {
    const notBefore = new Date(now.getTime() + delaySeconds * 1000).toISOString();
    await services.deliveryQueue.enqueueDelayed(
      { ...task, notBefore, circuitPostponedSeconds: postponedSeconds },
      delaySeconds,
    );
    metrics.addMetric('DeliveriesPostponedByCircuit', MetricUnit.Count, 1);
    log.info('destination circuit open; delivery postponed without using an attempt', {
      destination,
      delaySeconds,
      postponedSeconds,
    });
    return { status: 'postponed', delaySeconds, reason: 'circuit-open' };
  }
  metrics.addMetric('DeliveryAttemptsRefusedByCircuit', MetricUnit.Count, 1);
  const attempt: DeliveryAttempt = {
    at: now.toISOString(),
    error: `not sent: the circuit for ${destination} is open after repeated failures`,
    durationMs: 0,
  };
  return settleFailedAttempt(services, task, webhook, { attempt, retryAfterSeconds: undefined, log });
}

/** After a failed attempt: schedules the next one or dead-letters the task, and notes the webhook's health. */
async function settleFailedAttempt(
  services: Services,
  task: DeliveryTask,
  webhook: StoredWebhook,
  failure: { attempt: DeliveryAttempt; retryAfterSeconds: number | undefined; log: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { attempt, log } = failure;
  const attempts = [...task.attempts, attempt];
  const failedAt = services.clock.now();
  // Health first: a failure that deactivates the webhook (410 Gone, or the auto-disable window) ends
  // this delivery in the DLQ, so it gets a failure log that can be redelivered (SPEC 6.2).
  const health = await recordDeliveryFailure(services, webhook, failedAt, attempt);
  const delaySeconds = health.isDeactivated
    ? null
    : nextRetryDelay(services.config.RETRY_SCHEDULE, attempts.length, failure.retryAfterSeconds);
  let result: DeliveryResult;
  if (delaySeconds === null) {
    const deadLettered: DeadLetteredTask = { ...task, attempts, webhookName: webhook.name, url: webhook.url };
    await services.deliveryQueue.deadLetter(deadLettered);
    metrics.addMetric('DeliveriesDeadLettered', MetricUnit.Count, 1);
    log.warn('delivery failed its last attempt', { attempts: attempts.length, error: attempt.error });
    result = { status: 'dead-lettered', attempt };
  } else {
    const notBefore = new Date(failedAt.getTime() + delaySeconds * 1000).toISOString();
    await services.deliveryQueue.enqueueDelayed({ ...task, attempts, notBefore }, delaySeconds);
    metrics.addMetric('DeliveryRetriesScheduled', MetricUnit.Count, 1);
    log.info('delivery attempt failed; retry scheduled', {
      attempts: attempts.length,
      statusCode: attempt.statusCode,
      error: attempt.error,
      delaySeconds,
    });
    result = { status: 'retry-scheduled', attempt, delaySeconds };
  }
  return result;
}
