import { describe, expect, it } from 'vitest';
import { deliveryTasksFor, fanOutEvent, MAX_MESSAGE_BYTES, snippetOf } from '#app/fan-out';
import { MAX_WEBHOOKS_PER_MESSAGE } from '#domain/delivery-task';
import { UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import type { EventEnvelope } from '#domain/model';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

function messageCreated(overrides: Record<string, unknown> = {}) {
  return {
    tenantId: 'tenant-a',
    brandId: 'brand-1',
    data: {
      conversationId: 'c-1',
      message: {
        id: 'm-1',
        author: { type: 'customer', id: 'u-1' },
        text: 'hello',
        createdAt: '2026-03-01T11:59:00.000Z',
      },
    },
    ...overrides,
  };
}

async function seed(services: TestServices) {
  await services.webhooks.create(webhookFixture({ id: 'wh_all_brands', brandId: null }));
  await services.webhooks.create(webhookFixture({ id: 'wh_brand_1', brandId: 'brand-1' }));
  await services.webhooks.create(webhookFixture({ id: 'wh_brand_2', brandId: 'brand-2' }));
  await services.webhooks.create(webhookFixture({ id: 'wh_other_type', events: ['conversation.created'] }));
  await services.webhooks.create(webhookFixture({ id: 'wh_inactive', status: 'inactive' }));
  await services.webhooks.create(webhookFixture({ id: 'wh_other_tenant', tenantId: 'tenant-b' }));
}

describe('fanOutEvent', () => {
  it('enqueues one delivery message per subscribed webhook when WEBHOOKS_PER_DELIVERY_MESSAGE is 1', async () => {
    const services = createTestServices({ config: { WEBHOOKS_PER_DELIVERY_MESSAGE: 1 } });
    await seed(services);
    const result = await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'message.created',
      detail: messageCreated(),
      id: 'bus-1',
    });
    expect(result).toEqual({ deliveries: 2 });
    expect(services.deliveryQueue.enqueueCalls).toBe(1);
    expect(services.deliveryQueue.enqueued.map((task) => [task.webhookId, task.webhookIds]).sort()).toEqual([
      ['wh_all_brands', undefined],
      ['wh_brand_1', undefined],
    ]);
  });

  it('puts every active webhook of the tenant subscribed to the type and brand in one message by default', async () => {
    const services = createTestServices();
    await seed(services);

    const result = await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'message.created',
      detail: messageCreated(),
      time: '2026-03-01T12:00:00Z',
      id: 'bus-1',
    });

    expect(result).toEqual({ deliveries: 2 });
    expect(services.deliveryQueue.enqueueCalls).toBe(1);
    const [group, ...others] = services.deliveryQueue.enqueued;
    expect(others).toEqual([]);
    expect(group?.webhookIds?.slice().sort()).toEqual(['wh_all_brands', 'wh_brand_1']);
    expect(group?.webhookId).toBe(group?.webhookIds?.[0]);
    const tasks = services.deliveryQueue.enqueuedDeliveries;
    expect(tasks.map((task) => task.webhookId).sort()).toEqual(['wh_all_brands', 'wh_brand_1']);
    for (const task of tasks) {
      expect(task).toMatchObject({ tenantId: 'tenant-a', attempts: [] });
      expect(task.event).toEqual({
        id: 'evt_bus-1',
        type: 'message.created',
        timestamp: '2026-03-01T12:00:00.000Z',
        tenantId: 'tenant-a',
        brandId: 'brand-1',
        data: messageCreated().data,
      });
    }
  });

  it('keeps the event id the platform gave', async () => {
    const services = createTestServices();
    await seed(services);
    await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'message.created',
      detail: messageCreated({ id: 'platform-42', occurredAt: '2026-03-01T11:00:00Z' }),
    });
    expect(services.deliveryQueue.enqueued[0]?.event).toMatchObject({
      id: 'platform-42',
      timestamp: '2026-03-01T11:00:00.000Z',
    });
  });

  it('enqueues nothing, without calling the queue, when nobody subscribes', async () => {
    const services = createTestServices();
    await seed(services);
    const result = await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'message.retracted',
      detail: {
        tenantId: 'tenant-a',
        brandId: null,
        data: { conversationId: 'c', messageId: 'm', retractedBy: { type: 'agent', id: 'a' } },
      },
    });
    expect(result).toEqual({ deliveries: 0 });
    expect(services.deliveryQueue.enqueueCalls).toBe(0);
  });

  it('records malformed details as rejected events without throwing, then still delivers a good one', async () => {
    const services = createTestServices();
    await seed(services);
    const bad = [
      { detailType: 'message.created', detail: messageCreated({ data: { conversationId: 'c-1' } }) },
      { detailType: 'message.created', detail: { brandId: 'brand-1', data: {} } },
      { detailType: 'no.such.type', detail: messageCreated() },
      { detailType: 'message.created', detail: '{not json' },
    ];
    for (const input of bad) {
      const result = await fanOutEvent(services, { source: 'chat.platform', ...input });
      expect(result).toHaveProperty('rejected');
    }
    const good = await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'message.created',
      detail: messageCreated(),
    });

    expect(good).toEqual({ deliveries: 2 });
    expect(services.deliveryQueue.enqueuedDeliveries).toHaveLength(2);
    const rejected = services.rejectedEvents.events.map(({ event }) => event);
    expect(rejected.map((event) => event.tenantId)).toEqual([
      'tenant-a',
      UNREADABLE_TENANT_KEY,
      'tenant-a',
      UNREADABLE_TENANT_KEY,
    ]);
    expect(rejected[0]).toMatchObject({
      source: 'chat.platform',
      detailType: 'message.created',
      receivedAt: '2026-03-01T12:00:00.000Z',
      reason: 'invalid_detail',
      detailSnippet: JSON.stringify(messageCreated({ data: { conversationId: 'c-1' } })),
    });
    expect(rejected[0]?.issues.some((issue) => issue.path.includes('message'))).toBe(true);
    expect(rejected[2]?.reason).toBe('unknown_event_type');
    // Kept for REJECTED_EVENT_TTL_DAYS (30 by default).
    expect(services.rejectedEvents.events[0]?.expiresAt.toISOString()).toBe('2026-03-31T12:00:00.000Z');
  });

  it('ignores the service’s own notices on the shared bus', async () => {
    const services = createTestServices();
    const result = await fanOutEvent(services, {
      source: 'chat.webhooks',
      detailType: 'webhook.disabled',
      detail: { tenantId: 'tenant-a' },
    });
    expect(result).toEqual({ deliveries: 0 });
    expect(services.rejectedEvents.events).toHaveLength(0);
  });

  it('throws when the store or the queue fails, so the bus retries', async () => {
    const services = createTestServices();
    await seed(services);
    const input = { source: 'chat.platform', detailType: 'message.created', detail: messageCreated() };
    services.deliveryQueue.isUnavailable = true;
    await expect(fanOutEvent(services, input)).rejects.toThrow(/unavailable/);
    services.deliveryQueue.isUnavailable = false;
    services.webhooks.isUnavailable = true;
    await expect(fanOutEvent(services, input)).rejects.toThrow(/unavailable/);
  });

  it('never serves subscribers from a cache: a webhook created after an event still gets the next one (docs/contract.md#read-your-writes)', async () => {
    const services = createTestServices();
    const input = { source: 'chat.platform', detailType: 'message.created', detail: messageCreated() };
    expect(await fanOutEvent(services, input)).toEqual({ deliveries: 0 });
    await seed(services);
    expect(await fanOutEvent(services, input)).toEqual({ deliveries: 2 });
    // Every event asks the store: with the store down, fan-out fails (and the bus retries it).
    services.webhooks.isUnavailable = true;
    await expect(fanOutEvent(services, input)).rejects.toThrow(/unavailable/);
  });
});

