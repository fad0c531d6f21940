/**
 * The delivery step refuses a task whose event belongs to another tenant than the task or the
 * webhook: nothing reaches the receiver (a real loopback server), the task is dropped.
 */
import { expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import { tenantMismatchReason } from '#domain/tenant-boundary';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

const { sender, receiver } = loopbackDeliverySuite();

const event = (tenantId: string) => ({
  id: 'evt_1',
  type: 'message.created',
  timestamp: new Date().toISOString(),
  tenantId,
  brandId: null,
  data: { conversationId: 'c-1' },
});

it('drops a task carrying another tenant’s event, and delivers the same task when tenants agree', async () => {
  const services = createTestServices({ sender });
  const webhook = webhookFixture({ tenantId: 'tenant-a', url: receiver.url, signing: { enabled: false } });
  await services.webhooks.create(webhook);
  const forged = { tenantId: 'tenant-a', webhookId: webhook.id, event: event('tenant-b'), attempts: [] };
  expect(await deliverTask(services, forged)).toEqual({
    status: 'dropped',
    reason: 'event belongs to another tenant than the task',
  });
  expect(receiver.received).toHaveLength(0);

  const genuine = { ...forged, event: event('tenant-a') };
  expect((await deliverTask(services, genuine)).status).toBe('delivered');
  expect(receiver.received).toHaveLength(1);
});

it('names a webhook of another tenant too', () => {
  const task = { tenantId: 'a', event: { tenantId: 'a' } };
  expect(tenantMismatchReason(task, { tenantId: 'b' })).toBe(
    'webhook belongs to another tenant than the task',
  );
  expect(tenantMismatchReason(task, { tenantId: 'a' })).toBeUndefined();
  expect(tenantMismatchReason(task, undefined)).toBeUndefined();
});
