/**
 * How a delivery ends without a request of its own: dropped (its webhook no longer wants it),
 * dead-lettered unsent (the service deactivated its webhook), or released from its conversation's
 * queue (its webhook no longer orders); and the dead-letter message every ending builds.
 */

import type { DeliveryResult } from '#app/delivery/result';
import type { Services } from '#app/services';
import type { DeadLetteredTask, DeliveryTask, GiveUpReason, TaskEvent } from '#domain/delivery-task';
import type { DeliveryAttempt, StoredWebhook } from '#domain/model';
import { TEST_EVENT_TYPE } from '#domain/model';
import { tenantMismatchReason } from '#domain/tenant-boundary';
import { type CorrelatedLogger, MetricUnit, metrics } from '#observability';

/** Why `task` must not reach `webhook` as read (deleted, inactive, unsubscribed, another tenant's), or undefined. */
export function whyNotDeliver(task: DeliveryTask, webhook: StoredWebhook | undefined): string | undefined {
  return tenantMismatchReason(task, webhook) ?? dropReason(webhook, task.event);
}

/** Why a task must not reach its webhook any more, or undefined when it may. */
function dropReason(webhook: StoredWebhook | undefined, event: TaskEvent): string | undefined {
  if (!webhook) return 'webhook deleted';
  if (webhook.status !== 'active') return 'webhook inactive';
  if (event.type === TEST_EVENT_TYPE) return undefined;
  if (!webhook.events.includes(event.type)) return 'webhook no longer subscribed to this event type';
  if (webhook.brandId !== null && webhook.brandId !== event.brandId)
    return 'webhook no longer subscribed to this brand';
  return undefined;
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
export async function endUnwanted(
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
export function deadLetterOf(
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
export async function releaseOrdered(
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

/** When the delivery first came up for an attempt: the time a postponed first try noted, else its first attempt's. */
export function firstTryOf(task: DeliveryTask): string | undefined {
  return task.firstTriedAt ?? task.attempts[0]?.at;
}
