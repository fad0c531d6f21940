/**
 * docs/contract.md#isolation: processing a dead-letter message twice writes one failure log. The DLQ processor handler
 * runs against the real embedded store (and DynamoDB Local where Java is present).
 */
import { expect, it } from 'vitest';
import { DynamoFailureLogRepository } from '#adapters/dynamodb/failure-log-repository';
import type { DeliveryTask } from '#domain/delivery-task';
import { createDlqProcessorHandler } from '#functions/dlq-processor';
import { describeEachStore } from '../support/dynamodb-stores';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { lambdaContext, sqsEvent } from './lambda-events';

let sequence = 0;

function deadLetteredTask(tenantId: string, attempts: DeliveryTask['attempts']): DeliveryTask {
  return {
    tenantId,
    webhookId: 'wh_1',
    event: {
      id: `evt_${sequence++}`,
      type: 'message.created',
      timestamp: '2026-03-01T12:00:00.000Z',
      tenantId,
      brandId: null,
      data: { conversationId: 'c-1' },
    },
    attempts,
  };
}

describeEachStore('DLQ processor idempotence', ({ store }) => {
  it('writes one failure log when the same SQS record is processed twice, and again after a clock change', async () => {
    const tenantId = `tenant-dlq-${Date.now().toString(36)}`;
    const services = createTestServices();
    // Logs expire FAILURE_LOG_TTL_DAYS after the clock's now; DynamoDB Local's TTL sweeper deletes
    // items expired by the wall clock, so the test clock starts at the real time.
    services.clock.advance(Date.now() - services.clock.now().getTime());
    const failureLogs = new DynamoFailureLogRepository(store().client, store().tableName, services.clock);
    const real = { ...services, failureLogs };
    await services.webhooks.create(webhookFixture({ tenantId }));
    const handler = createDlqProcessorHandler(real);

    const failed = deadLetteredTask(tenantId, [
      { at: '2026-03-01T12:00:01.000Z', statusCode: 500, durationMs: 5 },
      { at: '2026-03-01T12:00:06.000Z', error: 'connection refused', durationMs: 1 },
    ]);
    const abandoned = deadLetteredTask(tenantId, []);
    const group: DeliveryTask = { ...deadLetteredTask(tenantId, []), webhookIds: ['wh_1', 'wh_2'] };
    const records = [
      { messageId: 'm-failed', body: JSON.stringify(failed) },
      { messageId: 'm-abandoned', body: JSON.stringify(abandoned) },
      { messageId: 'm-group', body: JSON.stringify(group) },
    ];

    expect(await handler(sqsEvent(records), lambdaContext('dlq'))).toEqual({ batchItemFailures: [] });
    services.clock.advance(60_000);
    // The same records again (a visibility timeout ran out, or the Lambda was retried), in another order.
    expect(await handler(sqsEvent([...records].reverse()), lambdaContext('dlq'))).toEqual({
      batchItemFailures: [],
    });
    // The same failed task in a second message (a dead-letter send retried after a crash).
    await handler(
      sqsEvent([{ messageId: 'm-failed-again', body: JSON.stringify(failed) }]),
      lambdaContext('dlq'),
    );

    const page = await failureLogs.list(tenantId, { limit: 100 });
    const logs = page.items.map((log) => [log.webhookId, log.eventId, log.attemptCount]);
    expect(logs).toHaveLength(4);
    expect(logs).toEqual(
      expect.arrayContaining([
        ['wh_1', failed.event.id, 2],
        ['wh_1', abandoned.event.id, 0],
        ['wh_1', group.event.id, 0],
        ['wh_2', group.event.id, 0],
      ]),
    );

    // A later, separate dead letter of the same event (a redelivery that failed again) is a new log.
    const redelivered = {
      ...failed,
      redeliveryOf: page.items[0]?.id,
      attempts: [{ at: '2026-03-02T08:00:00.000Z', statusCode: 503, durationMs: 2 }],
    };
    await handler(sqsEvent([{ messageId: 'm-r', body: JSON.stringify(redelivered) }]), lambdaContext('dlq'));
    const after = await failureLogs.list(tenantId, { limit: 100 });
    expect(after.items).toHaveLength(5);
  });
});
