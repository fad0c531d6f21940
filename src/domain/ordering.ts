/**
 * Ordered delivery per conversation (docs/contract.md#ordering, docs/ordering.md): which events have a
 * conversation, the ordered queue's message group and de-duplication id of a delivery, and the
 * progress an ordered delivery keeps while its queue holds it between tries.
 *
 * An ordered delivery is a single task with `ordered` set. Its queue (a FIFO queue) serves one message
 * of a group at a time, in send order; a retry keeps its message and only changes its visibility, so
 * the deliveries of the same conversation behind it wait, and nothing else does.
 */
import { createHash } from 'node:crypto';
import type { DeliveryTask } from './delivery-task';
import type { DeliveryAttempt, EventEnvelope, WebhookOrdering } from './model';

/** The ordering of one delivery: the conversation it belongs to and the id that de-duplicates its sends. */
export interface OrderedDelivery {
  /** `data.conversation.id` or `data.conversationId`: sent as `webhook-ordering-key`. */
  conversationId: string;
  /**
   * The ordered queue's de-duplication id of this delivery (a second send within five minutes is
   * dropped): the same for the bus's retries of one fan-out, new for each redelivery. It also names the
   * delivery's held progress.
   */
  deduplicationId: string;
}

/**
 * A conversation id that orders deliveries: 1 to 1024 visible ASCII characters, so it travels as the
 * `webhook-ordering-key` header unchanged. An event whose id is anything else is delivered unordered.
 */
const ORDERING_KEY = /^[\x21-\x7e]{1,1024}$/;

/**
 * The conversation an event belongs to: `data.conversation.id`, else `data.conversationId` (docs/contract.md#ordering).
 * Undefined when it has neither as a non-empty string: such an event is delivered unordered.
 */
export function conversationIdOf(event: Pick<EventEnvelope, 'data'>): string | undefined {
  const conversation = event.data.conversation;
  const nested =
    typeof conversation === 'object' && conversation !== null
      ? (conversation as Record<string, unknown>).id
      : undefined;
  const id = typeof nested === 'string' && nested !== '' ? nested : event.data.conversationId;
  return typeof id === 'string' && ORDERING_KEY.test(id) ? id : undefined;
}

function digest(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('base64url');
}

/**
 * The ordering of `event`'s delivery to a webhook with `ordering`, or undefined when it goes unordered
 * (the webhook does not order, or the event names no conversation). `redeliveryNonce` is set for an
 * admin's redelivery: a new delivery, never de-duplicated against the first.
 */
export function orderingFor(
  ordering: WebhookOrdering,
  delivery: { tenantId: string; webhookId: string; event: EventEnvelope; redeliveryNonce?: string },
): OrderedDelivery | undefined {
  if (ordering !== 'conversation') return undefined;
  const conversationId = conversationIdOf(delivery.event);
  if (conversationId === undefined) return undefined;
  return {
    conversationId,
    deduplicationId: digest(
      delivery.tenantId,
      delivery.webhookId,
      delivery.event.id,
      delivery.redeliveryNonce ?? '',
    ),
  };
}

/**
 * The ordered queue's message group of a delivery: one per (tenant, webhook, conversation), as a
 * digest so any conversation id (any length, any character) fits SQS's 128 visible ASCII characters
 * and no tenant can name another's group.
 */
export function orderingGroupOf(
  task: Pick<DeliveryTask, 'tenantId' | 'webhookId'>,
  ordered: OrderedDelivery,
) {
  return digest(task.tenantId, task.webhookId, ordered.conversationId);
}

/**
 * What an ordered delivery has done so far, kept while its queue holds it (the message itself cannot
 * change): its attempts, when it first came up, and how often in a row its webhook's slots were taken.
 */
export interface OrderedProgress {
  attempts: DeliveryAttempt[];
  firstTriedAt?: string;
  slotPostponements?: number;
  /** A wait longer than one hold allows: the delivery holds again until then. */
  notBefore?: string;
}

/**
 * SQS's longest visibility timeout (12 hours), less a margin for the attempt that precedes a hold:
 * the longest one hold of an ordered delivery lasts. A longer wait (a long Retry-After) holds again.
 */
export const MAX_HOLD_SECONDS = 43_200 - 300;

/** How long the ordered queue (and its DLQ) keeps a message: SQS's longest, 14 days. */
export const ORDERED_QUEUE_RETENTION_SECONDS = 1_209_600;

/** The progress a task carries (what the ordered queue's store keeps between tries). */
export function progressOf(task: DeliveryTask): OrderedProgress {
  return {
    attempts: task.attempts,
    ...(task.firstTriedAt !== undefined ? { firstTriedAt: task.firstTriedAt } : {}),
    ...(task.slotPostponements !== undefined ? { slotPostponements: task.slotPostponements } : {}),
    ...(task.notBefore !== undefined ? { notBefore: task.notBefore } : {}),
  };
}

/** The task as it resumes after a hold: its message's body with the progress kept for it. */
export function resumeWith(task: DeliveryTask, progress: OrderedProgress | undefined): DeliveryTask {
  if (!progress) return task;
  const { notBefore: _stale, firstTriedAt: _first, slotPostponements: _slots, ...rest } = task;
  return {
    ...rest,
    attempts: progress.attempts,
    ...(progress.firstTriedAt !== undefined ? { firstTriedAt: progress.firstTriedAt } : {}),
    ...(progress.slotPostponements !== undefined ? { slotPostponements: progress.slotPostponements } : {}),
    ...(progress.notBefore !== undefined ? { notBefore: progress.notBefore } : {}),
  };
}

/**
 * Checks a retry schedule against what the ordered queue allows: each wait within one hold (a
 * visibility timeout, at most 12 hours) and the whole schedule well within the queue's retention.
 * Returns what is wrong, or undefined.
 */
export function orderedScheduleProblem(
  retryScheduleSeconds: readonly number[],
  retentionSeconds: number,
): string | undefined {
  const longest = Math.max(0, ...retryScheduleSeconds);
  if (longest > MAX_HOLD_SECONDS) {
    return `a retry waits ${longest} s, longer than an ordered delivery can be held (${MAX_HOLD_SECONDS} s: SQS's 12-hour visibility limit less a margin)`;
  }
  // Jitter may stretch each wait by up to 20 %; the queue must keep the message for all of it and a day more.
  const total = retryScheduleSeconds.reduce((sum, seconds) => sum + seconds, 0) * 1.2 + 86_400;
  if (total > retentionSeconds) {
    return `the retry schedule (${Math.round(total)} s with jitter and a day's margin) outlasts the ordered queue's retention (${retentionSeconds} s)`;
  }
  return undefined;
}

/**
 * An admin's redelivery (redeliver, recover, a failure log's redelivery) to `webhook` as it is now: an
 * ordered webhook gets it at the end of its conversation's queue, behind what is already waiting there,
 * as a new delivery (`nonce` makes its de-duplication id its own). docs/ordering.md says why.
 */
export function withRedeliveryOrdering(
  webhook: { ordering?: WebhookOrdering },
  task: DeliveryTask & { event: EventEnvelope },
  nonce: string,
): DeliveryTask {
  const ordered = orderingFor(webhook.ordering ?? 'none', {
    tenantId: task.tenantId,
    webhookId: task.webhookId,
    event: task.event,
    redeliveryNonce: nonce,
  });
  return ordered ? { ...task, ordered } : task;
}
