import { describe, expect, it } from 'vitest';
import type { DeliverySender } from '#domain/delivery-sender';
import type { DeliveryTask } from '#domain/delivery-task';
import { createDeliveryHandler } from '#functions/delivery';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { lambdaContext, sqsEvent } from './lambda-events';

/** Every attempt fails at once, as a refused connection would. */
const refusingSender: DeliverySender = {
  send: async () => ({ isSuccess: false, error: 'connection refused', durationMs: 0 }),
};

const task: DeliveryTask = {
  tenantId: 'tenant-a',
  webhookId: 'wh_1',
  event: {
    id: 'evt_1',
    type: 'message.created',
    timestamp: '2026-03-01T12:00:00.000Z',
    tenantId: 'tenant-a',
    brandId: null,
    data: {},
  },
  attempts: [],
  notBefore: '2026-03-01T14:00:00.000Z',
};

describe('delivery handler', () => {
  it('answers with the partial batch failures: unreadable records only', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture());
    const handler = createDeliveryHandler(services);

    const response = await handler(
      sqsEvent([
        { messageId: 'early', body: JSON.stringify(task) },
        { messageId: 'junk', body: '[]' },
      ]),
      lambdaContext('delivery'),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'junk' }] });
    // The early task went back to the queue for the two hours left.
    expect(services.deliveryQueue.delayed).toEqual([{ task, delaySeconds: 7200 }]);
  });

  it('reports a group message whose follow-up task could not be enqueued', async () => {
    const services = createTestServices({ sender: refusingSender });
    await services.webhooks.create(webhookFixture({ id: 'wh_1' }));
    await services.webhooks.create(webhookFixture({ id: 'wh_2' }));
    const handler = createDeliveryHandler(services);
    const group: DeliveryTask = { ...task, notBefore: undefined, webhookIds: ['wh_1', 'wh_2'] };
    services.deliveryQueue.isUnavailable = true;

    const response = await handler(
      sqsEvent([{ messageId: 'group', body: JSON.stringify(group) }]),
      lambdaContext('delivery'),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'group' }] });
  });
});
