/**
 * The store work after failed attempts runs in bounded lanes (src/app/settlement-lanes.ts,
 * docs/contract.md#isolation, #fair-share): a tenant whose 40 webhooks all time out at once asks the
 * store for a bounded number of requests at a time, not hundreds, and a second tenant's settlements
 * take their turn beside a backlog of the first's.
 */
import { describe, expect, it } from 'vitest';
import { processDeliveryBatch } from '#app/deliver';
import { SETTLEMENTS_PER_TENANT, SettlementLanes } from '#app/settlement-lanes';
import type { DeliverySender } from '#domain/delivery-sender';
import type { DeliveryTask, QueueMessage } from '#domain/delivery-task';
import { createTestServices, ManualClock, webhookFixture } from '../support/in-memory-ports';

describe('SettlementLanes', () => {
  it('runs at most the per-tenant number of one tenant, and serves a waiting second tenant in turn', async () => {
    const lanes = new SettlementLanes({ perTenant: 2, inAll: 3 }, new ManualClock());
    const order: string[] = [];
    const held: (() => void)[] = [];
    const take = (tenantId: string, name: string) =>
      lanes.take(tenantId).then((release) => {
        order.push(name);
        held.push(release);
      });
    const taking = [
      take('b', 'b1'),
      take('b', 'b2'),
      take('b', 'b3'),
      take('b', 'b4'),
      take('c', 'c1'),
      take('c', 'c2'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    // b has its two; c gets the third lane though b asked first.
    expect(order).toEqual(['b1', 'b2', 'c1']);
    expect(lanes.running).toBe(3);
    held.shift()?.(); // b1 ends: b is under its cap again, and it is b's turn (c went last).
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['b1', 'b2', 'c1', 'b3']);
    held.shift()?.(); // b2 ends: c's turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order.at(-1)).toBe('c2');
    for (const release of held.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
    for (const release of held.splice(0)) release();
    await Promise.all(taking);
    expect(order).toHaveLength(6);
  });

  it('waits on the one slot primitive without a timer: a waiter is served when a lane frees, not by time', async () => {
    const clock = new ManualClock();
    const lanes = new SettlementLanes({ perTenant: 1, inAll: 1 }, clock);
    const first = await lanes.take('a');
    const waiting = lanes.take('b');
    // Nothing on the clock to fire: no wait here is bounded by time, so no test of it sleeps.
    expect(clock.pendingTimers).toBe(0);
    expect(lanes.running).toBe(1);
    first();
    const second = await waiting;
    expect(lanes.running).toBe(1);
    second();
    second();
    expect(lanes.running).toBe(0);
  });
});

it("one tenant's 40 failing webhooks keep at most its lanes' store requests in flight, and every one is retried", async () => {
  const failing: DeliverySender = {
    send: async () => ({ isSuccess: false, error: 'Timed out after 10000 ms', durationMs: 10_000 }),
  };
  const services = createTestServices({ sender: failing, config: { RETRY_SCHEDULE: [5, 300] } });
  services.clock.set(new Date());
  let inFlight = 0;
  let peak = 0;
  let calls = 0;
  // Every health and log call of the tenant is a store request that takes a moment to answer.
  const measured = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          inFlight += 1;
          calls += 1;
          peak = Math.max(peak, inFlight);
          try {
            await new Promise((resolve) => setImmediate(resolve));
            return await value.apply(target, args);
          } finally {
            inFlight -= 1;
          }
        };
      },
    });
  const webhookIds = Array.from({ length: 40 }, (_, index) => `wh_hang_${String(index).padStart(2, '0')}`);
  for (const id of webhookIds) {
    await services.webhooks.create(
      webhookFixture({ id, tenantId: 'tenant-b', url: 'http://127.0.0.1:9/hang' }),
    );
  }
  const task: DeliveryTask = {
    tenantId: 'tenant-b',
    webhookId: webhookIds[0] ?? '',
    webhookIds,
    event: {
      id: 'evt_hang',
      type: 'message.created',
      timestamp: services.clock.now().toISOString(),
      tenantId: 'tenant-b',
      brandId: 'brand-1',
      data: {},
    },
    attempts: [],
  } as DeliveryTask;
  const message: QueueMessage = { messageId: 'm1', body: JSON.stringify(task) } as QueueMessage;
  const result = await processDeliveryBatch(
    {
      ...services,
      webhookHealth: measured(services.webhookHealth),
      deliveryLog: measured(services.deliveryLog),
    },
    [message],
  );
  expect(result.batchItemFailures).toEqual([]);
  expect(services.deliveryQueue.delayed).toHaveLength(40);
  expect(calls).toBeGreaterThanOrEqual(40);
  expect(peak).toBeLessThanOrEqual(SETTLEMENTS_PER_TENANT);
});
