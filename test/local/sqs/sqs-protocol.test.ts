import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { md5OfMessageAttributes } from '#local/sqs/message-md5';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

let dataDir: string;
let harness: SqsHarness;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-sqs-'));
  harness = await startSqsHarness(dataDir);
});

afterEach(async () => {
  await harness.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await harness.client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  return QueueUrl as string;
}

async function receive(
  queueUrl: string,
  extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
) {
  const { Messages } = await harness.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      ...extra,
    }),
  );
  return Messages ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local SQS over the real SDK', () => {
  it('creates queues idempotently and answers URLs, ARNs and listings', async () => {
    const url = await createQueue('deliveries', { VisibilityTimeout: '5' });
    expect(url).toBe(`${harness.endpoint}/000000000000/deliveries`);
    expect(await createQueue('deliveries', { VisibilityTimeout: '5' })).toBe(url);
    await expect(createQueue('deliveries', { VisibilityTimeout: '6' })).rejects.toMatchObject({
      name: 'QueueNameExists',
    });
    await createQueue('deliveries-dlq');

    const { QueueUrl } = await harness.client.send(new GetQueueUrlCommand({ QueueName: 'deliveries' }));
    expect(QueueUrl).toBe(url);
    const { QueueUrls } = await harness.client.send(new ListQueuesCommand({ QueueNamePrefix: 'deliveries' }));
    expect(QueueUrls).toEqual([url, `${harness.endpoint}/000000000000/deliveries-dlq`]);

    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
    );
    expect(Attributes).toEqual({
      QueueArn: 'arn:aws:sqs:local:000000000000:deliveries',
      VisibilityTimeout: '5',
    });
  });

  it('reports a missing queue as QueueDoesNotExist, as SQS does', async () => {
    const error = await harness.client
      .send(new SendMessageCommand({ QueueUrl: `${harness.endpoint}/000000000000/nope`, MessageBody: 'x' }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect(error).toMatchObject({
      $metadata: { httpStatusCode: 400 },
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
    });
    await expect(harness.client.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
  });

  it('sends, receives with system attributes and deletes; the SDK checks every MD5', async () => {
    const url = await createQueue('basic');
    const body = 'héllo ✓ 🌍';
    const sent = await harness.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        tenant: { DataType: 'String', StringValue: 'acme' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
      }),
    );

    const [message, ...rest] = await receive(url, { MessageAttributeNames: ['All'] });
    expect(rest).toEqual([]);
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: body,
      MD5OfBody: sent.MD5OfMessageBody,
    });
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(message?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(message?.Attributes?.SentTimestamp),
    );
    expect(message?.MessageAttributes?.tenant).toEqual({ DataType: 'String', StringValue: 'acme' });
    expect(message?.MessageAttributes?.blob?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]));
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);

    expect(await receive(url)).toEqual([]);
    await harness.client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }),
    );
    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('reports per-entry failures in batches and refuses malformed batches', async () => {
    const url = await createQueue('batches');
    const result = await harness.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'good', MessageBody: 'one' },
          { Id: 'bad', MessageBody: 'bell \u0007 is not allowed' },
          { Id: 'late', MessageBody: 'two', DelaySeconds: 901 },
        ],
      }),
    );
    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['good']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents' }),
      expect.objectContaining({ Id: 'late', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);

    const tooMany = Array.from({ length: 11 }, (_, index) => ({ Id: `m${index}`, MessageBody: 'x' }));
    await expect(
      harness.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: tooMany })),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(
      harness.client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'same', MessageBody: 'a' },
            { Id: 'same', MessageBody: 'b' },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    const tooLarge = Array.from({ length: 2 }, (_, index) => ({
      Id: `big${index}`,
      MessageBody: 'x'.repeat(600_000),
    }));
    await expect(
      harness.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: tooLarge })),
    ).rejects.toMatchObject({ name: 'BatchRequestTooLong' });

    const [message] = await receive(url);
    const deleted = await harness.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'real', ReceiptHandle: message?.ReceiptHandle },
          { Id: 'forged', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'real' }]);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: 'forged', Code: 'ReceiptHandleIsInvalid' }),
    ]);
    await expect(
      harness.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'forged' })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it('refuses invalid parameters with InvalidParameterValue, never a server error', async () => {
    const url = await createQueue('validation');
    await expect(
      harness.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
    await expect(
      harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })),
    ).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(
      harness.client.send(new CreateQueueCommand({ QueueName: 'bad name!' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      harness.client.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '99999' } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
    const unknown = await harness.sqs.handle('AmazonSQS.Frobnicate', '{}');
    expect(unknown.statusCode).toBe(400);
    const garbage = await harness.sqs.handle('AmazonSQS.SendMessage', '{not json');
    expect(garbage.statusCode).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ __type: 'com.amazonaws.sqs#SerializationException' });
  });

  it('hides a received message for its visibility timeout, then redelivers it with a higher receive count', async () => {
    const url = await createQueue('visibility', { VisibilityTimeout: '1' });
    await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const [first] = await receive(url);
    expect(await receive(url)).toEqual([]);
    await sleep(1100);
    const [second] = await receive(url);
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first?.Attributes?.ApproximateFirstReceiveTimestamp,
    );

    // The first receive's handle is stale now: deleting with it must not delete the new receive.
    await harness.client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }),
    );
    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('changes visibility: 0 releases at once, a longer timeout keeps it hidden', async () => {
    const url = await createQueue('change-visibility', { VisibilityTimeout: '1' });
    await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b' }));
    const received = await receive(url);
    expect(received).toHaveLength(2);
    const [a, b] = received;
    await harness.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: a?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const batch = await harness.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'b', ReceiptHandle: b?.ReceiptHandle, VisibilityTimeout: 60 },
          { Id: 'stale', ReceiptHandle: a?.ReceiptHandle, VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(batch.Successful).toEqual([{ Id: 'b' }]);
    expect(batch.Failed).toEqual([
      expect.objectContaining({ Id: 'stale', Code: 'AWS.SimpleQueueService.MessageNotInflight' }),
    ]);

    const again = await receive(url);
    expect(again.map((message) => message.MessageId)).toEqual([a?.MessageId]);
    // b was extended to 60 s, so only a (1 s timeout) comes back. A long poll, not a sleep, waits for
    // a's return: b's own 1 s would have run out before a's second one, so b would come with it or first.
    expect((await receive(url, { WaitTimeSeconds: 5 })).map((message) => message.MessageId)).toEqual([
      a?.MessageId,
    ]);
  });

  it('delays a message by DelaySeconds and counts it as delayed meanwhile', async () => {
    const url = await createQueue('delays');
    await harness.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }),
    );
    expect(await receive(url)).toEqual([]);
    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    // A long poll sleeps until the delay ends, without being woken by a send.
    const [message] = await receive(url, { WaitTimeSeconds: 5 });
    expect(message?.Body).toBe('later');
  });

  it('answers a long poll as soon as a message arrives', async () => {
    const url = await createQueue('long-poll');
    const polling = receive(url, { WaitTimeSeconds: 20 });
    await sleep(200);
    const operationsBefore = harness.requests.length;
    await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const messages = await polling;
    expect(messages.map((message) => message.Body)).toEqual(['wake up']);
    // The poll neither timed out nor busy-looped over HTTP: exactly one request (the send) happened meanwhile.
    expect(harness.requests.length - operationsBefore).toBe(1);
  });

  it('returns an empty long poll when the wait ends', async () => {
    const url = await createQueue('long-poll-empty');
    const started = Date.now();
    expect(await receive(url, { WaitTimeSeconds: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('moves a message to the DLQ once it reached maxReceiveCount', async () => {
    const dlqUrl = await createQueue('redrive-dlq');
    const url = await createQueue('redrive', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: 'arn:aws:sqs:local:000000000000:redrive-dlq',
        maxReceiveCount: 2,
      }),
    });
    const { MessageId } = await harness.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }),
    );
    for (const expectedCount of ['1', '2']) {
      const [message] = await receive(url, { WaitTimeSeconds: 3 });
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(expectedCount);
    }
    // Third time it becomes visible it goes to the DLQ instead of being delivered.
    expect(await receive(url, { WaitTimeSeconds: 2 })).toEqual([]);
    const [dead] = await receive(dlqUrl, { WaitTimeSeconds: 1 });
    expect(dead).toMatchObject({ MessageId, Body: 'poison' });
    expect(dead?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:local:000000000000:redrive');
    const { Attributes } = await harness.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('speaks FIFO queues as SQS does: group and de-duplication ids, sequence numbers, no per-message delay', async () => {
    const url = await createQueue('ordered.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'false' });
    await expect(createQueue('not-suffixed', { FifoQueue: 'true' })).rejects.toThrow(/\.fifo/);
    await expect(
      harness.client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd0' }),
      ),
    ).rejects.toThrow(/MessageGroupId/);
    await expect(
      harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
    ).rejects.toThrow(/MessageDeduplicationId/);
    const batch = await harness.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'first', MessageGroupId: 'g', MessageDeduplicationId: 'd1' },
          {
            Id: 'b',
            MessageBody: 'late',
            MessageGroupId: 'g',
            MessageDeduplicationId: 'd2',
            DelaySeconds: 5,
          },
          { Id: 'c', MessageBody: 'second', MessageGroupId: 'g', MessageDeduplicationId: 'd3' },
        ],
      }),
    );
    expect(batch.Failed?.map((entry) => entry.Id)).toEqual(['b']);
    const [first, second] = await receive(url);
    expect([first?.Body, second?.Body]).toEqual(['first', 'second']);
    expect(first?.Attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd1' });
    expect(Number(first?.Attributes?.SequenceNumber)).toBeLessThan(
      Number(second?.Attributes?.SequenceNumber),
    );
  });

  it('purges a queue', async () => {
    const url = await createQueue('purge');
    await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone' }));
    await harness.client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(await receive(url)).toEqual([]);
  });
});

