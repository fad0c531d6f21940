/**
 * Ordered deliveries of a batch (docs/ordering.md, docs/contract.md#ordering): one conversation's
 * messages one at a time in queue order; one that has not ended holds its message (and everything
 * behind it) in its queue instead of being re-enqueued, so it keeps its place.
 */

import type { DeliveryResult } from '#app/delivery/result';
import { deliverTask, type TaskServices } from '#app/delivery/task';
import type { BatchAcknowledgement } from '#app/prompt-acknowledgement';
import type { Services } from '#app/services';
import { type DeliveryTask, parseDeliveryTask, type QueueMessage } from '#domain/delivery-task';
import {
  MAX_HOLD_SECONDS,
  type OrderedDelivery,
  orderingGroupOf,
  progressOf,
  resumeWith,
} from '#domain/ordering';
import type { DeliveryQueue } from '#domain/ports';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';

/** What ordered delivery uses: one task's ports and the progress store of held deliveries. */
export type OrderedServices = TaskServices & Pick<Services, 'orderedProgress'>;

/** An ordered delivery's message held in its queue until its retry (or postponement) is due. */
export interface Hold {
  message: QueueMessage;
  seconds: number;
}

/**
 * The batch's messages without order, and the ordered ones by conversation (their message group),
 * each in the order the queue handed them over (a FIFO queue hands a group's messages in order).
 */
export function splitOrdered(messages: QueueMessage[]): {
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

/** What one conversation's messages of a batch came to: the ids to redeliver, and the messages to hold. */
export interface ConversationOutcome {
  failed: string[];
  holds: Hold[];
}

/**
 * One conversation's messages of a batch, one at a time in queue order (docs/contract.md#ordering): the
 * next only once the previous has ended (delivered, dropped, dead-lettered), each acknowledged as it
 * ends. The first that has not ended (held for its retry, or failed to process) and every one after
 * it go back to the queue, in order: the queue serves none of them before the held one comes back, so
 * those behind it are visible again at once (one ChangeMessageVisibility each) instead of after the
 * queue's visibility timeout.
 */
export async function processConversation(
  services: OrderedServices,
  members: { message: QueueMessage; task: DeliveryTask & { ordered: OrderedDelivery } }[],
  acknowledgement: BatchAcknowledgement,
): Promise<ConversationOutcome> {
  for (const [index, { message, task }] of members.entries()) {
    const outcome = await processOrdered(services, message, task);
    if (outcome.status === 'ended') {
      acknowledgement.settled(message);
      continue;
    }
    const behind = members.slice(index + 1);
    return {
      failed: members.slice(index).map((member) => member.message.messageId),
      holds: [
        ...(outcome.status === 'held' ? [{ message, seconds: outcome.seconds }] : []),
        // Those behind it are made visible again at once: the FIFO queue serves none of them before the
        // one ahead has ended, so they go on right after it rather than after a whole visibility timeout.
        ...behind.map((follower) => ({ message: follower.message, seconds: 0 })),
      ],
    };
  }
  return { failed: [], holds: [] };
}

/**
 * One ordered delivery: resumed with the progress kept while it was held, then treated as any single
 * task, except that what would re-enqueue it with a delay (a retry, a postponement) keeps its progress
 * (through a queue that stores it instead of enqueueing) and holds its message instead, so it keeps its
 * place in its conversation.
 */
async function processOrdered(
  services: OrderedServices,
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
    const holding: DeliveryQueue = {
      enqueue: (tasks) => services.deliveryQueue.enqueue(tasks),
      deadLetter: (deadLettered) => services.deliveryQueue.deadLetter(deadLettered),
      enqueueDelayed: (next) =>
        services.orderedProgress.put(
          task.tenantId,
          task.ordered.deduplicationId,
          progressOf(next),
          heldProgressExpiry(services),
        ),
    };
    const result = await deliverTask({ ...services, deliveryQueue: holding }, resumeWith(task, progress));
    const holdSeconds = holdSecondsOf(result);
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

/**
 * How long an ordered delivery's message is held, in whole seconds (at least 1, at most
 * MAX_HOLD_SECONDS), or undefined when it has ended. Every result that re-enqueues its task with a
 * delay (a retry, a postponement, each reporting the delay it asked the queue for) is held instead;
 * a release to the unordered queue is no delay: its message has ended here.
 */
function holdSecondsOf(result: DeliveryResult): number | undefined {
  const isDelayed =
    result.status === 'retry-scheduled' || (result.status === 'postponed' && result.reason !== 'released');
  if (!isDelayed) return undefined;
  return Math.min(Math.max(1, Math.ceil(result.delaySeconds)), MAX_HOLD_SECONDS);
}

/** How long a held delivery's progress is kept: its whole retry schedule (with jitter) and a day. */
function heldProgressExpiry(services: Pick<Services, 'clock' | 'deliveryPolicy'>): Date {
  const scheduleMs = services.deliveryPolicy.retryScheduleSeconds.reduce(
    (total, seconds) => total + seconds,
    0,
  );
  return new Date(services.clock.now().getTime() + scheduleMs * 1.25 * 1000 + 86_400_000);
}
