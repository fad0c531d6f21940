/**
 * docs/contract.md#admin-api / 6.3: recover sends each failed event of a webhook once per call. A failed redelivery is a
 * failed delivery of the same event too; recovering both sent the event twice, and every recover of
 * a still-failing endpoint doubled the copies (2, 4, 8, … per event), hitting the endpoint hardest
 * just as it came back.
 */
import { expect, it } from 'vitest';
import { recoverFailedDeliveries } from '#app/delivery-log-service';
import { deliveryIdOf } from '#domain/delivery-log';
import { deliveryBodyOf } from '#domain/delivery-request';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

it('recover enqueues each failed event once, however many of its deliveries failed', async () => {
  const services = createTestServices();
  const now = new Date('2026-11-29T10:00:00.000Z');
  services.clock.set(now);
  const webhook = webhookFixture();
  await services.webhooks.create(webhook);
  const expiresAt = new Date(now.getTime() + 86_400_000);

  // evt_a failed, was recovered, and its redelivery failed again (and again); evt_b failed once.
  const failures: { eventId: string; minutesAgo: number; redeliveryOf?: string }[] = [];
  let previous: string | undefined;
  for (const minutesAgo of [30, 20, 10]) {
    failures.push({ eventId: 'evt_a', minutesAgo, ...(previous ? { redeliveryOf: previous } : {}) });
    previous = deliveryIdOf({
      eventId: 'evt_a',
      webhookId: webhook.id,
      firstAttemptAt: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
      ...(previous ? { redeliveryOf: previous } : {}),
    });
  }
  failures.push({ eventId: 'evt_b', minutesAgo: 25 });
  for (const { eventId, minutesAgo, redeliveryOf } of failures) {
    const at = new Date(now.getTime() - minutesAgo * 60_000).toISOString();
    const event = {
      id: eventId,
      type: 'message.created',
      timestamp: at,
      tenantId: webhook.tenantId,
      brandId: null,
      data: { conversationId: 'c-1' },
    };
    await services.deliveryLog.putPayload(webhook.tenantId, eventId, deliveryBodyOf(event), expiresAt);
    await services.deliveryLog.recordOutcome(
      {
        tenantId: webhook.tenantId,
        deliveryId: deliveryIdOf({
          eventId,
          webhookId: webhook.id,
          firstAttemptAt: at,
          ...(redeliveryOf ? { redeliveryOf } : {}),
        }),
        webhookId: webhook.id,
        eventId,
        eventType: 'message.created',
        status: 'failed',
        attemptCount: 1,
        attempt: { at, statusCode: 500, durationMs: 3, requestHeaders: {} },
        earlierAttempts: [],
        lastStatusCode: 500,
        createdAt: at,
        updatedAt: at,
        ...(redeliveryOf ? { redeliveryOf } : {}),
      },
      expiresAt,
    );
  }

  const answer = await recoverFailedDeliveries(services, webhook.tenantId, webhook.id, {
    since: new Date(now.getTime() - 3_600_000).toISOString(),
  });

  const sent = services.deliveryQueue.enqueuedDeliveries.map((task) => task.event.id).sort();
  expect(sent).toEqual(['evt_a', 'evt_b']);
  expect(answer.enqueued).toBe(2);
});
