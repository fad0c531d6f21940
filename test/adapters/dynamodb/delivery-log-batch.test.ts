/**
 * The delivery log's per-batch write (app/delivery-log.ts, startOutcomeBatch): a delivery batch's
 * first-attempt successes are held until the batch's last task reports and then written as one flush,
 * and each task's record call resolves only once that write is done, so a message is never acknowledged
 * before its record is durable (docs/contract.md#delivery-log). Over the DynamoDB adapter on each store.
 */
import { expect, it } from 'vitest';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { recordSettledDelivery, startOutcomeBatch } from '#app/delivery-log';
import type { DeliveryTask } from '#domain/delivery-task';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore } from '#test/support/dynamodb-stores';
import { createTestServices } from '#test/support/in-memory-ports';

describeEachStore('delivery log: one write per delivery batch', ({ store }) => {
  /** The store's client with every BatchWriteItem held until `release()`, noting what happens in `events`. */
  function heldWrites(events: string[]) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let onWrite!: (pks: string[]) => void;
    const firstWrite = new Promise<string[]>((resolve) => {
      onWrite = resolve;
    });
    const client = new Proxy(store().client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: {
          constructor: { name: string };
          input?: { RequestItems?: Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]> };
        }) => {
          if (command.constructor.name !== 'BatchWriteCommand') return target.send(command as never);
          const pks = Object.values(command.input?.RequestItems ?? {}).flatMap((requests) =>
            requests.map((request) => String(request.PutRequest?.Item.pk)),
          );
          events.push('write');
          onWrite(pks);
          await released;
          const result = await target.send(command as never);
          events.push('written');
          return result;
        };
      },
    });
    return { client, release, firstWrite };
  }

  function setUp(events: string[]) {
    const tenantId = newTenant();
    const held = heldWrites(events);
    const deliveryLog = new DynamoDeliveryLogRepository(held.client, store().tableName);
    const services = { ...createTestServices(), deliveryLog };
    // Records expire by the service's clock; the reader judges them by the real one.
    services.clock.set(new Date());
    const event = {
      id: `evt_batch_${tenantId}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId,
      brandId: null,
      data: { text: 'hi' },
    };
    const task = (webhookId: string): DeliveryTask => ({ tenantId, webhookId, event, attempts: [] });
    /** A batch of these tasks, enrolled as the delivery step enrolls its messages' tasks, and sealed. */
    const batchOf = (...tasks: DeliveryTask[]) => {
      const outcomes = startOutcomeBatch();
      for (const enrolled of tasks) outcomes.enroll(enrolled);
      outcomes.seal();
    };
    const delivered = () => ({
      status: 'delivered' as const,
      attempt: { at: new Date().toISOString(), statusCode: 200, durationMs: 5 },
    });
    return { tenantId, held, services, deliveryLog, task, batchOf, delivered };
  }

  it('writes a batch’s successes once its last task reports, and resolves each only after that write', async () => {
    const events: string[] = [];
    const { held, services, deliveryLog, tenantId, task, batchOf, delivered } = setUp(events);
    const [a, b] = ['wh_01JBATCHAAAAAAAAAAAAAAAAAA', 'wh_01JBATCHBBBBBBBBBBBBBBBBBB'] as const;

    const [taskA, taskB] = [task(a), task(b)];
    batchOf(taskA, taskB);
    const first = recordSettledDelivery(services, { task: taskA, result: delivered() }).then(() =>
      events.push(`recorded ${a}`),
    );
    events.push(`reporting ${b}`);
    const second = recordSettledDelivery(services, { task: taskB, result: delivered() }).then(() =>
      events.push(`recorded ${b}`),
    );
    // The one write of the batch, held: it carries both webhooks' groups, and nobody is resolved yet.
    const pks = await held.firstWrite;
    expect(pks.filter((pk) => pk.includes('#DL#'))).toEqual(
      expect.arrayContaining([expect.stringContaining(a), expect.stringContaining(b)]),
    );
    expect(events).toEqual([`reporting ${b}`, 'write']);
    held.release();
    await Promise.all([first, second]);

    expect(events.slice(0, 3)).toEqual([`reporting ${b}`, 'write', 'written']);
    expect(events.filter((entry) => entry === 'write')).toHaveLength(1);
    const page = await deliveryLog.list(tenantId, { limit: 10 });
    expect(page.items.map((item) => item.webhookId).sort()).toEqual([a, b]);
  });

  it('writes what it holds after at most the cap when a task of the batch never reports (it threw)', async () => {
    const events: string[] = [];
    const { held, services, deliveryLog, tenantId, task, batchOf, delivered } = setUp(events);
    held.release();
    const [a, lost] = ['wh_01JCAPAAAAAAAAAAAAAAAAAAAA', 'wh_01JCAPLOSTLOSTLOSTLOSTLOST'] as const;

    const taskA = task(a);
    batchOf(taskA, task(lost));
    await recordSettledDelivery(services, { task: taskA, result: delivered() });

    expect(events).toEqual(['write', 'written']);
    const page = await deliveryLog.list(tenantId, { webhookId: a, limit: 10 });
    expect(page.items).toHaveLength(1);
  });
});
