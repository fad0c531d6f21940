/**
 * A receiver that fails now and then keeps its circuit closed (docs/contract.md#isolation): the
 * circuit opens on a failure rate with confidence, not on a chance run of failures, so every delivery
 * to a 30 %-failing endpoint is sent (none postponed, none given up unsent), and health counts exactly
 * the requests the receiver saw. A dead receiver still opens it at the threshold.
 */
import { describe, expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import { flushHealthCounters, readWebhookHealth } from '#app/health-counters';
import type { DeliveryTask } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';
import { mulberry32 } from '../support/seeded-random';

const { sender, receiver } = loopbackDeliverySuite({ clearAfterEach: true });

/** The defaults: CIRCUIT_FAILURE_THRESHOLD 5, CIRCUIT_FAILURE_RATE_PERCENT 50, a 60 s window. */
function services(): TestServices {
  const built = createTestServices({ sender, config: { RETRY_SCHEDULE: [1, 2, 4, 8, 16] } });
  built.clock.set(new Date());
  return built;
}

function taskFor(webhook: StoredWebhook, index: number): DeliveryTask {
  return {
    tenantId: webhook.tenantId,
    webhookId: webhook.id,
    event: {
      id: `evt_${index}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId: webhook.tenantId,
      brandId: 'brand-1',
      data: { conversationId: `c-${index}` },
    },
    attempts: [],
  };
}

describe('a webhook whose receiver fails 30 % of the time', () => {
  it('keeps its circuit closed through chance runs of failures: every delivery is sent, health counts what the receiver saw', async () => {
    const built = services();
    const webhook = webhookFixture({ url: receiver.url, id: 'wh_flaky' });
    await built.webhooks.create(webhook);
    // 30 % failures at random, plus a run of six in a row: the old rule (five consecutive) opened on it.
    const random = mulberry32(27);
    const statuses = Array.from({ length: 120 }, (_, index) =>
      index >= 40 && index < 46 ? 500 : random() < 0.3 ? 500 : 200,
    );
    receiver.respondWith(...statuses.map((status) => ({ status })));

    const results = [];
    for (let index = 0; index < statuses.length; index++) {
      results.push(await deliverTask(built, taskFor(webhook, index)));
      built.clock.advance(250);
    }

    expect(results.filter((result) => result.status === 'postponed')).toEqual([]);
    expect(receiver.received).toHaveLength(statuses.length);
    const failed = statuses.filter((status) => status === 500).length;
    expect(results.filter((result) => result.status === 'retry-scheduled')).toHaveLength(failed);
    await flushHealthCounters(built);
    const health = (await readWebhookHealth(built, webhook.tenantId, [webhook])).get(webhook.id);
    expect(health).toMatchObject({ failed24h: failed, succeeded24h: statuses.length - failed });
    expect(health?.circuitOpenUntil).toBeUndefined();
  });

  it('a dead receiver still opens it at the fifth failure: the sixth delivery is postponed without a request', async () => {
    const built = services();
    const webhook = webhookFixture({ url: receiver.url, id: 'wh_dead' });
    await built.webhooks.create(webhook);
    receiver.respondWith(...Array.from({ length: 5 }, () => ({ status: 503 })));
    for (let index = 0; index < 5; index++) {
      expect(await deliverTask(built, taskFor(webhook, index))).toMatchObject({ status: 'retry-scheduled' });
    }
    expect(await deliverTask(built, taskFor(webhook, 5))).toMatchObject({
      status: 'postponed',
      reason: 'circuit-open',
    });
    expect(receiver.received).toHaveLength(5);
  });
});

describe('a delivery whose schedule ended behind an open circuit without a request of its own', () => {
  async function openCircuit(built: TestServices, webhook: StoredWebhook): Promise<void> {
    receiver.respondWith(...Array.from({ length: 5 }, () => ({ status: 503 })));
    for (let index = 0; index < 5; index++) await deliverTask(built, taskFor(webhook, 100 + index));
    receiver.received.length = 0;
  }

  it('gets one request through the circuit instead of being given up on another delivery’s failure; a success closes the circuit', async () => {
    const built = services();
    const webhook = webhookFixture({ url: receiver.url, id: 'wh_back' });
    await built.webhooks.create(webhook);
    await openCircuit(built, webhook);
    // First tried 40 s ago (the schedule is 31 s), postponed by the circuit ever since: no attempt.
    const firstTriedAt = new Date(built.clock.now().getTime() - 40_000).toISOString();
    const unsent = { ...taskFor(webhook, 1), firstTriedAt };

    expect(await deliverTask(built, unsent)).toMatchObject({ status: 'delivered' });
    expect(receiver.received).toHaveLength(1);
    // The endpoint is back: the circuit closed, so the next delivery goes at once, not after the cool-down.
    expect(await deliverTask(built, taskFor(webhook, 2))).toMatchObject({ status: 'delivered' });
  });

  it('when that request fails too, is given up citing it, with it as its one attempt', async () => {
    const built = services();
    const webhook = webhookFixture({ url: receiver.url, id: 'wh_gone' });
    await built.webhooks.create(webhook);
    await openCircuit(built, webhook);
    const firstTriedAt = new Date(built.clock.now().getTime() - 40_000).toISOString();
    receiver.respondWith({ status: 503 });

    const own = await deliverTask(built, { ...taskFor(webhook, 1), firstTriedAt });
    expect(own).toMatchObject({ status: 'retry-scheduled' });
    expect(receiver.received).toHaveLength(1);
    const retry = built.deliveryQueue.delayed.at(-1)?.task;
    expect(retry?.attempts).toHaveLength(1);
    built.clock.advance(2_000);
    const ended = await deliverTask(built, { ...(retry as DeliveryTask), notBefore: undefined });
    expect(ended).toMatchObject({ status: 'dead-lettered', givenUp: { evidence: { statusCode: 503 } } });
    expect(receiver.received).toHaveLength(1);
    const deadLetter = built.deliveryQueue.deadLettered.at(-1);
    expect(deadLetter?.attempts).toHaveLength(1);
  });
});
