/** The admin use cases of the delivery log (docs/contract.md#admin-api, #delivery-log): list, read, redeliver, recover. */
import pLimit from 'p-limit';
import type { DeliveryRecord, DeliveryStatus, DeliverySummary } from '#domain/delivery-log';
import { RECOVER_MAX_DELIVERIES, RECOVER_MAX_WINDOW_DAYS } from '#domain/delivery-log-schema';
import { deliveryBodyOf } from '#domain/delivery-request';
import type { DeliveryTask } from '#domain/delivery-task';
import { DAY_MS } from '#domain/durations';
import { ConflictError, NotFoundError, ValidationError, WebhookInactiveError } from '#domain/errors';
import type { EventEnvelope, Page, PageKey, StoredWebhook } from '#domain/model';
import { withRedeliveryOrdering } from '#domain/ordering';
import type { Services } from './services';

const PAYLOAD_READS_IN_FLIGHT = 16;

export interface DeliveryListFilters {
  webhookId?: string;
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: string;
  until?: string;
  limit: number;
  startKey?: PageKey;
}

/**
 * A page of the tenant's deliveries, newest first; every filter combines. Without `webhookId` the
 * list leaves out deliveries of webhooks deleted since (they stay readable by id until they expire):
 * one BatchGetItem of the page's distinct webhooks, so the cost follows the page, not the tenant.
 */
export async function listDeliveries(
  services: Pick<Services, 'deliveryLog' | 'webhooks'>,
  tenantId: string,
  filters: DeliveryListFilters,
): Promise<Page<DeliverySummary>> {
  const page = await services.deliveryLog.list(tenantId, {
    ...(filters.webhookId ? { webhookId: filters.webhookId } : {}),
    ...(filters.eventId ? { eventId: filters.eventId } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.eventType ? { eventType: filters.eventType } : {}),
    ...(filters.since ? { since: new Date(filters.since) } : {}),
    ...(filters.until ? { until: new Date(filters.until) } : {}),
    limit: filters.limit,
    ...(filters.startKey ? { startKey: filters.startKey } : {}),
  });
  if (filters.webhookId || page.items.length === 0) return page;
  const webhookIds = [...new Set(page.items.map((item) => item.webhookId))];
  const webhooks = await services.webhooks.getMany(webhookIds.map((webhookId) => ({ tenantId, webhookId })));
  const existing = new Set(webhookIds.filter((_, index) => webhooks[index] !== undefined));
  return { ...page, items: page.items.filter((item) => existing.has(item.webhookId)) };
}

async function requireDelivery(
  services: Pick<Services, 'deliveryLog'>,
  tenantId: string,
  deliveryId: string,
): Promise<DeliveryRecord> {
  const record = await services.deliveryLog.get(tenantId, deliveryId);
  if (!record) throw new NotFoundError(`No delivery ${deliveryId} in this tenant`);
  return record;
}

async function payloadOf(
  services: Pick<Services, 'deliveryLog'>,
  tenantId: string,
  eventId: string,
): Promise<EventEnvelope | undefined> {
  const body = await services.deliveryLog.getPayload(tenantId, eventId);
  return body === undefined ? undefined : (JSON.parse(body) as EventEnvelope);
}

/** One delivery with every attempt and the payload as sent. */
export async function getDelivery(
  services: Pick<Services, 'deliveryLog'>,
  tenantId: string,
  deliveryId: string,
): Promise<Omit<DeliveryRecord, 'tenantId'> & { payload?: EventEnvelope }> {
  const { tenantId: _tenant, ...record } = await requireDelivery(services, tenantId, deliveryId);
  const payload = await payloadOf(services, tenantId, record.eventId);
  return { ...record, ...(payload ? { payload } : {}) };
}

async function requireActiveWebhook(
  services: Pick<Services, 'webhooks'>,
  tenantId: string,
  webhookId: string,
): Promise<StoredWebhook> {
  const webhook = await services.webhooks.get(tenantId, webhookId);
  if (!webhook) throw new NotFoundError(`No webhook ${webhookId} in this tenant`);
  if (webhook.status !== 'active') {
    throw new WebhookInactiveError(`Webhook ${webhookId} is inactive: activate it before redelivering`);
  }
  return webhook;
}

function redeliveryTask(
  services: Pick<Services, 'newId'>,
  webhook: StoredWebhook,
  record: DeliverySummary,
  event: EventEnvelope,
): DeliveryTask {
  // The same event, so the same webhook-id: receivers de-duplicate on it (docs/contract.md#delivery-log).
  const task: DeliveryTask & { event: EventEnvelope } = {
    tenantId: webhook.tenantId,
    webhookId: record.webhookId,
    event,
    attempts: [],
    redeliveryOf: record.id,
  };
  return withRedeliveryOrdering(webhook, task, services.newId('rdl'));
}

/** Renews a payload's retention, so the redelivery's own record can show it. */
async function keepPayload(
  services: Pick<Services, 'clock' | 'deliveryLog' | 'deliveryLogPolicy'>,
  tenantId: string,
  event: EventEnvelope,
): Promise<void> {
  const retentionMs = services.deliveryLogPolicy.retentionMs + DAY_MS;
  await services.deliveryLog.putPayload(
    tenantId,
    event.id,
    deliveryBodyOf(event),
    new Date(services.clock.now().getTime() + retentionMs),
  );
}

