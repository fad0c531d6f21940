/**
 * The local queue's fair-queue semantics (SQS fair queues: MessageGroupId = tenant on a standard
 * queue): groups are served in turn, so a group with a backlog never holds back a group without one,
 * and within a group messages come oldest first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueStore } from '#local/sqs/queue-store';

let path: string;
let store: QueueStore;
let now = Date.UTC(2030, 0, 1);
let queueNumber = 0;

const open = () => QueueStore.open({ path, accountId: '123456789012', now: () => now });

beforeAll(async () => {
  path = await mkdtemp(join(tmpdir(), 'fair-queue-'));
  store = await open();
});

afterAll(async () => {
  await store.close();
  await rm(path, { recursive: true, force: true });
});

async function freshQueue(): Promise<string> {
  queueNumber += 1;
  const name = `fair-${queueNumber}`;
  await store.createQueue(name, { VisibilityTimeout: '600' });
  return name;
}

const bodyOf = (group: string, index: number): string => `${group}#${index}`;
const parse = (body: string): { group: string; index: number } => {
  const [group, index] = body.split('#') as [string, string];
  return { group, index: Number(index) };
};

describe('the local queue as a fair queue', () => {
  it('hands a calm group’s message out next, ahead of another group’s backlog of a thousand', async () => {
    const queue = await freshQueue();
    await store.sendMessages(
      queue,
      Array.from({ length: 1000 }, (_, index) => ({ body: bodyOf('burst', index), messageGroupId: 'burst' })),
    );
    await store.receiveMessages(queue, { maxMessages: 10 });
    await store.sendMessages(queue, [{ body: bodyOf('calm', 0), messageGroupId: 'calm' }]);

    const next = await store.receiveMessages(queue, { maxMessages: 2 });
    expect(next.map((message) => parse(message.body).group).sort()).toEqual(['burst', 'calm']);
    expect(next.find((message) => message.messageGroupId === 'calm')).toBeDefined();
    // 989 of the burst are still waiting: the calm message did not wait for them.
    expect(store.countMessages(queue).visible).toBe(989);
  });

  it('keeps each message’s group across a reopen, and still serves the groups in turn', async () => {
    const queue = await freshQueue();
    // A reopen restores send order to the millisecond (as on SQS, a standard queue promises no more).
    for (let index = 0; index < 5; index++) {
      await store.sendMessages(queue, [{ body: bodyOf('a', index), messageGroupId: 'a' }]);
      now += 1;
    }
    await store.sendMessages(queue, [{ body: bodyOf('b', 0), messageGroupId: 'b' }]);
    await store.close();
    store = await open();
    const received = await store.receiveMessages(queue, { maxMessages: 3 });
    expect(received.map((message) => message.body)).toEqual(['a#0', 'b#0', 'a#1']);
    expect(received[1]?.messageGroupId).toBe('b');
  });

  it('serves every group in turn, oldest first within a group, however sends and receives interleave', async () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('send' as const),
        group: fc.constantFrom('t1', 't2', 't3', 't4', ''),
        count: fc.integer({ min: 1, max: 30 }),
      }),
      fc.record({ kind: fc.constant('receive' as const), count: fc.integer({ min: 1, max: 10 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const queue = await freshQueue();
        const sent = new Map<string, number>();
        const served = new Map<string, number>();
        /** Receives since each waiting group last got a message (or started waiting). */
        const waited = new Map<string, number>();
        const groupsEver = new Set<string>();
        const backlog = (group: string) => (sent.get(group) ?? 0) - (served.get(group) ?? 0);
        const take = async (count: number) => {
          const received = await store.receiveMessages(queue, { maxMessages: count });
          // Never fewer than asked while anything is waiting: turns never leave a message behind.
          const waiting = [...sent.keys()].reduce((sum, group) => sum + backlog(group), 0);
          expect(received).toHaveLength(Math.min(count, waiting));
          for (const message of received) {
            const { group, index } = parse(message.body);
            expect(message.messageGroupId ?? '').toBe(group);
            // Oldest first within a group.
            expect(index).toBe(served.get(group) ?? 0);
            served.set(group, index + 1);
            for (const other of waited.keys())
              if (other !== group) waited.set(other, (waited.get(other) ?? 0) + 1);
            waited.delete(group);
            if (backlog(group) > 0) waited.set(group, 0);
            // No group waits while every other group takes more than one turn.
            for (const count of waited.values()) expect(count).toBeLessThanOrEqual(groupsEver.size - 1);
          }
        };
        for (const step of operations) {
          if (step.kind === 'send') {
            const first = sent.get(step.group) ?? 0;
            await store.sendMessages(
              queue,
              Array.from({ length: step.count }, (_, offset) => ({
                body: bodyOf(step.group, first + offset),
                ...(step.group === '' ? {} : { messageGroupId: step.group }),
              })),
            );
            sent.set(step.group, first + step.count);
            groupsEver.add(step.group);
            if (!waited.has(step.group)) waited.set(step.group, 0);
          } else {
            await take(step.count);
          }
        }
        // Drain: every message comes out exactly once (nothing starves).
        while ([...sent.keys()].some((group) => backlog(group) > 0)) await take(10);
        for (const [group, count] of sent) expect(served.get(group)).toBe(count);
        await store.deleteQueue(queue);
      }),
      { numRuns: 60 },
    );
  });

  it('shares receives evenly between groups that both have a backlog', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 10 }),
        async (burst, other, batch) => {
          const queue = await freshQueue();
          await store.sendMessages(
            queue,
            Array.from({ length: burst }, (_, index) => ({
              body: bodyOf('burst', index),
              messageGroupId: 'burst',
            })),
          );
          await store.sendMessages(
            queue,
            Array.from({ length: other }, (_, index) => ({
              body: bodyOf('other', index),
              messageGroupId: 'other',
            })),
          );
          const counts = { burst: 0, other: 0 };
          for (;;) {
            const received = await store.receiveMessages(queue, { maxMessages: batch });
            if (received.length === 0) break;
            for (const message of received) counts[parse(message.body).group as 'burst' | 'other'] += 1;
            // While both still wait, neither has had more than one message more than the other.
            if (counts.burst < burst && counts.other < other) {
              expect(Math.abs(counts.burst - counts.other)).toBeLessThanOrEqual(1);
            }
          }
          expect(counts).toEqual({ burst, other });
          await store.deleteQueue(queue);
        },
      ),
      { numRuns: 40 },
    );
  });
});
