/**
 * `POST /v1/webhooks/{id}/test` as the use case runs it, over the in-memory ports and a real loopback
 * receiver: the chosen type's catalogue sample is sent, the send is recorded as a test, and it is
 * never counted in the webhook's health.
 */
import { describe, expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import { flushHealthCounters } from '#app/health-counters';
import { sendTestDelivery } from '#app/test-delivery';
import type { Config } from '#config';
import { ValidationError } from '#domain/errors';
import { EVENT_CATALOGUE } from '#domain/event-catalogue';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const { sender, receiver } = loopbackDeliverySuite();

async function setUp(config: Partial<Config> = {}) {
  const services: TestServices = createTestServices({ sender, config: { DELIVERY_LOG: 'all', ...config } });
  services.clock.set(new Date());
  const webhook = webhookFixture({ url: receiver.url });
  await services.webhooks.create(webhook);
  return { services, webhook };
}

describe('sending a test delivery', () => {
  it('sends webhook.test by default and records it as a test', async () => {
    const { services, webhook } = await setUp();
    const before = receiver.received.length;
    const report = await sendTestDelivery(services, webhook.tenantId, webhook.id);
    expect(report).toMatchObject({ delivered: true, statusCode: 200, eventType: 'webhook.test' });
    expect(JSON.parse(receiver.received[before]!.body)).toMatchObject({ type: 'webhook.test' });
    const record = await services.deliveryLog.get(webhook.tenantId, report.deliveryId!);
    expect(record).toMatchObject({
      eventType: 'webhook.test',
      status: 'succeeded',
      test: true,
      attemptCount: 1,
    });
  });

  it("sends the chosen catalogue type's sample, with a fresh id and the tenant's own ids", async () => {
    const { services, webhook } = await setUp();
    const sample = EVENT_CATALOGUE.find((entry) => entry.type === 'conversation.created')!.samplePayload;
    const before = receiver.received.length;
    const report = await sendTestDelivery(services, webhook.tenantId, webhook.id, {
      eventType: 'conversation.created',
    });
    expect(report.eventType).toBe('conversation.created');
    const sent = JSON.parse(receiver.received[before]!.body);
    expect(sent).toMatchObject({
      type: 'conversation.created',
      tenantId: webhook.tenantId,
      data: sample.data,
    });
    expect(sent.id).not.toBe(sample.id);
    const page = await services.deliveryLog.list(webhook.tenantId, { limit: 10, eventId: sent.id });
    expect(page.items).toEqual([expect.objectContaining({ id: report.deliveryId, test: true })]);
  });

  it('refuses a type outside the catalogue and a body with other fields, sending nothing', async () => {
    const { services, webhook } = await setUp();
    const before = receiver.received.length;
    for (const body of [
      { eventType: 'conversation.exploded' },
      { eventType: 'message.created', extra: 1 },
      'x',
    ]) {
      await expect(sendTestDelivery(services, webhook.tenantId, webhook.id, body)).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    expect(receiver.received.length).toBe(before);
  });

  it('is never counted in health: a failed test opens no failing period, a real delivery after it counts alone', async () => {
    const { services, webhook } = await setUp();
    receiver.respondWith({ status: 500 });
    const report = await sendTestDelivery(services, webhook.tenantId, webhook.id, {
      eventType: 'message.created',
    });
    expect(report).toMatchObject({ delivered: false, statusCode: 500 });
    expect(await services.deliveryLog.get(webhook.tenantId, report.deliveryId!)).toMatchObject({
      status: 'failed',
      test: true,
    });
    await flushHealthCounters(services);
    expect(
      (await services.webhookHealth.get(webhook.tenantId, [webhook.id], new Date())).get(webhook.id),
    ).toBeUndefined();
    expect((await services.webhookHealth.failingPeriod(webhook.tenantId, webhook.id)).period).toBeUndefined();

    // The barrier: one real delivery, counted, and the counts hold it alone.
    const real = EVENT_CATALOGUE.find((entry) => entry.type === 'message.created')!.samplePayload;
    const result = await deliverTask(services, {
      tenantId: webhook.tenantId,
      webhookId: webhook.id,
      event: { ...real, tenantId: webhook.tenantId, brandId: null },
      attempts: [],
    });
    expect(result.status).toBe('delivered');
    await flushHealthCounters(services);
    expect(
      (await services.webhookHealth.get(webhook.tenantId, [webhook.id], new Date())).get(webhook.id),
    ).toMatchObject({ succeeded24h: 1, failed24h: 0 });
  });

  it('mode failures keeps a failed test only; mode off keeps none', async () => {
    const failures = await setUp({ DELIVERY_LOG: 'failures' });
    const passed = await sendTestDelivery(failures.services, failures.webhook.tenantId, failures.webhook.id);
    expect(passed.deliveryId).toBeUndefined();
    receiver.respondWith({ status: 503 });
    const failed = await sendTestDelivery(failures.services, failures.webhook.tenantId, failures.webhook.id);
    expect(
      await failures.services.deliveryLog.get(failures.webhook.tenantId, failed.deliveryId!),
    ).toMatchObject({
      test: true,
      status: 'failed',
    });
    const off = await setUp({ DELIVERY_LOG: 'off' });
    receiver.respondWith({ status: 503 });
    expect(
      (await sendTestDelivery(off.services, off.webhook.tenantId, off.webhook.id)).deliveryId,
    ).toBeUndefined();
    expect(off.services.deliveryLog.records.size).toBe(0);
  });
});
