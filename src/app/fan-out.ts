/**
 * Fan-out: one chat event in, one delivery message carrying every subscribed active webhook out
 * (a group task, see DeliveryTask; a single task when only one webhook subscribes).
 */

import { referenceTo } from '#app/delivery/payload';
import { CHAT_EVENT_SOURCE } from '#domain/chat-event-rules';
import { deliveryBodyOf } from '#domain/delivery-request';
import {
  type DeliveryTask,
  LARGE_EVENT_BYTES,
  MAX_WEBHOOKS_PER_MESSAGE,
  type TaskEvent,
} from '#domain/delivery-task';
import { parseChatEvent, UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import { EVENT_ID_WINDOW_MS, eventFingerprint, judgeEventIdClaim } from '#domain/event-ids';
import type { EventEnvelope, RejectedEvent } from '#domain/model';
import { type OrderedDelivery, orderingFor } from '#domain/ordering';
import type { EventIdClaim } from '#domain/ports';
import { logger, MetricUnit, metrics, withCorrelation } from '#observability';
import { eventPayloadToKeep, referencedPayloadExpiry, storeEventPayload } from './delivery-log';
import type { Services } from './services';

const DETAIL_SNIPPET_BYTES = 2048;

/** SQS's largest message body. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** A chat event as the bus hands it over. */
export interface ChatEventInput {
  source: string;
  detailType: string;
  detail: unknown;
  /** ISO 8601 time of the bus event; the default `occurredAt`. */
  time?: string;
  /** The bus's own event id; makes the default event id stable across retries of one invocation. */
  id?: string;
}

/** What fan-out did with an event; `duplicate` is the same event published again, sent to no one. */
export type FanOutResult = { deliveries: number } | { duplicate: true } | { rejected: RejectedEvent };

/** The ports fan-out uses: subscribers, event-id claims, rejected events, payloads and the delivery queue; nothing that sends or decrypts. */
export type FanOutServices = Pick<
  Services,
  | 'clock'
  | 'deliveryLog'
  | 'deliveryLogPolicy'
  | 'deliveryPolicy'
  | 'deliveryQueue'
  | 'eventIds'
  | 'failureRetention'
  | 'newId'
  | 'rejectedEvents'
  | 'webhooks'
>;

/**
 * Fans one event out to its subscribers. A malformed event is recorded as rejected and never throws
 * (a throw would make the bus retry a hopeless event); store and queue failures do throw, so the
 * bus retries the invocation and its DLQ catches the rest.
 */
export async function fanOutEvent(services: FanOutServices, input: ChatEventInput): Promise<FanOutResult> {
  if (input.source !== CHAT_EVENT_SOURCE) {
    logger.info('ignored an event from another source', {
      source: input.source,
      detailType: input.detailType,
    });
    return { deliveries: 0 };
  }
  // A bus event id stays the same when the bus retries this invocation, so receivers can de-duplicate.
  const newEventId = () => (input.id ? `evt_${input.id}` : services.newId('evt'));
  const parsed = parseChatEvent(
    { detailType: input.detailType, detail: input.detail, ...(input.time ? { time: input.time } : {}) },
    newEventId,
  );
  if (!parsed.ok) return { rejected: await rejectEvent(services, input, parsed) };

  const event = parsed.event;
  // A fresh, strongly consistent read, never a cached one: a webhook created (or deactivated) before
  // this event was published must be seen by it (docs/contract.md#read-your-writes). It costs one store query per event, two
  // when the event names a brand (the brand's subscriptions and the all-brands ones). Read before the
  // claim, so that the claim carries the payload the delivery log keeps: one write per event, not two.
  const subscriptions = await services.webhooks.findSubscriptions(event.tenantId, event.type, event.brandId);
  const webhookIds = subscriptions.map((subscription) => subscription.webhookId);
  // A webhook that orders per conversation gets the event alone, in its conversation's queue
  // (docs/contract.md#ordering); every other webhook shares the event's group messages.
  const orderedWebhooks: { webhookId: string; conversation: OrderedDelivery }[] = [];
  const unordered: string[] = [];
  for (const { webhookId, ordering } of subscriptions) {
    const conversation = orderingFor(ordering, { tenantId: event.tenantId, webhookId, event });
    if (conversation) orderedWebhooks.push({ webhookId, conversation });
    else unordered.push(webhookId);
  }
  const kept = eventPayloadToKeep(services, event, webhookIds.length);
  const byReference = carriedByReference(services, event, {
    unordered,
    ordered: orderedWebhooks.length,
    bodyStored: kept !== undefined,
  });
  const payload = byReference
    ? { body: deliveryBodyOf(event), expiresAt: referencedPayloadExpiry(services, services.clock.now()) }
    : kept;
  const verdict = await claimEventId(services, event, input.id, payload);
  if (verdict === 'duplicate') {
    metrics.addMetric('DuplicateEventsIgnored', MetricUnit.Count, 1);
    withCorrelation({ eventId: event.id, tenantId: event.tenantId }).info(
      'event published again: delivered to no one a second time',
      { eventType: event.type },
    );
    return { duplicate: true };
  }
  if (verdict === 'conflict') {
    return {
      rejected: await rejectEvent(services, input, {
        reason: 'duplicate_event_id',
        issues: [
          {
            path: 'id',
            message:
              'is already the id of another event of this tenant (another type or data) within 24 hours; ids must be unique',
          },
        ],
        tenantId: event.tenantId,
      }),
    };
  }
  // Only a claim this invocation wrote is sure to hold the body: the bus retrying an invocation whose
  // claim was made sends the event inline, as before references existed.
  const taskEvent: TaskEvent = byReference && verdict === 'new' ? referenceTo(event) : event;
  const ordered: DeliveryTask[] = orderedWebhooks.map(({ webhookId, conversation }) => ({
    tenantId: event.tenantId,
    webhookId,
    event: taskEvent,
    attempts: [],
    ordered: conversation,
  }));
  // A new claim carries the payload, so the event search finds the time around which this event's
  // first-attempt successes are indexed (they then need no index entry per event: docs/storage.md).
  const claimHoldsPayload = verdict === 'new' && kept !== undefined;
  const tasks = [
    ...deliveryTasksFor(
      taskEvent,
      unordered,
      services.deliveryPolicy.webhooksPerMessage,
      claimHoldsPayload ? { claimHoldsPayload } : {},
    ),
    ...ordered,
  ];
  // The payload went with the claim, unless this is the bus retrying an invocation whose claim was
  // made (perhaps before a webhook subscribed): then it is stored on its own. A failed enqueue fails
  // the invocation, so the bus retries it: the claim then answers with this event's own fingerprint and
  // bus event id, and the retry enqueues.
  await Promise.all([
    verdict === 'retry' ? storeEventPayload(services, event, webhookIds.length) : undefined,
    tasks.length > 0 ? services.deliveryQueue.enqueue(tasks) : undefined,
  ]);
  metrics.addMetric('EventsFannedOut', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesEnqueued', MetricUnit.Count, webhookIds.length);
  metrics.addMetric('DeliveryMessagesEnqueued', MetricUnit.Count, tasks.length);
  // DEBUG, not INFO: a line per event is the bill's largest item after EventBridge (CloudWatch Logs
  // ingestion, ~$0.23 per million events, per `npm run bench`), and the metrics above already count it.
  withCorrelation({ eventId: event.id, tenantId: event.tenantId }).debug('event fanned out', {
    eventType: event.type,
    deliveries: webhookIds.length,
    messages: tasks.length,
  });
  return { deliveries: webhookIds.length };
}

/**
 * Whether fan-out stores the event's body with its claim and sends its deliveries a reference to it
 * (docs/delivery.md#large-events): only a body over LARGE_EVENT_BYTES, and
 * only when that saves queue copies of it, that is when inline it would take more than one message,
 * or when the claim carries the body anyway (`bodyStored`, the delivery log's). A lone inline message
 * is cheaper than the claim's write units for the body (1 per KB; docs/cost.md).
 */
function carriedByReference(
  services: Pick<Services, 'deliveryPolicy'>,
  event: EventEnvelope,
  deliveries: { unordered: readonly string[]; ordered: number; bodyStored: boolean },
): boolean {
  if (Buffer.byteLength(deliveryBodyOf(event)) <= LARGE_EVENT_BYTES) return false;
  if (deliveries.unordered.length + deliveries.ordered === 0) return false;
  if (deliveries.bodyStored) return true;
  const inlineMessages =
    deliveries.ordered +
    deliveryTasksFor(event, deliveries.unordered, services.deliveryPolicy.webhooksPerMessage).length;
  return inlineMessages > 1;
}

/**
 * Claims the event's id for its tenant (docs/contract.md#event-ids) before anything of it is stored or enqueued, so a
 * conflicting event never touches the first one's payload, log or redeliveries. One conditional write.
 */
async function claimEventId(
  services: Pick<Services, 'clock' | 'eventIds'>,
  event: EventEnvelope,
  busEventId: string | undefined,
  payload: EventIdClaim['payload'],
) {
  const claim: EventIdClaim = {
    tenantId: event.tenantId,
    eventId: event.id,
    fingerprint: eventFingerprint(event.type, event.data),
    ...(busEventId !== undefined ? { busEventId } : {}),
    ...(payload ? { payload } : {}),
  };
  const expiresAt = new Date(services.clock.now().getTime() + EVENT_ID_WINDOW_MS);
  return judgeEventIdClaim(claim, await services.eventIds.claim(claim, expiresAt));
}

/**
 * The delivery messages of one event: as few group tasks as SQS's message size and
 * MAX_WEBHOOKS_PER_MESSAGE allow, a single task for a lone webhook (the shape older code reads too).
 */
export function deliveryTasksFor(
  event: TaskEvent,
  webhookIds: readonly string[],
  maxWebhooksPerMessage: number = MAX_WEBHOOKS_PER_MESSAGE,
  extra: Pick<DeliveryTask, 'claimHoldsPayload'> = {},
): DeliveryTask[] {
  const perMessage = Math.min(Math.max(1, maxWebhooksPerMessage), MAX_WEBHOOKS_PER_MESSAGE);
  const base = { tenantId: event.tenantId, event, attempts: [], ...extra };
  const baseBytes = Buffer.byteLength(JSON.stringify({ ...base, webhookId: '', webhookIds: [] }));
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = baseBytes;
  for (const webhookId of new Set(webhookIds)) {
    // The id, its quotes and a comma in `webhookIds`; the first of a group is also its `webhookId`.
    const idBytes = Buffer.byteLength(JSON.stringify(webhookId)) + 1;
    if (current.length > 0 && (current.length >= perMessage || bytes + idBytes > MAX_MESSAGE_BYTES)) {
      groups.push(current);
      current = [];
      bytes = baseBytes;
    }
    bytes += current.length === 0 ? 2 * idBytes : idBytes;
    current.push(webhookId);
  }
  if (current.length > 0) groups.push(current);
  return groups.flatMap((ids) => {
    const [webhookId] = ids;
    if (webhookId === undefined) return [];
    return ids.length === 1 ? [{ ...base, webhookId }] : [{ ...base, webhookId, webhookIds: ids }];
  });
}

async function rejectEvent(
  services: Pick<Services, 'clock' | 'failureRetention' | 'newId' | 'rejectedEvents'>,
  input: ChatEventInput,
  failure: { reason: string; issues: { path: string; message: string }[]; tenantId?: string },
): Promise<RejectedEvent> {
  const now = services.clock.now();
  const rejected: RejectedEvent = {
    id: services.newId('rej'),
    tenantId: failure.tenantId ?? UNREADABLE_TENANT_KEY,
    source: input.source,
    detailType: input.detailType,
    receivedAt: now.toISOString(),
    reason: failure.reason,
    issues: failure.issues,
    detailSnippet: snippetOf(input.detail),
  };
  await services.rejectedEvents.put(
    rejected,
    new Date(now.getTime() + services.failureRetention.rejectedEventMs),
  );
  metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
  logger.warn('chat event rejected', {
    rejectedEventId: rejected.id,
    tenantId: rejected.tenantId,
    detailType: input.detailType,
    reason: failure.reason,
    issues: failure.issues,
  });
  return rejected;
}

/** The detail as JSON, cut to at most DETAIL_SNIPPET_BYTES bytes of UTF-8 without splitting a character. */
export function snippetOf(detail: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(detail) ?? String(detail);
  } catch {
    text = String(detail);
  }
  if (Buffer.byteLength(text) <= DETAIL_SNIPPET_BYTES) return text;
  const cut = Buffer.from(text).subarray(0, DETAIL_SNIPPET_BYTES).toString('utf8');
  // A multi-byte character split by the cut decodes as U+FFFD: drop it.
  return cut.replace(/\uFFFD$/, '');
}
