/**
 * docs/contract.md#isolation / issue 10 item 3, the rest of its kind: when the service itself deactivates a webhook
 * (410 Gone, auto-disable), the other deliveries already failing toward it were dropped between their
 * attempts with no failure log (and, with DELIVERY_LOG=off, no trace at all), so after fixing the
 * endpoint the admin could not redeliver them. They end in a failure log now; nothing is sent.
 * An admin's own deactivation still drops them, as docs/contract.md#deliveries says.
 */
import { expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import type { DeadLetteredTask, DeliveryTask } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

const failedBefore = { at: '2026-11-29T09:59:00.000Z', statusCode: 500, durationMs: 4 };

function retryOf(webhook: StoredWebhook): DeliveryTask {
  return {
    tenantId: webhook.tenantId,
    webhookId: webhook.id,
    event: {
      id: 'evt_in_flight',
      type: 'message.created',
      timestamp: '2026-11-29T09:58:00.000Z',
      tenantId: webhook.tenantId,
      brandId: null,
      data: { conversationId: 'c-1' },
    },
    attempts: [failedBefore],
  };
}

it('a retry toward a webhook the service disabled is dead-lettered (failure log), not dropped, and not sent', async () => {
  const services = createTestServices({ config: { DELIVERY_LOG: 'off' } });
  services.clock.set(new Date('2026-11-29T10:00:00.000Z'));
  const webhook = webhookFixture({
    url: 'https://127.0.0.1:9/never',
    status: 'inactive',
    disabledReason: 'The endpoint answered 410 Gone at 2026-11-29T09:59:30.000Z',
  });
  await services.webhooks.create(webhook);

  const result = await deliverTask(services, retryOf(webhook));

  expect(result.status).toBe('dead-lettered');
  expect(services.deliveryQueue.deadLettered).toHaveLength(1);
  const [deadLettered] = services.deliveryQueue.deadLettered;
  expect(deadLettered?.event.id).toBe('evt_in_flight');
  // Only the request that was made is an attempt; why it ended unsent is said beside them.
  expect(deadLettered?.attempts).toEqual([failedBefore]);
  expect((deadLettered as DeadLetteredTask | undefined)?.givenUp?.reason).toMatch(/^not sent: /);
});

it('a retry toward a webhook an admin deactivated is still dropped', async () => {
  const services = createTestServices();
  services.clock.set(new Date('2026-11-29T10:00:00.000Z'));
  const webhook = webhookFixture({ url: 'https://127.0.0.1:9/never', status: 'inactive' });
  await services.webhooks.create(webhook);

  const result = await deliverTask(services, retryOf(webhook));

  expect(result.status).toBe('dropped');
  expect(services.deliveryQueue.deadLettered).toHaveLength(0);
});
