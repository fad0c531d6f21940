/**
 * A settled record of a delivery batch is acknowledged at once, without waiting for the batch's
 * slowest record: one tenant's slow webhook must not keep other tenants' finished deliveries
 * undeleted, where a crash would send them all again after the visibility timeout.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDeliveryBatch } from '#app/deliver';
import { startBatchAcknowledgement } from '#app/prompt-acknowledgement';
import type { DeliveryTask, QueueMessage } from '#domain/delivery-task';
import type { MessageAcknowledger } from '#domain/ports';
import { loopbackSender } from '#test/app/loopback-receiver';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:chat-webhooks-deliveries';
const sender = loopbackSender();
let receiver: Receiver;
/** The slow endpoint's answers, held until a test lets them go. */
const held: ServerResponse[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/slow', (_hit, response) => held.push(response));
});

afterAll(async () => {
  for (const response of held) response.end();
  await receiver.close();
  await sender.close();
});

/** Records what was acknowledged, and when. */
function recordingAcknowledger(): MessageAcknowledger & {
  acknowledged: { source?: string; handles: string[] }[];
} {
  const acknowledged: { source?: string; handles: string[] }[] = [];
  return {
    acknowledged,
    async acknowledge(source, handles) {
      acknowledged.push({ ...(source ? { source } : {}), handles });
    },
    hold: async () => true,
  };
}

function messageFor(tenantId: string, webhookId: string, index: number): QueueMessage {
  const task: DeliveryTask = {
    tenantId,
    webhookId,
    event: {
      id: `evt_${index}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId,
      brandId: null,
      data: { conversationId: 'c-1' },
    },
    attempts: [],
  };
  return {
    messageId: `m${index}`,
    body: JSON.stringify(task),
    receiptHandle: `rh-${index}`,
    eventSourceARN: QUEUE_ARN,
  };
}

describe('prompt acknowledgement of a delivery batch', () => {
  it('acknowledges the settled records of a batch while its slow record is still in flight', async () => {
    const services = createTestServices({ sender });
    services.clock.set(new Date());
    const acknowledger = recordingAcknowledger();
    services.acknowledger = acknowledger;
    await services.webhooks.create(
      webhookFixture({ id: 'wh_slow', tenantId: 'tenant-a', url: receiver.url('/slow') }),
    );
    // Another tenant's fast webhooks, in the same batch.
    for (const id of ['wh_1', 'wh_2', 'wh_3']) {
      await services.webhooks.create(
        webhookFixture({ id, tenantId: 'tenant-b', url: receiver.url(`/${id}`) }),
      );
    }
    const messages = [
      messageFor('tenant-a', 'wh_slow', 0),
      messageFor('tenant-b', 'wh_1', 1),
      messageFor('tenant-b', 'wh_2', 2),
      messageFor('tenant-b', 'wh_3', 3),
    ];

    let isBatchOver = false;
    const batch = processDeliveryBatch(services, messages).finally(() => {
      isBatchOver = true;
    });

    const acknowledged = await eventually(
      async () => {
        const handles = acknowledger.acknowledged.flatMap((call) => call.handles);
        return handles.length >= 3 ? handles : undefined;
      },
      10_000,
      'the fast records to be acknowledged',
    );
    expect(acknowledged.sort()).toEqual(['rh-1', 'rh-2', 'rh-3']);
    expect(acknowledger.acknowledged.every((call) => call.source === QUEUE_ARN)).toBe(true);
    // The slow record's request is still unanswered, and the batch still running.
    expect(held).toHaveLength(1);
    expect(isBatchOver).toBe(false);

    held.shift()?.writeHead(200).end('ok');
    expect(await batch).toEqual({ batchItemFailures: [] });
    // The slow one settled with the batch: its end acknowledges it, no extra request.
    expect(acknowledger.acknowledged.flatMap((call) => call.handles).sort()).toEqual([
      'rh-1',
      'rh-2',
      'rh-3',
    ]);
  });

  it('costs nothing extra for a batch that ends within the window, and never acknowledges a failed record', async () => {
    const acknowledger = recordingAcknowledger();
    const acknowledgement = startBatchAcknowledgement(acknowledger, 50);
    acknowledgement.settled({ messageId: 'a', body: '', receiptHandle: 'rh-a', eventSourceARN: QUEUE_ARN });
    await acknowledgement.finish();
    // A barrier, not a sleep: a record settled after the finish, with the same window, is acknowledged
    // by a timer set after the first batch's; timers of one delay fire in the order they were set, so
    // once the barrier's delete is seen, a timer the finish failed to cancel would have fired before it.
    const barrier = startBatchAcknowledgement(acknowledger, 50);
    barrier.settled({ messageId: 'b', body: '', receiptHandle: 'rh-barrier', eventSourceARN: QUEUE_ARN });
    await eventually(async () => acknowledger.acknowledged.length > 0, 10_000, 'the barrier record');
    expect(acknowledger.acknowledged.filter((call) => !call.handles.includes('rh-barrier'))).toEqual([]);
    await barrier.finish();

    const services = createTestServices({ sender });
    const slowAcknowledger = recordingAcknowledger();
    services.acknowledger = slowAcknowledger;
    const result = await processDeliveryBatch(services, [
      { messageId: 'junk', body: 'not a task', receiptHandle: 'rh-junk', eventSourceARN: QUEUE_ARN },
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
    expect(slowAcknowledger.acknowledged).toEqual([]);
  });
});