describe('local SQS in-process (invoke)', () => {
  it('stores a batch durably without HTTP: receivable over the SDK, also after a reopen', async () => {
    const url = await createQueue('in-process');
    const requestsBefore = harness.requests.length;
    const output = await harness.sqs.invoke('SendMessageBatch', {
      QueueUrl: url,
      Entries: [
        { Id: '0', MessageBody: 'first' },
        { Id: '1', MessageBody: 'second' },
        { Id: '2', MessageBody: '' },
      ],
    });
    expect(output.Successful).toEqual([
      expect.objectContaining({ Id: '0', MD5OfMessageBody: '8b04d5e3775d298e78455efc5ca404d5' }),
      expect.objectContaining({ Id: '1' }),
    ]);
    expect(output.Failed).toEqual([expect.objectContaining({ Id: '2', SenderFault: true })]);
    // Counted like a request (onRequest), though no HTTP request was made.
    expect(harness.requests.slice(requestsBefore)).toEqual(['SendMessageBatch']);

    await harness.close();
    harness = await startSqsHarness(dataDir);
    const bodies = (await receive(url.replace(/^http:\/\/[^/]+/, harness.endpoint))).map(
      (message) => message.Body,
    );
    expect(bodies.sort()).toEqual(['first', 'second']);
  });

  it('throws the SqsError the HTTP answer would carry', async () => {
    await expect(
      harness.sqs.invoke('SendMessageBatch', {
        QueueUrl: `${harness.endpoint}/000000000000/missing`,
        Entries: [],
      }),
    ).rejects.toMatchObject({ name: 'SqsError', type: 'QueueDoesNotExist' });
    await expect(harness.sqs.invoke('NoSuchOperation', {})).rejects.toMatchObject({
      type: 'UnknownOperationException',
    });
  });
});
