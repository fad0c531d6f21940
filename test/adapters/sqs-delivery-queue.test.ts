import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELAY_SECONDS, SqsDeliveryQueue } from '#adapters/sqs-delivery-queue';
import type { DeliveryTask } from '#domain/delivery-task';
import { type SqsHarness, startSqsHarness } from '../support/sqs-harness';

let dataDir: string;
let harness: SqsHarness;
let client: SQSClient;
let queueUrl: string;
let deadLetterQueueUrl: string;
let queueNumber = 0;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sqs-delivery-queue-'));
  harness = await startSqsHarness(dataDir);
  client = harness.client;
});

afterAll(async () => {
  await harness.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function freshQueues(): Promise<SqsDeliveryQueue> {
  queueNumber++;
  queueUrl = (await client.send(new CreateQueueCommand({ QueueName: `deliveries-${queueNumber}` })))
    .QueueUrl!;
  deadLetterQueueUrl = (await client.send(new CreateQueueCommand({ QueueName: `dead-${queueNumber}` })))
    .QueueUrl!;
  return new SqsDeliveryQueue({ client, queueUrl, deadLetterQueueUrl });
}

function task(index: number, data: Record<string, unknown> = {}): DeliveryTask {
  return {
    tenantId: 'tenant-a',
    webhookId: `wh_${index}`,
    event: {
      id: `evt_${index}`,
      type: 'message.created',
      timestamp: '2026-03-01T12:00:00.000Z',
      tenantId: 'tenant-a',
      brandId: null,
      data,
    },
    attempts: [],
  };
}

async function receiveAll(url: string): Promise<DeliveryTask[]> {
  const received: DeliveryTask[] = [];
  for (;;) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (!Messages || Messages.length === 0) return received;
    received.push(...Messages.map((message) => JSON.parse(message.Body!) as DeliveryTask));
  }
}

describe('SqsDeliveryQueue against the local SQS service', () => {
  it('enqueues every task, batching beyond ten entries', async () => {
    const queue = await freshQueues();
    const tasks = Array.from({ length: 25 }, (_, index) => task(index));
    await queue.enqueue(tasks);
    const received = await receiveAll(queueUrl);
    expect(received.map((entry) => entry.webhookId).sort()).toEqual(
      tasks.map((entry) => entry.webhookId).sort(),
    );
    expect(received[0]).toEqual(tasks.find((entry) => entry.webhookId === received[0]?.webhookId));
  });

  it('carries a group task as one message, intact, beside single tasks', async () => {
    const queue = await freshQueues();
    const group: DeliveryTask = { ...task(7), webhookIds: ['wh_7', 'wh_8', 'wh_9'] };
    await queue.enqueue([group, task(10)]);
    const received = await receiveAll(queueUrl);
    expect(received).toHaveLength(2);
    expect(received.find((entry) => entry.webhookIds)).toEqual(group);
    expect(received.find((entry) => !entry.webhookIds)).toEqual(task(10));
  });

  it('splits batches that would exceed 256 KiB', async () => {
    const queue = await freshQueues();
    const large = 'x'.repeat(60 * 1024);
    const tasks = Array.from({ length: 10 }, (_, index) => task(index, { text: large }));
    await queue.enqueue(tasks);
    expect(await receiveAll(queueUrl)).toHaveLength(10);
  });

  it('delays a retry, capping the delay at SQS’s 900 s and keeping notBefore', async () => {
    const queue = await freshQueues();
    const notBefore = '2026-03-01T13:00:00.000Z';
    await queue.enqueueDelayed({ ...task(1), notBefore }, 3600);
    const attributes = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(await receiveAll(queueUrl)).toEqual([]);
    expect(MAX_DELAY_SECONDS).toBe(900);
  });

  it('sends a task immediately when the delay is zero', async () => {
    const queue = await freshQueues();
    await queue.enqueueDelayed(task(2), 0);
    expect(await receiveAll(queueUrl)).toEqual([task(2)]);
  });

  it('hands exhausted tasks to the dead-letter queue', async () => {
    const queue = await freshQueues();
    const exhausted = {
      ...task(3),
      attempts: [{ at: '2026-03-01T12:00:01.000Z', statusCode: 500, durationMs: 4 }],
    };
    await queue.deadLetter(exhausted);
    expect(await receiveAll(deadLetterQueueUrl)).toEqual([exhausted]);
    expect(await receiveAll(queueUrl)).toEqual([]);
  });
});

describe('SqsDeliveryQueue when SQS refuses some entries', () => {
  // Per-entry failures (throttling, internal errors) cannot be provoked on the local service.
  it('re-sends only the failed entries', async () => {
    const mockedClient = new SQSClient({
      region: 'local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const mock = mockClient(mockedClient);
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    const queue = new SqsDeliveryQueue({ client: mockedClient, queueUrl: 'q', deadLetterQueueUrl: 'd' });

    await queue.enqueue([task(0), task(1), task(2)]);

    const calls = mock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.Entries).toHaveLength(3);
    expect(calls[1]?.args[0].input.Entries).toEqual([{ Id: '1', MessageBody: JSON.stringify(task(1)) }]);
  });

  it('gives up after a few tries, naming how many tasks were refused', async () => {
    const mockedClient = new SQSClient({
      region: 'local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const mock = mockClient(mockedClient);
    mock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [
        { Id: '0', Code: 'InternalError', SenderFault: false },
        { Id: '1', Code: 'InternalError', SenderFault: false },
      ],
    });
    const queue = new SqsDeliveryQueue({ client: mockedClient, queueUrl: 'q', deadLetterQueueUrl: 'd' });

    await expect(queue.enqueue([task(0), task(1)])).rejects.toThrow(/refused 2 delivery task\(s\)/);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
  });
});
