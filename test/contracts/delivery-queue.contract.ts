/**
 * What every DeliveryQueue must do (src/domain/ports.ts): run against the SQS adapter on the local SQS
 * service and against the in-memory queue the use-case tests use. Batching limits, the 900 s delay cap
 * and the re-sending of refused entries are the SQS adapter's own tests.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryTask } from '#domain/delivery-task';
import type { EventEnvelope } from '#domain/model';
import type { DeliveryQueue } from '#domain/ports';

/** A queue and what a consumer would receive from it right now. */
export interface DeliveryQueueSubject {
  queue: DeliveryQueue;
  /** Takes every task receivable from the delivery queue now (each once). */
  receiveReady(): Promise<DeliveryTask[]>;
  /** Takes every task on the dead-letter queue. */
  receiveDeadLetters(): Promise<DeliveryTask[]>;
}

/** A task for one webhook of `tenantId`, with `data` as its event's data. */
export function deliveryTask(
  index: number,
  data: Record<string, unknown> = {},
  tenantId = 'tenant-a',
): DeliveryTask & { event: EventEnvelope } {
  return {
    tenantId,
    webhookId: `wh_${index}`,
    event: {
      id: `evt_${index}`,
      type: 'message.created',
      timestamp: '2026-03-01T12:00:00.000Z',
      tenantId,
      brandId: null,
      data,
    },
    attempts: [],
  };
}

const byWebhook = (tasks: DeliveryTask[]) =>
  [...tasks].sort((a, b) => (a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0));

/** Declares the DeliveryQueue contract; `makeSubject` gives empty queues for each case. */
export function describeDeliveryQueueContract(
  name: string,
  makeSubject: () => Promise<DeliveryQueueSubject>,
): void {
  describe(`${name} keeps the DeliveryQueue contract`, () => {
    it('enqueues every task intact, however many', async () => {
      const { queue, receiveReady, receiveDeadLetters } = await makeSubject();
      const tasks = Array.from({ length: 25 }, (_, index) => deliveryTask(index));
      await queue.enqueue(tasks);
      expect(byWebhook(await receiveReady())).toEqual(byWebhook(tasks));
      expect(await receiveDeadLetters()).toEqual([]);
    });

    it('carries a group task as one task, intact, beside single tasks', async () => {
      const { queue, receiveReady } = await makeSubject();
      const group: DeliveryTask = { ...deliveryTask(7), webhookIds: ['wh_7', 'wh_8', 'wh_9'] };
      await queue.enqueue([group, deliveryTask(10)]);
      const received = await receiveReady();
      expect(received).toHaveLength(2);
      expect(received.find((entry) => entry.webhookIds)).toEqual(group);
      expect(received.find((entry) => !entry.webhookIds)).toEqual(deliveryTask(10));
    });

    it('takes tasks whose total is larger than one request may carry', async () => {
      const { queue, receiveReady } = await makeSubject();
      const large = 'x'.repeat(60 * 1024);
      const tasks = Array.from({ length: 10 }, (_, index) => deliveryTask(index, { text: large }));
      await queue.enqueue(tasks);
      expect(byWebhook(await receiveReady())).toEqual(byWebhook(tasks));
    });

    it('keeps what was enqueued, whatever the caller does with its objects afterwards', async () => {
      const { queue, receiveReady, receiveDeadLetters } = await makeSubject();
      const task = deliveryTask(1, { text: 'as sent' });
      const dead = deliveryTask(2);
      await queue.enqueue([task]);
      await queue.deadLetter(dead);
      task.event.data.text = 'changed after enqueue';
      task.attempts.push({ at: '2026-03-01T12:00:01.000Z', statusCode: 500, durationMs: 1 });
      dead.webhookId = 'wh_changed';
      expect(await receiveReady()).toEqual([deliveryTask(1, { text: 'as sent' })]);
      expect(await receiveDeadLetters()).toEqual([deliveryTask(2)]);
    });

    it('holds back a delayed task, keeping its notBefore', async () => {
      const { queue, receiveReady } = await makeSubject();
      await queue.enqueueDelayed({ ...deliveryTask(1), notBefore: '2026-03-01T13:00:00.000Z' }, 3600);
      await queue.enqueueDelayed(deliveryTask(2), 30);
      expect(await receiveReady()).toEqual([]);
    });

    it('sends a task at once when the delay is zero', async () => {
      const { queue, receiveReady } = await makeSubject();
      await queue.enqueueDelayed(deliveryTask(2), 0);
      expect(await receiveReady()).toEqual([deliveryTask(2)]);
    });

    it('hands exhausted tasks to the dead-letter queue, not the delivery queue', async () => {
      const { queue, receiveReady, receiveDeadLetters } = await makeSubject();
      const exhausted = {
        ...deliveryTask(3),
        attempts: [{ at: '2026-03-01T12:00:01.000Z', statusCode: 500, durationMs: 4 }],
      };
      await queue.deadLetter(exhausted);
      expect(await receiveDeadLetters()).toEqual([exhausted]);
      expect(await receiveReady()).toEqual([]);
    });

    it('keeps each task’s tenant: tasks of two tenants side by side arrive as their own', async () => {
      const { queue, receiveReady } = await makeSubject();
      const ofA = deliveryTask(1, { owner: 'a' }, 'tenant-a');
      const ofB = deliveryTask(1, { owner: 'b' }, 'tenant-b');
      await queue.enqueue([ofA, ofB]);
      const received = await receiveReady();
      expect(received.find((task) => task.tenantId === 'tenant-a')).toEqual(ofA);
      expect(received.find((task) => task.tenantId === 'tenant-b')).toEqual(ofB);
      expect(received.every((task) => task.tenantId === task.event.tenantId)).toBe(true);
    });
  });
}
