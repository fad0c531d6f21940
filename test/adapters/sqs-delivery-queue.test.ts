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
import { MAX_DELAY_SECONDS, MAX_SENDS_IN_FLIGHT, SqsDeliveryQueue } from '#adapters/sqs-delivery-queue';
import type { DeliveryTask } from '#domain/delivery-task';
import { deliveryTask, describeDeliveryQueueContract } from '#test/contracts/delivery-queue.contract';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

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

const task = (index: number) => deliveryTask(index);

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

describeDeliveryQueueContract('SqsDeliveryQueue on the local SQS service', async () => {
  const queue = await freshQueues();
  const ready = queueUrl;
  const dead = deadLetterQueueUrl;
  return { queue, receiveReady: () => receiveAll(ready), receiveDeadLetters: () => receiveAll(dead) };
});

describe('SqsDeliveryQueue against the local SQS service', () => {
  it('sends every message in its tenant’s group, so a burst of one tenant does not hold back another', async () => {
    const queue = await freshQueues();
    const burst = Array.from({ length: 30 }, (_, index) => deliveryTask(index, {}, 'tenant-burst'));
    await queue.enqueue(burst);
    await queue.enqueue([deliveryTask(100, {}, 'tenant-calm')]);
    await queue.enqueueDelayed(deliveryTask(101, {}, 'tenant-calm'), 0);
    await queue.deadLetter(deliveryTask(102, {}, 'tenant-calm'));

    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 4,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    // Served in turn: the calm tenant's two messages come among the first four, not after thirty.
    const groups = (Messages ?? []).map((message) => message.Attributes?.MessageGroupId);
    expect(groups).toEqual(['tenant-burst', 'tenant-calm', 'tenant-burst', 'tenant-calm']);
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages?.[0]?.Attributes?.MessageGroupId).toBe('tenant-calm');
  });

  it('holds a delayed retry on the queue as a delayed message, capping the delay at SQS’s 900 s', async () => {
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
    expect(calls[1]?.args[0].input.Entries).toEqual([
      { Id: '1', MessageBody: JSON.stringify(task(1)), MessageGroupId: 'tenant-a' },
    ]);
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

describe('SqsDeliveryQueue keeps its sends bounded (docs/contract.md#limits)', () => {
  it('has at most MAX_SENDS_IN_FLIGHT single sends of a tenant in flight, serialises a waiting task only when its turn comes, and never holds another tenant behind them', async () => {
    const stalled: (() => void)[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const stalledClient = {
      send: () =>
        new Promise((resolve) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          stalled.push(() => {
            inFlight--;
            resolve({});
          });
        }),
    } as unknown as SQSClient;
    const queue = new SqsDeliveryQueue({ client: stalledClient, queueUrl: 'q', deadLetterQueueUrl: 'd' });
    let serialised = 0;
    const counted = (index: number): DeliveryTask => {
      const base = task(index);
      // Counts each serialisation of the task's event data (a ~256 KB event is the copy that matters).
      const data = {
        ...base.event.data,
        toJSON: () => {
          serialised++;
          return base.event.data;
        },
      };
      return { ...base, event: { ...base.event, data } };
    };
    const sends = [
      ...Array.from({ length: 30 }, (_, index) => queue.enqueueDelayed(counted(index), 5)),
      ...Array.from({ length: 10 }, (_, index) => queue.deadLetter(counted(100 + index))),
    ];
    // A barrier, not a sleep: every send that may start has reached the stalled client.
    while (stalled.length < MAX_SENDS_IN_FLIGHT) await new Promise((resolve) => setImmediate(resolve));
    expect(inFlight).toBe(MAX_SENDS_IN_FLIGHT);
    expect(serialised).toBe(MAX_SENDS_IN_FLIGHT);
    // Another tenant's send does not wait behind this tenant's turns.
    const other = queue.enqueueDelayed({ ...task(200), tenantId: 'tenant-b' }, 5);
    while (stalled.length < MAX_SENDS_IN_FLIGHT + 1) await new Promise((resolve) => setImmediate(resolve));
    expect(inFlight).toBe(MAX_SENDS_IN_FLIGHT + 1);
    stalled.pop()?.();
    await other;
    // Each answer lets exactly one waiting send start, until all 40 are done.
    let answered = 0;
    while (answered < sends.length) {
      while (stalled.length === 0) await new Promise((resolve) => setImmediate(resolve));
      stalled.shift()?.();
      answered++;
    }
    await Promise.all(sends);
    expect(mostInFlight).toBe(MAX_SENDS_IN_FLIGHT + 1);
    expect(serialised).toBe(40);
    expect(inFlight).toBe(0);
  });
});
