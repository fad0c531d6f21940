import { describe, expect, it } from 'vitest';
import type { DeliveryTask } from '#domain/delivery-task';
import { createDlqProcessorHandler } from '#functions/dlq-processor';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { lambdaContext, sqsEvent } from './lambda-events';

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
  attempts: [{ at: '2026-03-01T12:00:01.000Z', statusCode: 404, durationMs: 5 }],
};

describe('DLQ processor handler', () => {
  it('writes a failure log per dead-lettered task (per webhook of a group) and reports failed writes', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture());
    const handler = createDlqProcessorHandler(services);

    const response = await handler(
      sqsEvent([{ messageId: 'd-1', body: JSON.stringify(task) }]),
      lambdaContext('dlq'),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(
      services.failureLogs.logs.map(({ log }) => [log.webhookId, log.eventId, log.lastStatusCode]),
    ).toEqual([['wh_1', 'evt_1', 404]]);

    const group: DeliveryTask = { ...task, attempts: [], webhookIds: ['wh_1', 'wh_2'] };
    await handler(sqsEvent([{ messageId: 'd-g', body: JSON.stringify(group) }]), lambdaContext('dlq'));
    expect(services.failureLogs.logs.slice(1).map(({ log }) => [log.webhookId, log.attemptCount])).toEqual([
      ['wh_1', 0],
      ['wh_2', 0],
    ]);

    services.failureLogs.isUnavailable = true;
    const failed = await handler(
      sqsEvent([{ messageId: 'd-2', body: JSON.stringify(task) }]),
      lambdaContext('dlq'),
    );
    expect(failed).toEqual({ batchItemFailures: [{ itemIdentifier: 'd-2' }] });
  });
});
