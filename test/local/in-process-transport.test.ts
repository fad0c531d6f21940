import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsRequestCounter, createSqsClient } from '#adapters/aws-clients';
import { InProcessRequestHandler, LARGE_CALL_CHARACTERS } from '#local/in-process-transport';
import { createLocalSqs, type LocalSqs } from '#local/sqs/sqs-protocol';

describe('InProcessRequestHandler', () => {
  let dataDir: string;
  let sqs: LocalSqs;
  const targets: string[] = [];
  const endpoint = 'http://127.0.0.1:9'; // discard port: any socket use would fail, not pass silently

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cw-transport-'));
    sqs = await createLocalSqs({ dataDir, baseUrl: () => endpoint });
    targets.length = 0;
  });
  afterEach(async () => {
    await sqs.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const client = (counter = createAwsRequestCounter()) =>
    createSqsClient({
      endpoint,
      counter,
      maxAttempts: 1,
      requestHandler: new InProcessRequestHandler((target, body, signal) => {
        targets.push(target);
        return sqs.handle(target, body, signal);
      }),
    });

  it('carries real SDK calls to the local SQS without a socket, each counted as an AWS request', async () => {
    const counter = createAwsRequestCounter();
    const sdk = client(counter);
    const { QueueUrl } = await sdk.send(new CreateQueueCommand({ QueueName: 'deliveries' }));
    await sdk.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: ['a', 'b', 'ç ✓'].map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    const { Messages = [] } = await sdk.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    expect(Messages.map((message) => message.Body).sort()).toEqual(['a', 'b', 'ç ✓']);
    expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    const deleted = await sdk.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    expect(deleted.Successful).toHaveLength(3);
    // A second call of a command: the cached middleware chain still counts it.
    const { Messages: none = [] } = await sdk.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(none).toEqual([]);
    expect(targets).toEqual([
      'AmazonSQS.CreateQueue',
      'AmazonSQS.SendMessageBatch',
      'AmazonSQS.ReceiveMessage',
      'AmazonSQS.DeleteMessageBatch',
      'AmazonSQS.ReceiveMessage',
    ]);
    expect(counter.snapshot()).toEqual({
      'SQS.CreateQueue': 1,
      'SQS.SendMessageBatch': 1,
      'SQS.ReceiveMessage': 2,
      'SQS.DeleteMessageBatch': 1,
    });
    sdk.destroy();
  });

  it('turns protocol errors into the SDK exceptions AWS would give', async () => {
    const sdk = client();
    const error = await sdk
      .send(new SendMessageBatchCommand({ QueueUrl: `${endpoint}/000000000000/missing`, Entries: [] }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SQSServiceException);
    expect((error as SQSServiceException).$metadata.httpStatusCode).toBe(400);
    sdk.destroy();
  });

  it('ends a long poll when the caller aborts, and rejects the call', async () => {
    const sdk = client();
    const { QueueUrl } = await sdk.send(new CreateQueueCommand({ QueueName: 'idle' }));
    const abort = new AbortController();
    const startedAt = Date.now();
    const polling = sdk
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), { abortSignal: abort.signal })
      .catch((caught: unknown) => caught);
    setTimeout(() => abort.abort(), 50);
    const outcome = await polling;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('AbortError');
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    sdk.destroy();
  });
});

describe('InProcessRequestHandler yields between large calls (docs/contract.md#isolation)', () => {
  /** Sends `count` calls at once with bodies of `characters` each; returns the order of calls and loop turns. */
  async function burstOrder(count: number, characters: number): Promise<string[]> {
    const order: string[] = [];
    const handler = new InProcessRequestHandler(async (target) => {
      order.push(target);
      return { statusCode: 200, headers: {}, body: '{}' };
    });
    const body = JSON.stringify({ pad: 'x'.repeat(characters) });
    const burst = Array.from({ length: count }, (_, index) =>
      handler.handle({ headers: { 'X-Amz-Target': `call-${index}` }, body }),
    );
    // A turn of the loop marks itself each time round (as polled I/O would get its chance).
    let turns = 0;
    const mark = () => {
      order.push('turn');
      if (++turns < 10) setImmediate(mark);
    };
    setImmediate(mark);
    await Promise.all(burst);
    return order;
  }

  it('starts at most one large call per turn of the event loop, so what waits behind a burst runs between them', async () => {
    const order = await burstOrder(3, LARGE_CALL_CHARACTERS);
    const calls = order.flatMap((entry, index) => (entry.startsWith('call') ? [index] : []));
    expect(calls).toHaveLength(3);
    // Another turn of the loop between any two calls of the burst.
    for (let next = 1; next < calls.length; next++)
      expect(order.slice(calls[next - 1], calls[next])).toContain('turn');
  });

  it("starts small calls at once, before the loop turns, so a poller's receive and fan-out's sends keep their batches", async () => {
    const order = await burstOrder(3, 100);
    expect(order.slice(0, 3)).toEqual(['call-0', 'call-1', 'call-2']);
  });
});
