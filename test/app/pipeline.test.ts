import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '#adapters/sqs-delivery-queue';
import { recordDeadLetters } from '#app/dead-letters';
import { processDeliveryBatch } from '#app/deliver';
import { fanOutEvent } from '#app/fan-out';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { sqsHarnessSuite } from '../support/sqs-harness';

/**
 * Fan-out, delivery, retry and DLQ processing over the real SQS adapter and the local SQS service:
 * tasks survive the JSON round trip through the queue and reach the failure log intact.
 */
const sqs = sqsHarnessSuite('pipeline-');
const { sender, receiver } = loopbackDeliverySuite();

/** Receives one batch (long-polling), deleting what the consumer did not report as failed. */
async function consume(
  queueUrl: string,
  consumer: (
    records: { messageId: string; body: string }[],
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
): Promise<number> {
  const { Messages = [] } = await sqs.client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
  );
  const records = Messages.map((message) => ({ messageId: message.MessageId!, body: message.Body! }));
  const { batchItemFailures } = await consumer(records);
  const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const message of Messages) {
    if (!failed.has(message.MessageId!)) {
      await sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
      );
    }
  }
  return records.length;
}

describe('the event pipeline over the local SQS service', () => {
  it('fans out, retries after the scheduled delay, and records the failure log once attempts run out', async () => {
    const queueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'pipeline-deliveries' })))
      .QueueUrl!;
    const deadLetterQueueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'pipeline-dlq' })))
      .QueueUrl!;
    const services = createTestServices({ sender, config: { RETRY_SCHEDULE: [1] } });
    const queue = new SqsDeliveryQueue({ client: sqs.client, queueUrl, deadLetterQueueUrl });
    const pipeline = { ...services, deliveryQueue: queue };
    await services.webhooks.create(webhookFixture({ url: receiver.url, events: ['conversation.deleted'] }));
    receiver.respondWith({ status: 503, body: 'busy' }, { status: 500, body: 'still broken' });

    const fannedOut = await fanOutEvent(pipeline, {
      source: 'chat.platform',
      detailType: 'conversation.deleted',
      detail: { tenantId: 'tenant-a', brandId: 'b-1', id: 'evt_pipeline', data: { conversationId: 'c-9' } },
    });
    expect(fannedOut).toEqual({ deliveries: 1 });

    // First attempt fails: the task comes back after RETRY_SCHEDULE[0] = 1 s (the real clock's time
    // does not matter here: notBefore is judged by the test clock, which stands still).
    expect(await consume(queueUrl, (records) => processDeliveryBatch(pipeline, records))).toBe(1);
    expect(await consume(queueUrl, (records) => processDeliveryBatch(pipeline, records))).toBe(1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual([
      'evt_pipeline',
      'evt_pipeline',
    ]);

    expect(await consume(deadLetterQueueUrl, (records) => recordDeadLetters(pipeline, records))).toBe(1);
    const [entry] = services.failureLogs.logs;
    expect(entry?.log).toMatchObject({
      webhookId: 'wh_1',
      webhookName: 'Orders hook',
      eventId: 'evt_pipeline',
      eventType: 'conversation.deleted',
      url: receiver.url,
      attemptCount: 2,
      lastStatusCode: 500,
      event: { id: 'evt_pipeline', data: { conversationId: 'c-9' } },
    });
    expect(entry?.log.attempts.map((attempt) => attempt.responseSnippet)).toEqual(['busy', 'still broken']);
  });

  it('carries an event to every webhook in one message; only the failed webhook gets its own retry message', async () => {
    const queueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'group-deliveries' })))
      .QueueUrl!;
    const deadLetterQueueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'group-dlq' })))
      .QueueUrl!;
    const services = createTestServices({
      sender,
      config: { RETRY_SCHEDULE: [1], WEBHOOKS_PER_DELIVERY_MESSAGE: 50 },
    });
    const pipeline = {
      ...services,
      deliveryQueue: new SqsDeliveryQueue({ client: sqs.client, queueUrl, deadLetterQueueUrl }),
    };
    const refused = receiver.url.replace(/:\d+\//, ':1/');
    for (const id of ['wh_a', 'wh_b', 'wh_c']) {
      await services.webhooks.create(
        webhookFixture({ id, url: receiver.url, events: ['conversation.deleted'] }),
      );
    }
    await services.webhooks.create(
      webhookFixture({ id: 'wh_down', url: refused, events: ['conversation.deleted'] }),
    );
    receiver.received.length = 0;

    expect(
      await fanOutEvent(pipeline, {
        source: 'chat.platform',
        detailType: 'conversation.deleted',
        detail: { tenantId: 'tenant-a', brandId: null, id: 'evt_group', data: { conversationId: 'c-1' } },
      }),
    ).toEqual({ deliveries: 4 });

    expect(await consume(queueUrl, (records) => processDeliveryBatch(pipeline, records))).toBe(1);
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual([
      'evt_group',
      'evt_group',
      'evt_group',
    ]);
    // The group message was deleted; what is left is wh_down's retry, a single task.
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 3 }),
    );
    expect(Messages.map((message) => JSON.parse(message.Body!))).toEqual([
      expect.objectContaining({
        webhookId: 'wh_down',
        attempts: [expect.objectContaining({ error: expect.any(String) })],
      }),
    ]);
    expect(JSON.parse(Messages[0]!.Body!)).not.toHaveProperty('webhookIds');
  });
});
