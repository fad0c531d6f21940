/**
 * Event ids and publishing twice (docs/contract.md#event-ids), through fan-out: an exact duplicate is sent to no one
 * again, a conflicting one is rejected and never touches the first event, and the bus retrying one
 * invocation is not a duplicate.
 */
import { describe, expect, it } from 'vitest';
import { fanOutEvent } from '#app/fan-out';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const conversation = {
  id: 'c-1',
  status: 'open',
  brandId: 'brand-1',
  createdAt: '2026-03-01T11:00:00.000Z',
  updatedAt: '2026-03-01T11:00:00.000Z',
};

function created(id: string, tenantId = 'tenant-a') {
  return {
    source: 'chat.platform',
    detailType: 'conversation.created',
    detail: { tenantId, brandId: 'brand-1', id, data: { conversation } },
  };
}

function deleted(id: string, tenantId = 'tenant-a') {
  return {
    source: 'chat.platform',
    detailType: 'conversation.deleted',
    detail: { tenantId, brandId: 'brand-1', id, data: { conversationId: 'c-1' } },
  };
}

async function seeded(): Promise<TestServices> {
  const services = createTestServices();
  const events = ['conversation.created', 'conversation.deleted'] as const;
  await services.webhooks.create(webhookFixture({ id: 'wh_a', tenantId: 'tenant-a', events: [...events] }));
  await services.webhooks.create(webhookFixture({ id: 'wh_b', tenantId: 'tenant-b', events: [...events] }));
  return services;
}

describe('event ids (docs/contract.md#event-ids)', () => {
  it('delivers an event published twice (a retried PutEvents: a new bus event) to no one the second time', async () => {
    const services = await seeded();
    expect(await fanOutEvent(services, { ...created('dup-1'), id: 'bus-1' })).toEqual({ deliveries: 1 });
    expect(await fanOutEvent(services, { ...created('dup-1'), id: 'bus-2' })).toEqual({ duplicate: true });
    expect(services.deliveryQueue.enqueuedDeliveries).toHaveLength(1);
    expect(services.rejectedEvents.events).toHaveLength(0);
  });

  it('recognises the same data re-serialised in another key order as the same event', async () => {
    const services = await seeded();
    await fanOutEvent(services, { ...created('dup-2'), id: 'bus-1' });
    const reordered = created('dup-2');
    reordered.detail.data = {
      conversation: Object.fromEntries(Object.entries(conversation).reverse()) as typeof conversation,
    };
    expect(await fanOutEvent(services, { ...reordered, id: 'bus-2' })).toEqual({ duplicate: true });
  });

  it('rejects another event under a taken id as duplicate_event_id, leaving the first one’s payload and deliveries alone', async () => {
    const services = await seeded();
    await fanOutEvent(services, { ...created('dup-1'), id: 'bus-1' });
    const payloadBefore = await services.deliveryLog.getPayload('tenant-a', 'dup-1');
    expect(payloadBefore).toContain('"conversation.created"');

    const result = await fanOutEvent(services, { ...deleted('dup-1'), id: 'bus-2' });
    expect(result).toMatchObject({
      rejected: { tenantId: 'tenant-a', reason: 'duplicate_event_id', issues: [{ path: 'id' }] },
    });
    expect(await services.deliveryLog.getPayload('tenant-a', 'dup-1')).toBe(payloadBefore);
    expect(services.deliveryQueue.enqueuedDeliveries.map((task) => task.event.type)).toEqual([
      'conversation.created',
    ]);
  });

  it('delivers again when the bus retries the same invocation (the first try may have failed before enqueueing)', async () => {
    const services = await seeded();
    services.deliveryQueue.isUnavailable = true;
    await expect(fanOutEvent(services, { ...created('retry-1'), id: 'bus-1' })).rejects.toThrow(
      /unavailable/,
    );
    services.deliveryQueue.isUnavailable = false;
    expect(await fanOutEvent(services, { ...created('retry-1'), id: 'bus-1' })).toEqual({ deliveries: 1 });
  });

  it('keeps ids per tenant: another tenant (and a hostile third) may use the same id', async () => {
    const services = await seeded();
    expect(await fanOutEvent(services, { ...created('same', 'tenant-a'), id: 'bus-1' })).toEqual({
      deliveries: 1,
    });
    expect(await fanOutEvent(services, { ...deleted('same', 'tenant-b'), id: 'bus-2' })).toEqual({
      deliveries: 1,
    });
    expect(await fanOutEvent(services, { ...deleted('same', 'tenant-x'), id: 'bus-3' })).toEqual({
      deliveries: 0,
    });
    expect(services.rejectedEvents.events).toHaveLength(0);
  });

  it('frees an id after 24 hours', async () => {
    const services = await seeded();
    await fanOutEvent(services, { ...created('old'), id: 'bus-1' });
    services.clock.advance(24 * 3_600_000 + 1000);
    expect(await fanOutEvent(services, { ...deleted('old'), id: 'bus-2' })).toEqual({ deliveries: 1 });
  });
});

describe('unsafe numbers (docs/contract.md#event-ids)', () => {
  const withNumbers = (raw: string) => ({
    source: 'chat.platform',
    detailType: 'conversation.created',
    // Parsed as every reader of the bus parses it (the Lambda runtime, the local bus): JSON.parse.
    detail: JSON.parse(
      `{"tenantId":"tenant-a","brandId":"brand-1","data":{"conversation":${JSON.stringify(conversation)},${raw}}}`,
    ) as unknown,
  });

  it.each([
    ['"crmId": 9007199254740993', 'data.crmId'],
    ['"crm": {"ids": [1, 12345678901234567890]}', 'data.crm.ids[1]'],
    ['"big": 1e400', 'data.big'],
    ['"small": -1e400', 'data.small'],
    ['"edge": -9007199254740992', 'data.edge'],
    ['"exponent": 1.5e300', 'data.exponent'],
  ])('rejects %s as unsafe_number naming %s, delivering nothing', async (raw, path) => {
    const services = await seeded();
    const result = await fanOutEvent(services, withNumbers(raw));
    expect(result).toMatchObject({
      rejected: { reason: 'unsafe_number', tenantId: 'tenant-a', issues: [{ path }] },
    });
    expect(services.deliveryQueue.enqueuedDeliveries).toHaveLength(0);
  });

  it('delivers numbers a JavaScript runtime carries exactly', async () => {
    const services = await seeded();
    const raw = '"max": 9007199254740991, "min": -9007199254740991, "fraction": 0.1, "tiny": 1.5e-300';
    expect(await fanOutEvent(services, withNumbers(raw))).toEqual({ deliveries: 1 });
  });
});
