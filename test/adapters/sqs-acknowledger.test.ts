/**
 * The SQS acknowledger deletes settled delivery messages of its own queue (on the local SQS service,
 * through the real SDK client), leaves any other queue's alone, and never throws.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsAcknowledger } from '#adapters/sqs-acknowledger';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

let dataDir: string;
let harness: SqsHarness;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sqs-acknowledger-'));
  harness = await startSqsHarness(dataDir);
});

afterAll(async () => {
  await harness.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function inFlight(queueUrl: string): Promise<number> {
  const { Attributes } = await harness.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('the SQS acknowledger', () => {
  it('deletes received messages of its queue (twelve: more than one request holds), and a second delete still succeeds', async () => {
    const queueUrl = (await harness.client.send(new CreateQueueCommand({ QueueName: 'acked' }))).QueueUrl!;
    for (const start of [0, 10]) {
      await harness.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: start === 0 ? 10 : 2 }, (_, index) => ({
            Id: String(index),
            MessageBody: `m${start + index}`,
          })),
        }),
      );
    }
    const handles: string[] = [];
    while (handles.length < 12) {
      const { Messages = [] } = await harness.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      handles.push(...Messages.map((message) => message.ReceiptHandle!));
    }
    expect(await inFlight(queueUrl)).toBe(12);

    const acknowledger = createSqsAcknowledger({ client: harness.client, queueUrls: [queueUrl] });
    await acknowledger.acknowledge('arn:aws:sqs:us-east-1:000000000000:acked', handles);

    expect(await inFlight(queueUrl)).toBe(0);
    // What the event source does when the batch ends: deletes the same records again, without a failure.
    const again = await harness.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: handles.slice(0, 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
      }),
    );
    expect(again.Failed ?? []).toEqual([]);
  });

  it('leaves messages of another queue alone, and does not throw when SQS cannot be reached', async () => {
    const queueUrl = (await harness.client.send(new CreateQueueCommand({ QueueName: 'other' }))).QueueUrl!;
    await harness.client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: 'kept' }] }),
    );
    const { Messages = [] } = await harness.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 60 }),
    );
    const acknowledger = createSqsAcknowledger({
      client: harness.client,
      queueUrls: [`${harness.endpoint}/000000000000/acked`],
    });
    await acknowledger.acknowledge('arn:aws:sqs:us-east-1:000000000000:other', [Messages[0]!.ReceiptHandle!]);
    expect(await inFlight(queueUrl)).toBe(1);
    expect(
      await acknowledger.hold('arn:aws:sqs:us-east-1:000000000000:other', Messages[0]!.ReceiptHandle!, 5),
    ).toBe(false);

    const unreachable = new SQSClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const lost = createSqsAcknowledger({
        client: unreachable,
        queueUrls: ['http://127.0.0.1:9/000000000000/acked'],
      });
      await expect(lost.acknowledge('arn:aws:sqs:local:000000000000:acked', ['rh'])).resolves.toBeUndefined();
      await expect(lost.hold('arn:aws:sqs:local:000000000000:acked', 'rh', 5)).resolves.toBe(false);
    } finally {
      unreachable.destroy();
    }
  });
});
