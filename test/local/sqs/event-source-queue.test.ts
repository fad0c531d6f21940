import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sdkEventSourceQueue } from '#local/event-source';
import { localEventSourceQueue } from '#local/sqs/event-source-queue';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

describe('localEventSourceQueue', () => {
  let dataDir: string;
  let harness: SqsHarness;
  let queueUrl: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cw-es-queue-'));
    harness = await startSqsHarness(dataDir);
    queueUrl = (await harness.client.send(new CreateQueueCommand({ QueueName: 'q' }))).QueueUrl as string;
  });
  afterEach(async () => {
    await harness.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const sendWithAttributes = () =>
    harness.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'body ✓',
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
  const receiveInput = () => ({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    MessageSystemAttributeNames: ['All' as const],
    MessageAttributeNames: ['All'],
  });

  it('gives messages in the shape the SDK parses them into, binary attributes as bytes', async () => {
    await sendWithAttributes();
    const local = await localEventSourceQueue(harness.sqs).receiveMessage(
      { ...receiveInput(), VisibilityTimeout: 0 },
      new AbortController().signal,
    );
    const viaSdk = await harness.client.send(new ReceiveMessageCommand(receiveInput()));
    const comparable = (messages: typeof local.Messages) =>
      messages?.map(({ ReceiptHandle: _receipt, Attributes, ...rest }) => ({
        ...rest,
        Attributes: { ...Attributes, ApproximateReceiveCount: undefined },
      }));
    expect(local.Messages?.[0]?.MessageAttributes?.blob?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]));
    expect(comparable(local.Messages)).toEqual(comparable(viaSdk.Messages));
  });

  it('reports every operation it calls, and deletes and extends as the SDK path does', async () => {
    await sendWithAttributes();
    const operations: string[] = [];
    const queue = localEventSourceQueue(harness.sqs, (operation) => operations.push(operation));
    const { Messages = [] } = await queue.receiveMessage(receiveInput(), new AbortController().signal);
    const entries = Messages.map((message, index) => ({
      Id: String(index),
      ReceiptHandle: message.ReceiptHandle,
    }));
    const extended = await queue.changeMessageVisibilityBatch({
      QueueUrl: queueUrl,
      Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: 30 })),
    });
    const deleted = await queue.deleteMessageBatch({ QueueUrl: queueUrl, Entries: entries });
    const again = await queue.deleteMessageBatch({
      QueueUrl: queueUrl,
      Entries: [{ Id: '0', ReceiptHandle: 'bogus' }],
    });
    expect(extended.Failed ?? []).toEqual([]);
    expect(deleted.Failed ?? []).toEqual([]);
    expect(again.Failed?.[0]).toMatchObject({ Id: '0', SenderFault: true });
    expect(operations).toEqual([
      'ReceiveMessage',
      'ChangeMessageVisibilityBatch',
      'DeleteMessageBatch',
      'DeleteMessageBatch',
    ]);
    const left = await sdkEventSourceQueue(harness.client).receiveMessage(
      { QueueUrl: queueUrl, WaitTimeSeconds: 0 },
      new AbortController().signal,
    );
    expect(left.Messages ?? []).toEqual([]);
  });
});