/** Enqueues one delivery again, whatever its outcome was; 409 when its webhook is inactive. */
export async function redeliverDelivery(
  services: Pick<
    Services,
    'clock' | 'deliveryLog' | 'deliveryLogPolicy' | 'deliveryQueue' | 'newId' | 'webhooks'
  >,
  tenantId: string,
  deliveryId: string,
): Promise<{ status: 'enqueued'; deliveryId: string; webhookId: string; eventId: string }> {
  const record = await requireDelivery(services, tenantId, deliveryId);
  const webhook = await requireActiveWebhook(services, tenantId, record.webhookId);
  const event = await payloadOf(services, tenantId, record.eventId);
  if (!event)
    throw new ConflictError(
      `The payload of delivery ${deliveryId} is no longer kept; it cannot be sent again`,
    );
  await keepPayload(services, tenantId, event);
  await services.deliveryQueue.enqueue([redeliveryTask(services, webhook, record, event)]);
  return { status: 'enqueued', deliveryId: record.id, webhookId: record.webhookId, eventId: record.eventId };
}

/**
 * The newest failed delivery of each event (records come newest first). A failed redelivery is a
 * failed delivery of the same event: sending each of them would deliver the event once per earlier
 * recover, doubling the copies with every recover of a still-failing endpoint.
 */
function newestPerEvent(failed: DeliverySummary[]): DeliverySummary[] {
  const seen = new Set<string>();
  return failed.filter((record) => {
    if (seen.has(record.eventId)) return false;
    seen.add(record.eventId);
    return true;
  });
}

/** Pages of one event's deliveries to one webhook read at most, looking for a later success. */
const SUCCESS_LOOKUP_PAGES = 5;

/**
 * Has a delivery of `failed`'s event to its webhook succeeded since `failed` began (a redeliver or
 * recover that worked)? Then recover must not send the event again: the receiver has it. Reads the
 * event's own deliveries (a handful), not the webhook's whole log.
 */
async function succeededSince(
  services: Pick<Services, 'deliveryLog'>,
  tenantId: string,
  failed: DeliverySummary,
): Promise<boolean> {
  let startKey: PageKey | undefined;
  for (let page = 0; page < SUCCESS_LOOKUP_PAGES; page++) {
    const found = await services.deliveryLog.list(tenantId, {
      eventId: failed.eventId,
      webhookId: failed.webhookId,
      status: 'succeeded',
      since: new Date(failed.createdAt),
      limit: 20,
      ...(startKey ? { startKey } : {}),
    });
    if (found.items.some((record) => record.id !== failed.id)) return true;
    startKey = found.nextKey;
    if (startKey === undefined) return false;
  }
  return false;
}

/**
 * Redelivers every failed event of one webhook (once each, from its newest failed delivery, and only
 * when no later delivery of it to that webhook has succeeded) whose
 * first attempt lies in [since, until], newest first, at most RECOVER_MAX_DELIVERIES per call (`resumeUntil` says where to go on). The window may
 * span at most RECOVER_MAX_WINDOW_DAYS.
 */
export async function recoverFailedDeliveries(
  services: Pick<Services, 'clock' | 'deliveryLog' | 'deliveryQueue' | 'newId' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
  window: { since: string; until?: string },
): Promise<{ enqueued: number; resumeUntil?: string }> {
  const since = new Date(window.since);
  const until = window.until ? new Date(window.until) : services.clock.now();
  if (until.getTime() - since.getTime() > RECOVER_MAX_WINDOW_DAYS * DAY_MS) {
    throw new ValidationError(`The window may span at most ${RECOVER_MAX_WINDOW_DAYS} days`, [
      { field: 'since', message: `must be at most ${RECOVER_MAX_WINDOW_DAYS} days before until` },
    ]);
  }
  const webhook = await requireActiveWebhook(services, tenantId, webhookId);

  const failed: DeliverySummary[] = [];
  let startKey: PageKey | undefined;
  let hasMore = false;
  do {
    const page = await services.deliveryLog.list(tenantId, {
      webhookId,
      status: 'failed',
      since,
      until,
      limit: Math.min(100, RECOVER_MAX_DELIVERIES - failed.length),
      ...(startKey ? { startKey } : {}),
    });
    failed.push(...page.items);
    startKey = page.nextKey;
    hasMore = startKey !== undefined;
  } while (startKey && failed.length < RECOVER_MAX_DELIVERIES);

  const limit = pLimit(PAYLOAD_READS_IN_FLIGHT);
  const events = new Map<string, Promise<EventEnvelope | undefined>>();
  const tasks = await Promise.all(
    newestPerEvent(failed).map(async (record) => {
      if (await limit(() => succeededSince(services, tenantId, record))) return undefined;
      let event = events.get(record.eventId);
      if (!event) {
        event = limit(() => payloadOf(services, tenantId, record.eventId));
        events.set(record.eventId, event);
      }
      const found = await event;
      return found ? redeliveryTask(services, webhook, record, found) : undefined;
    }),
  );
  // Oldest first: an ordered webhook gets each conversation's recovered events in their first order
  // (docs/ordering.md); for the others the order is merely the natural one.
  const ready = tasks.filter((task): task is DeliveryTask => task !== undefined).reverse();
  if (ready.length > 0) await services.deliveryQueue.enqueue(ready);
  const oldest = failed.at(-1);
  return {
    enqueued: ready.length,
    ...(hasMore && oldest ? { resumeUntil: new Date(Date.parse(oldest.createdAt) - 1).toISOString() } : {}),
  };
}
