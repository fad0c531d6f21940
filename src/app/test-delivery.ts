/**
 * `POST /v1/webhooks/{id}/test`: one delivery now of `webhook.test` or a catalogue type's sample,
 * reported, recorded in the delivery log as a test, never retried and never counted in health.
 */

import { ValidationError } from '#domain/errors';
import { buildTestEvent, EVENT_TYPES, type EventType } from '#domain/event-catalogue';
import { TEST_EVENT_TYPE } from '#domain/model';
import { testDeliveryRequestSchema } from '#domain/webhook-schema';
import { attemptDelivery } from './delivery-attempt';
import { deliveryIdOfTask, recordSettledDelivery, storeEventPayload } from './delivery-log';
import type { Services } from './services';
import { requireWebhook } from './webhook-service';

/** What the admin sees of the test attempt. */
export interface TestDeliveryReport {
  delivered: boolean;
  statusCode?: number;
  durationMs: number;
  error?: string;
  /** The type sent. */
  eventType: string;
  /** The delivery log record of this send; absent when the log's mode does not keep it. */
  deliveryId?: string;
}

const SENDABLE = new Set<string>([TEST_EVENT_TYPE, ...EVENT_TYPES]);

function parseTestRequest(body: unknown): EventType | typeof TEST_EVENT_TYPE {
  const parsed = testDeliveryRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('Invalid body: only eventType may be given');
  const eventType = parsed.data.eventType ?? TEST_EVENT_TYPE;
  if (!SENDABLE.has(eventType)) {
    throw new ValidationError(`eventType: ${eventType} is not in the event catalogue (GET /v1/event-types)`, [
      { field: 'eventType', message: 'not a catalogue event type' },
    ]);
  }
  return eventType as EventType | typeof TEST_EVENT_TYPE;
}

/**
 * Sends a test event to the webhook (active or not: testing a paused endpoint is the point), whether
 * or not the webhook subscribes to the type (trying a handler before subscribing is a use). `body` is
 * `{ eventType? }`; an unknown type is a ValidationError.
 */
export async function sendTestDelivery(
  services: Pick<
    Services,
    | 'cipher'
    | 'clock'
    | 'credentialCache'
    | 'deliveryLog'
    | 'deliveryLogPolicy'
    | 'deliveryPolicy'
    | 'newId'
    | 'sender'
    | 'webhooks'
  >,
  tenantId: string,
  webhookId: string,
  body?: unknown,
): Promise<TestDeliveryReport> {
  const eventType = parseTestRequest(body);
  const webhook = await requireWebhook(services, tenantId, webhookId);
  const event = buildTestEvent(
    tenantId,
    webhook.brandId,
    () => services.newId('evt'),
    services.clock.now(),
    eventType,
  );
  await storeEventPayload(services, event, 1);
  // The same signing and sending as a real delivery, but no slot or circuit: an admin's explicit test
  // always reaches the endpoint, and its outcome is not the delivery path's evidence. Nor is it counted
  // in health: the admin is probing an endpoint they may know is down or not yet live, and counting it
  // would open "failing since" (and its notices) or hide a real failure behind a test that passed.
  const { outcome, attempt, sent } = await attemptDelivery(services, webhook, event);
  const task = { tenantId, webhookId, event, attempts: [] };
  await recordSettledDelivery(services, {
    task,
    result: outcome.isSuccess ? { status: 'delivered', attempt } : { status: 'dead-lettered', attempt },
    sent,
    test: true,
  });
  const mode = services.deliveryLogPolicy.mode;
  const isRecorded = mode === 'all' || (mode === 'failures' && !outcome.isSuccess);
  const deliveryId = isRecorded ? deliveryIdOfTask(task, attempt.at) : undefined;
  return {
    delivered: outcome.isSuccess,
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    durationMs: outcome.durationMs,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    eventType,
    ...(deliveryId !== undefined ? { deliveryId } : {}),
  };
}
