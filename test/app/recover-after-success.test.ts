/**
 * docs/contract.md#admin-api: `/recover` sends an event again only if no later attempt of that event to that webhook has
 * succeeded. After a failure, a redeliver or recover that worked, every further recover used to send
 * the event again (the failed record was still the newest failed one of its event).
 */
import { expect, it } from 'vitest';
import { recoverFailedDeliveries } from '#app/delivery-log-service';
import { deliveryIdOf } from '#domain/delivery-log';
import { deliveryBodyOf } from '#domain/delivery-request';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const now = new Date('2026-11-29T10:00:00.000Z');
const expiresAt = new Date(now.getTime() + 86_400_000);

async function record(
  services: TestServices,
  webhookId: string,
  delivery: { eventId: string; minutesAgo: number; status: 'failed' | 'succeeded'; redeliveryOf?: string },
): Promise<string> {
  const at = new Date(now.getTime() - delivery.minutesAgo * 60_000).toISOString();
  const tenantId = 'tenant-a';
  const deliveryId = deliveryIdOf({
    eventId: delivery.eventId,
    webhookId,
    firstAttemptAt: at,
    ...(delivery.redeliveryOf ? { redeliveryOf: delivery.redeliveryOf } : {}),
  });
  const event = {
    id: delivery.eventId,
    type: 'message.created',
    timestamp: at,
    tenantId,
    brandId: null,
    data: { conversationId: 'c-1' },
  };
  await services.deliveryLog.putPayload(tenantId, delivery.eventId, deliveryBodyOf(event), expiresAt);
  const statusCode = delivery.status === 'failed' ? 500 : 200;
  await services.deliveryLog.recordOutcome(
    {
      tenantId,
      deliveryId,
      webhookId,
      eventId: delivery.eventId,
      eventType: 'message.created',
      status: delivery.status,
      attemptCount: delivery.status === 'failed' ? 3 : 1,
      attempt: { at, statusCode, durationMs: 3, requestHeaders: {} },
      earlierAttempts: [],
      lastStatusCode: statusCode,
      createdAt: at,
      updatedAt: at,
      ...(delivery.redeliveryOf ? { redeliveryOf: delivery.redeliveryOf } : {}),
    },
    expiresAt,
  );
  return deliveryId;
}

it('recover leaves out an event whose later redelivery succeeded, and sends the ones still failing', async () => {
  const services = createTestServices();
  services.clock.set(now);
  const webhook = webhookFixture({ tenantId: 'tenant-a' });
  const other = webhookFixture({ id: 'wh_other', tenantId: 'tenant-a' });
  await services.webhooks.create(webhook);
  await services.webhooks.create(other);

  // evt_a failed, then a redeliver (or an earlier recover) succeeded.
  const failedA = await record(services, webhook.id, { eventId: 'evt_a', minutesAgo: 30, status: 'failed' });
  await record(services, webhook.id, {
    eventId: 'evt_a',
    minutesAgo: 20,
    status: 'succeeded',
    redeliveryOf: failedA,
  });
  // evt_b failed, and its redelivery failed too.
  const failedB = await record(services, webhook.id, { eventId: 'evt_b', minutesAgo: 25, status: 'failed' });
  await record(services, webhook.id, {
    eventId: 'evt_b',
    minutesAgo: 10,
    status: 'failed',
    redeliveryOf: failedB,
  });
  // evt_c failed here but succeeded to another webhook: that is no reason to hold it back here.
  await record(services, webhook.id, { eventId: 'evt_c', minutesAgo: 15, status: 'failed' });
  await record(services, other.id, { eventId: 'evt_c', minutesAgo: 5, status: 'succeeded' });

  const window = { since: new Date(now.getTime() - 3_600_000).toISOString() };
  const first = await recoverFailedDeliveries(services, 'tenant-a', webhook.id, window);
  expect(services.deliveryQueue.enqueuedDeliveries.map((task) => task.event.id).sort()).toEqual([
    'evt_b',
    'evt_c',
  ]);
  expect(first.enqueued).toBe(2);
});

it('a recover repeated after the endpoint came back sends nothing more', async () => {
  const services = createTestServices();
  services.clock.set(now);
  const webhook = webhookFixture({ tenantId: 'tenant-a' });
  await services.webhooks.create(webhook);
  const failed = await record(services, webhook.id, { eventId: 'evt_a', minutesAgo: 30, status: 'failed' });
  const window = { since: new Date(now.getTime() - 3_600_000).toISOString() };
  expect((await recoverFailedDeliveries(services, 'tenant-a', webhook.id, window)).enqueued).toBe(1);
  // The recovered delivery succeeded; the next recover finds nothing left to send.
  services.clock.set(new Date(now.getTime() + 60_000));
  await record(services, webhook.id, {
    eventId: 'evt_a',
    minutesAgo: -1,
    status: 'succeeded',
    redeliveryOf: failed,
  });
  expect((await recoverFailedDeliveries(services, 'tenant-a', webhook.id, window)).enqueued).toBe(0);
  expect(services.deliveryQueue.enqueuedDeliveries).toHaveLength(1);
});
