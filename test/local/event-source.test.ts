import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type EventSourceQueue,
  type SqsEventSource,
  sdkEventSourceQueue,
  startSqsEventSource,
} from '#local/event-source';
import { localEventSourceQueue } from '#local/sqs/event-source-queue';
import { type SqsHarness, startSqsHarness } from '../support/sqs-harness';

let dataDir: string;
let harness: SqsHarness;
let queueUrl: string;
let source: SqsEventSource | undefined;
const queueArn = 'arn:aws:sqs:local:000000000000:work';

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'event-source-'));
  harness = await startSqsHarness(dataDir);
  const created = await harness.client.send(
    new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '1' } }),
  );
  queueUrl = created.QueueUrl as string;
});

afterEach(async () => {
  await source?.stop();
  source = undefined;
  await harness.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function send(...bodies: string[]): Promise<void> {
  for (const body of bodies)
    await harness.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

async function queueCounts(): Promise<{ visible: string; inFlight: string }> {
  const { Attributes } = await harness.client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Attributes?.ApproximateNumberOfMessages ?? '?',
    inFlight: Attributes?.ApproximateNumberOfMessagesNotVisible ?? '?',
  };
}

/** Resolves when `predicate` holds for the records seen so far. */
function recorder() {
  const seen: SQSRecord[] = [];
  const batches: string[][] = [];
  let notify = (): void => {};
  return {
    seen,
    batches,
    record(event: SQSEvent): void {
      seen.push(...event.Records);
      batches.push(event.Records.map((record) => record.body));
      notify();
    },
    until(predicate: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => {
          if (predicate()) resolve();
        };
        notify = check;
        check();
      });
    },
  };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The runtime's event sources call the local SQS in-process; any other endpoint is reached with the SDK. */
const queues: [string, (harness: SqsHarness) => EventSourceQueue][] = [
  ['through the SDK', (harness) => sdkEventSourceQueue(harness.client)],
  ['in-process', (harness) => localEventSourceQueue(harness.sqs)],
];

describe.each(queues)('startSqsEventSource %s', (_name, queueOf) => {
  it('hands Lambda-shaped records to the handler and deletes them after success', async () => {
    await send('hello');
    const calls = recorder();
    source = startSqsEventSource({
      queue: queueOf(harness),
      queueUrl,
      queueArn,
      concurrency: 1,
      handler: async (event) => calls.record(event),
    });
    await calls.until(() => calls.seen.length === 1);
    const [record] = calls.seen;
    expect(record).toMatchObject({
      body: 'hello',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'local',
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      messageAttributes: {},
      attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
    });
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(record?.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
    expect(record?.receiptHandle).toBeTruthy();
    await source.stop();
    source = undefined;
    expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' });
  });

  it('redelivers only the records reported in batchItemFailures, with ApproximateReceiveCount 2', async () => {
    await send('a', 'b', 'c');
    const calls = recorder();
    source = startSqsEventSource({
      queue: queueOf(harness),
      queueUrl,
      queueArn,
      concurrency: 1,
      waitTimeSeconds: 2,
      handler: async (event): Promise<SQSBatchResponse> => {
        calls.record(event);
        const failures = event.Records.filter(
          (record) => record.body === 'b' && record.attributes.ApproximateReceiveCount === '1',
        );
        return { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
      },
    });
    await calls.until(() => calls.seen.length === 4);
    expect(calls.batches).toEqual([['a', 'b', 'c'], ['b']]);
    expect(calls.seen[3]?.attributes.ApproximateReceiveCount).toBe('2');
    // The barrier, not a sleep: once no message is visible or in flight, none can be handed over again
    // (a record left undeleted stays in flight, then visible, until it is handled and deleted).
    await vi.waitFor(async () => expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' }), {
      timeout: 10_000,
    });
    expect(calls.seen).toHaveLength(4);
    expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' });
  });

  it('redelivers the whole batch when the handler throws, and reports the error', async () => {
    await send('x', 'y');
    const calls = recorder();
    const errors: unknown[] = [];
    let invocations = 0;
    source = startSqsEventSource({
      queue: queueOf(harness),
      queueUrl,
      queueArn,
      concurrency: 1,
      waitTimeSeconds: 2,
      onError: (error) => errors.push(error),
      handler: async (event) => {
        calls.record(event);
        invocations += 1;
        if (invocations === 1) throw new Error('downstream unavailable');
      },
    });
    await calls.until(() => calls.seen.length === 4);
    expect(calls.batches).toEqual([
      ['x', 'y'],
      ['x', 'y'],
    ]);
    expect(calls.seen.slice(2).map((record) => record.attributes.ApproximateReceiveCount)).toEqual([
      '2',
      '2',
    ]);
    expect(errors).toEqual([expect.objectContaining({ message: 'downstream unavailable' })]);
    // The barrier, not a sleep: with nothing visible or in flight, nothing can be handed over again.
    await vi.waitFor(async () => expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' }), {
      timeout: 10_000,
    });
    expect(calls.seen).toHaveLength(4);
  });

  it('treats batchItemFailures naming an unknown record as a failure of the whole batch', async () => {
    await send('only');
    const calls = recorder();
    source = startSqsEventSource({
      queue: queueOf(harness),
      queueUrl,
      queueArn,
      concurrency: 1,
      waitTimeSeconds: 2,
      onError: () => {},
      handler: async (event) => {
        calls.record(event);
        return { batchItemFailures: calls.seen.length === 1 ? [{ itemIdentifier: 'not-in-batch' }] : [] };
      },
    });
    await calls.until(() => calls.seen.length === 2);
    expect(calls.seen[1]?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('stop() lets an in-flight batch finish and settle, then stops polling', async () => {
    await send('slow');
    let releaseHandler = (): void => {};
    const started = recorder();
    let finished = 0;
    const order: string[] = [];
    source = startSqsEventSource({
      queue: queueOf(harness),
      queueUrl,
      queueArn,
      concurrency: 2,
      handler: async (event) => {
        started.record(event);
        await new Promise<void>((resolve) => {
          releaseHandler = resolve;
        });
        finished += 1;
        order.push('handler finished');
      },
    });
    await started.until(() => started.seen.length === 1);
    const stopping = source.stop();
    source = undefined;
    // The order proves it, not a sleep: stop() resolves only after the in-flight handler has finished.
    void stopping.then(() => order.push('stopped'));
    releaseHandler();
    await stopping;
    expect(order).toEqual(['handler finished', 'stopped']);
    expect(finished).toBe(1);
    expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' });

    // No poller is left: a message sent now stays in the queue.
    await send('after stop');
    await settle(200);
    expect(await queueCounts()).toEqual({ visible: '1', inFlight: '0' });
  });

  describe('visibility heartbeat', () => {
    it('keeps a batch slower than the visibility timeout in flight: no other poller receives it meanwhile', async () => {
      await send('slow-1', 'slow-2');
      const calls = recorder();
      const errors: unknown[] = [];
      source = startSqsEventSource({
        queue: queueOf(harness),
        queueUrl,
        queueArn,
        // A second idle poller would take the messages the moment they reappeared.
        concurrency: 2,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 1,
        onError: (error) => errors.push(error),
        handler: async (event) => {
          calls.record(event);
          await settle(3500);
        },
      });
      await calls.until(() => calls.seen.length === 2);
      await vi.waitFor(async () => expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' }), {
        timeout: 6000,
      });
      expect(calls.batches).toEqual([['slow-1', 'slow-2']]);
      expect(calls.seen.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '1']);
      expect(
        harness.requests.filter((name) => name === 'ChangeMessageVisibilityBatch').length,
      ).toBeGreaterThan(3);
      expect(errors).toEqual([]);
    });

    it('stops extending once the batch is settled', async () => {
      await send('quick');
      const calls = recorder();
      source = startSqsEventSource({
        queue: queueOf(harness),
        queueUrl,
        queueArn,
        concurrency: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 1,
        handler: async (event) => {
          await settle(800);
          calls.record(event);
        },
      });
      await calls.until(() => calls.seen.length === 1);
      await vi.waitFor(async () => expect(await queueCounts()).toEqual({ visible: '0', inFlight: '0' }));
      const extensions = harness.requests.filter((name) => name === 'ChangeMessageVisibilityBatch').length;
      expect(extensions).toBeGreaterThanOrEqual(1);
      await settle(1000);
      expect(harness.requests.filter((name) => name === 'ChangeMessageVisibilityBatch').length).toBe(
        extensions,
      );
    });

    it('reports a failed extension and carries on polling', async () => {
      await send('gone');
      const calls = recorder();
      const errors: unknown[] = [];
      source = startSqsEventSource({
        queue: queueOf(harness),
        queueUrl,
        queueArn,
        concurrency: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 1,
        heartbeatIntervalMs: 100,
        onError: (error) => errors.push(error),
        handler: async (event) => {
          calls.record(event);
          if (event.Records[0]?.body !== 'gone') return;
          // Deleted behind the source's back: the next extension of its receipt handle fails.
          await harness.client.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: event.Records[0].receiptHandle }),
          );
          await settle(400);
          return { batchItemFailures: [{ itemIdentifier: event.Records[0].messageId }] };
        },
      });
      await calls.until(() => calls.seen.length === 1);
      await vi.waitFor(() =>
        expect(errors).toContainEqual(
          expect.objectContaining({ message: expect.stringContaining('could not extend the visibility') }),
        ),
      );
      await send('next');
      await calls.until(() => calls.seen.some((record) => record.body === 'next'));
    });

    it('refuses a visibility timeout that is not a whole number of seconds from 1', () => {
      expect(() =>
        startSqsEventSource({
          queue: queueOf(harness),
          queueUrl,
          queueArn,
          visibilityTimeoutSeconds: 0,
          handler: async () => undefined,
        }),
      ).toThrow(RangeError);
    });
  });

  describe('scaling out behind slow batches', () => {
    async function slowQueue(): Promise<string> {
      const created = await harness.client.send(
        new CreateQueueCommand({ QueueName: 'slow-work', Attributes: { VisibilityTimeout: '30' } }),
      );
      return created.QueueUrl as string;
    }
    async function sendTo(url: string, body: string): Promise<void> {
      await harness.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    }

    it('starts another poller while every poller is stuck on a slow batch, so later records still flow', async () => {
      const url = await slowQueue();
      const started: string[] = [];
      let releaseSlow = (): void => {};
      const slowDone = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      const calls = recorder();
      source = startSqsEventSource({
        queue: queueOf(harness),
        queueUrl: url,
        queueArn,
        batchSize: 1,
        concurrency: 1,
        maxConcurrency: 2,
        scaleOutAfterMs: 50,
        waitTimeSeconds: 1,
        handler: async (event) => {
          started.push(...event.Records.map((record) => record.body));
          if (event.Records.some((record) => record.body === 'slow')) await slowDone;
          calls.record(event);
        },
      });
      try {
        await sendTo(url, 'slow');
        await vi.waitFor(() => expect(started).toEqual(['slow']));
        await sendTo(url, 'fast');
        await calls.until(() => calls.seen.some((record) => record.body === 'fast'));
        // The only original poller is still inside the slow batch.
        expect(calls.seen.map((record) => record.body)).toEqual(['fast']);
      } finally {
        releaseSlow();
      }
      await calls.until(() => calls.seen.length === 2);
    });

    it('never runs more pollers than maxConcurrency', async () => {
      const url = await slowQueue();
      const started: string[] = [];
      let releaseSlow = (): void => {};
      const slowDone = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      const calls = recorder();
      source = startSqsEventSource({
        queue: queueOf(harness),
        queueUrl: url,
        queueArn,
        batchSize: 1,
        concurrency: 1,
        maxConcurrency: 2,
        scaleOutAfterMs: 20,
        waitTimeSeconds: 1,
        handler: async (event) => {
          started.push(...event.Records.map((record) => record.body));
          await slowDone;
          calls.record(event);
        },
      });
      try {
        for (const body of ['s1', 's2', 's3']) await sendTo(url, body);
        await vi.waitFor(() => expect(started).toHaveLength(2));
        await settle(400);
        expect(started).toHaveLength(2);
      } finally {
        releaseSlow();
      }
      await calls.until(() => calls.seen.length === 3);
    });

    it('refuses a maxConcurrency below concurrency', () => {
      expect(() =>
        startSqsEventSource({
          queue: queueOf(harness),
          queueUrl,
          queueArn,
          concurrency: 3,
          maxConcurrency: 2,
          handler: async () => undefined,
        }),
      ).toThrow(RangeError);
    });
  });
});
