/**
 * The local queue's FIFO semantics (what ordered delivery per conversation relies on): order per
 * message group, a group held while one of its messages is in flight (also while a retry waits out its
 * visibility timeout), other groups served meanwhile, sends de-duplicated, no per-message delay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueStore, type ReceivedMessage } from '#local/sqs/queue-store';

let path: string;
let store: QueueStore;
let now = Date.UTC(2030, 0, 1);
let queueNumber = 0;

const open = () => QueueStore.open({ path, accountId: '123456789012', now: () => now });

beforeAll(async () => {
  path = await mkdtemp(join(tmpdir(), 'fifo-queue-'));
  store = await open();
});

afterAll(async () => {
  await store.close();
  await rm(path, { recursive: true, force: true });
});

async function freshQueue(): Promise<string> {
  queueNumber += 1;
  const name = `ordered-${queueNumber}.fifo`;
  await store.createQueue(name, { FifoQueue: 'true', VisibilityTimeout: '30' });
  return name;
}

let deduplication = 0;
const send = (queue: string, group: string, bodies: string[]) =>
  store.sendMessages(
    queue,
    bodies.map((body) => ({ body, messageGroupId: group, messageDeduplicationId: `d${++deduplication}` })),
  );
const bodies = (messages: ReceivedMessage[]) => messages.map((message) => message.body);

describe('the local queue as a FIFO queue', () => {
  it('holds a group while its first message waits for a retry, and serves the other groups meanwhile', async () => {
    const queue = await freshQueue();
    await send(queue, 'conversation-1', ['created', 'edited', 'retracted']);
    await send(queue, 'conversation-2', ['other']);

    const first = await store.receiveMessages(queue, { maxMessages: 1 });
    expect(bodies(first)).toEqual(['created']);
    // The attempt failed: the retry holds the message by visibility (60 s), not by a new message.
    await store.changeVisibility(queue, [
      { receiptHandle: first[0]!.receiptHandle, visibilityTimeoutSeconds: 60 },
    ]);
    const other = await store.receiveMessages(queue, { maxMessages: 10 });
    expect(bodies(other)).toEqual(['other']);
    await store.deleteMessages(queue, [other[0]!.receiptHandle]);
    now += 59_000;
    expect(await store.receiveMessages(queue, { maxMessages: 10 })).toEqual([]);
    now += 1_000;
    const retried = await store.receiveMessages(queue, { maxMessages: 1 });
    expect(bodies(retried)).toEqual(['created']);
    expect(retried[0]?.receiveCount).toBe(2);
    expect(await store.receiveMessages(queue, { maxMessages: 10 })).toEqual([]);
    await store.deleteMessages(queue, [retried[0]!.receiptHandle]);
    expect(bodies(await store.receiveMessages(queue, { maxMessages: 10 }))).toEqual(['edited', 'retracted']);
  });

  it('de-duplicates a send within five minutes, refuses a per-message delay, and keeps order across a reopen', async () => {
    const queue = await freshQueue();
    const [original] = await store.sendMessages(queue, [
      { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'same' },
    ]);
    const [again] = await store.sendMessages(queue, [
      { body: 'a', messageGroupId: 'g', messageDeduplicationId: 'same' },
    ]);
    expect(again?.id).toBe(original?.id);
    await expect(
      store.sendMessages(queue, [
        { body: 'b', messageGroupId: 'g', messageDeduplicationId: 'x', delaySeconds: 5 },
      ]),
    ).rejects.toThrow(/DelaySeconds/);
    // The same millisecond: only the sequence number keeps them in order after a reopen.
    await send(queue, 'g', ['b', 'c', 'd', 'e']);
    await store.close();
    store = await open();
    expect(bodies(await store.receiveMessages(queue, { maxMessages: 10 }))).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
  });

  it('moves a group’s message that keeps failing to the DLQ, then releases the next one', async () => {
    await store.createQueue('ordered-dead.fifo', { FifoQueue: 'true' });
    const queue = await freshQueue();
    await store.setQueueAttributes(queue, {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: store.queueArn('ordered-dead.fifo'),
        maxReceiveCount: 2,
      }),
    });
    await send(queue, 'g', ['poison', 'next']);
    for (let receive = 0; receive < 2; receive++) {
      const [message] = await store.receiveMessages(queue, { maxMessages: 1 });
      expect(message?.body).toBe('poison');
      await store.changeVisibility(queue, [
        { receiptHandle: message!.receiptHandle, visibilityTimeoutSeconds: 0 },
      ]);
    }
    expect(bodies(await store.receiveMessages(queue, { maxMessages: 10 }))).toEqual(['next']);
    expect(bodies(await store.receiveMessages('ordered-dead.fifo', { maxMessages: 10 }))).toEqual(['poison']);
  });

  it('gives out each group in send order, one receive’s messages at a time, however settles interleave', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('send' as const),
        group: fc.constantFrom('c1', 'c2', 'c3'),
        count: fc.integer({ min: 1, max: 5 }),
      }),
      fc.record({ kind: fc.constant('receive' as const), count: fc.integer({ min: 1, max: 10 }) }),
      fc.record({
        kind: fc.constant('settle' as const),
        how: fc.constantFrom('delete', 'retry-now', 'retry-later', 'crash'),
        pick: fc.nat(),
      }),
      fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 40 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const queue = await freshQueue();
        const sent = new Map<string, number>();
        /** Per group: the index of the next message it must hand out (all before it were deleted). */
        const deleted = new Map<string, number>();
        let inFlight: ReceivedMessage[] = [];
        const receive = async (count: number) => {
          // Messages whose visibility ran out are no longer ours: the queue may hand them out again.
          inFlight = inFlight.filter((message) => message.visibleAt > now);
          const received = await store.receiveMessages(queue, { maxMessages: count });
          for (const message of received) {
            const [group, index] = message.body.split('#') as [string, string];
            // A group with a message still in flight gives nothing more.
            expect(inFlight.some((held) => held.messageGroupId === group)).toBe(false);
            // Only the group's oldest undeleted message, or the ones after it in the same receive.
            const sameReceive = received.filter((other) => other.messageGroupId === group);
            expect(Number(index)).toBe((deleted.get(group) ?? 0) + sameReceive.indexOf(message));
          }
          inFlight.push(...received);
        };
        for (const action of steps) {
          if (action.kind === 'send') {
            const first = sent.get(action.group) ?? 0;
            await send(
              queue,
              action.group,
              Array.from({ length: action.count }, (_, offset) => `${action.group}#${first + offset}`),
            );
            sent.set(action.group, first + action.count);
          } else if (action.kind === 'receive') {
            await receive(action.count);
          } else if (action.kind === 'wait') {
            now += action.seconds * 1000;
          } else if (inFlight.length > 0) {
            // Settles a group's oldest message in flight (a consumer settles in order, as the delivery step does).
            const target = inFlight[action.pick % inFlight.length]!;
            const message = inFlight.find((held) => held.messageGroupId === target.messageGroupId)!;
            const group = message.messageGroupId!;
            if (action.how === 'delete') {
              await store.deleteMessages(queue, [message.receiptHandle]);
              deleted.set(group, (deleted.get(group) ?? 0) + 1);
              inFlight = inFlight.filter((held) => held !== message);
            } else if (action.how === 'crash') {
              inFlight = inFlight.filter((held) => held.messageGroupId !== group);
              now += 31_000;
            } else {
              const seconds = action.how === 'retry-now' ? 0 : 20;
              // Releasing the head releases the messages after it in the same receive too, as a consumer must.
              const held = inFlight.filter((other) => other.messageGroupId === group);
              await store.changeVisibility(
                queue,
                held.map((other) => ({
                  receiptHandle: other.receiptHandle,
                  visibilityTimeoutSeconds: seconds,
                })),
              );
              inFlight = inFlight.filter((other) => other.messageGroupId !== group);
              if (seconds > 0) now += seconds * 1000;
            }
          }
        }
        // Drain: delete in order until every message has gone out once in order (nothing starves).
        now += 60_000;
        inFlight = [];
        for (let round = 0; round < 1000; round++) {
          const received = await store.receiveMessages(queue, { maxMessages: 10 });
          if (received.length === 0) break;
          for (const message of received) {
            const [group, index] = message.body.split('#') as [string, string];
            expect(Number(index)).toBe(deleted.get(group) ?? 0);
            deleted.set(group, Number(index) + 1);
          }
          await store.deleteMessages(
            queue,
            received.map((message) => message.receiptHandle),
          );
        }
        for (const [group, count] of sent) expect(deleted.get(group)).toBe(count);
        await store.deleteQueue(queue);
      }),
      { numRuns: 80 },
    );
  });
});