describe('deliveryTasksFor', () => {
  const event: EventEnvelope = {
    id: 'evt_1',
    type: 'message.created',
    timestamp: '2026-03-01T12:00:00.000Z',
    tenantId: 'tenant-a',
    brandId: null,
    data: { text: 'hi' },
  };
  const ids = (count: number) => Array.from({ length: count }, (_, index) => `wh_${index}`);

  it('writes a lone webhook as a single task, the shape every version reads', () => {
    expect(deliveryTasksFor(event, ['wh_1'])).toEqual([
      { tenantId: 'tenant-a', webhookId: 'wh_1', event, attempts: [] },
    ]);
    expect(deliveryTasksFor(event, [])).toEqual([]);
  });

  it(`splits a fan-out above ${MAX_WEBHOOKS_PER_MESSAGE} webhooks into groups, each webhook once`, () => {
    const webhookIds = ids(2 * MAX_WEBHOOKS_PER_MESSAGE + 1);
    const tasks = deliveryTasksFor(event, [...webhookIds, 'wh_0']);
    expect(tasks.map((task) => task.webhookIds?.length ?? 1)).toEqual([
      MAX_WEBHOOKS_PER_MESSAGE,
      MAX_WEBHOOKS_PER_MESSAGE,
      1,
    ]);
    expect(tasks.flatMap((task) => task.webhookIds ?? [task.webhookId])).toEqual(webhookIds);
    expect(tasks[2]).toEqual({ tenantId: 'tenant-a', webhookId: 'wh_100', event, attempts: [] });
  });

  it('keeps every message within SQS’s 256 KiB when the event is large', () => {
    const large = { ...event, data: { text: 'x'.repeat(MAX_MESSAGE_BYTES - 400) } };
    const webhookIds = ids(20).map((id) => `${id}_${'y'.repeat(20)}`);
    const tasks = deliveryTasksFor(large, webhookIds);
    expect(tasks.length).toBeGreaterThan(1);
    for (const task of tasks)
      expect(Buffer.byteLength(JSON.stringify(task))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    // As full as the limit allows: one more webhook would not fit in any but the last.
    for (const task of tasks.slice(0, -1)) {
      const withOneMore = { ...task, webhookIds: [...(task.webhookIds ?? [task.webhookId]), webhookIds[0]] };
      expect(Buffer.byteLength(JSON.stringify(withOneMore))).toBeGreaterThan(MAX_MESSAGE_BYTES);
    }
    expect(tasks.flatMap((task) => task.webhookIds ?? [task.webhookId])).toEqual(webhookIds);
  });
});

describe('snippetOf', () => {
  it('cuts the JSON to 2 KiB without splitting a character', () => {
    const snippet = snippetOf({ text: 'é'.repeat(5000) });
    expect(Buffer.byteLength(snippet)).toBeLessThanOrEqual(2048);
    expect(snippet.startsWith('{"text":"éé')).toBe(true);
    expect(snippet).not.toContain('\uFFFD');
  });
});
