/**
 * Recording the delivery log from the delivery step and fan-out, in each DELIVERY_LOG mode, over the
 * in-memory ports and a real loopback receiver.
 */
import { describe, expect, it } from 'vitest';
import { secretContext } from '#app/credentials';
import { deliverTask } from '#app/deliver';
import { fanOutEvent } from '#app/fan-out';
import { flushHealthCounters } from '#app/health-counters';
import type { Config } from '#config';
import type { DeliveryTask } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const { sender, receiver } = loopbackDeliverySuite();

function servicesFor(config: Partial<Config> = {}): TestServices {
  const services = createTestServices({ sender, config: { RETRY_SCHEDULE: [5, 300], ...config } });
  services.clock.set(new Date());
  return services;
}

async function storeWebhook(
  services: TestServices,
  overrides: Partial<StoredWebhook> = {},
): Promise<StoredWebhook> {
  const webhook = webhookFixture({ url: receiver.url, ...overrides });
  await services.webhooks.create(webhook);
  return webhook;
}

const event = {
  id: 'evt_log',
  type: 'message.created',
  timestamp: '2026-11-29T09:00:00.000Z',
  tenantId: 'tenant-a',
  brandId: 'brand-1',
  data: { conversationId: 'c-1', text: 'é ünïcode' },
};
const taskFor = (webhook: StoredWebhook, overrides: Partial<DeliveryTask> = {}): DeliveryTask => ({
  tenantId: webhook.tenantId,
  webhookId: webhook.id,
  event,
  attempts: [],
  ...overrides,
});

describe('the delivery log as the delivery step writes it', () => {
  it('mode all: fan-out stores one payload for every webhook, and each delivery one record', async () => {
    const services = servicesFor({ DELIVERY_LOG: 'all' });
    for (const id of ['wh_a', 'wh_b', 'wh_c'])
      await storeWebhook(services, { id, events: ['conversation.deleted'] });
    await fanOutEvent(services, {
      source: 'chat.platform',
      detailType: 'conversation.deleted',
      detail: { tenantId: 'tenant-a', brandId: 'b', id: 'evt_fan', data: { conversationId: 'c1' } },
    });
    expect(services.deliveryLog.payloads.size).toBe(1);
    expect(services.deliveryLog.writes).toBe(1);
    for (const task of services.deliveryQueue.enqueuedDeliveries) await deliverTask(services, task);
    expect(services.deliveryLog.records.size).toBe(3);
    // One write per first-attempt success, plus the one payload.
    expect(services.deliveryLog.writes).toBe(4);
  });

  it('mode failures: a success at once is not recorded; a failure is, with its payload, and its later success settles it', async () => {
    const services = servicesFor({ DELIVERY_LOG: 'failures' });
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 200 });
    await deliverTask(services, taskFor(webhook));
    expect(services.deliveryLog.records.size).toBe(0);

    receiver.respondWith({ status: 500 }, { status: 200 });
    const failed = await deliverTask(services, taskFor(webhook, { event: { ...event, id: 'evt_fail' } }));
    expect(failed.status).toBe('retry-scheduled');
    const [pending] = [...services.deliveryLog.records.values()];
    expect(pending?.record).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: 500 });
    expect(pending?.record.nextAttemptAt).toBeDefined();
    expect(services.deliveryLog.payloads.has('tenant-a/evt_fail')).toBe(true);

    const retry = services.deliveryQueue.delayed.at(-1)!.task;
    await deliverTask(services, { ...retry, notBefore: undefined } as DeliveryTask);
    const [settled] = [...services.deliveryLog.records.values()];
    expect(settled?.record).toMatchObject({ status: 'succeeded', attemptCount: 2, lastStatusCode: 200 });
    expect(settled?.record.nextAttemptAt).toBeUndefined();
    expect(services.deliveryLog.records.size).toBe(1);
  });

  it('mode off records nothing, though health still counts', async () => {
    const services = servicesFor({ DELIVERY_LOG: 'off' });
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 500 });
    await deliverTask(services, taskFor(webhook));
    await flushHealthCounters(services);
    expect(services.deliveryLog.writes).toBe(0);
    const health = await services.webhookHealth.get('tenant-a', [webhook.id], new Date());
    expect(health.get(webhook.id)).toMatchObject({
      failed24h: 1,
      lastOutcome: 'failed',
      lastStatusCode: 500,
    });
  });

  it('a recorded delivery whose webhook is deactivated before its retry ends failed, not pending', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 503 });
    await deliverTask(services, taskFor(webhook));
    const current = (await services.webhooks.get(webhook.tenantId, webhook.id))!;
    await services.webhooks.update(
      { ...current, status: 'inactive', version: current.version + 1 },
      current.version,
    );
    const retry = services.deliveryQueue.delayed.at(-1)!.task;
    expect(await deliverTask(services, { ...retry, notBefore: undefined } as DeliveryTask)).toMatchObject({
      status: 'dropped',
    });
    const [entry] = [...services.deliveryLog.records.values()];
    expect(entry?.record).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      lastError: 'not sent: webhook inactive',
    });
  });

  it('masks the authentication header and scrubs an echoed token from the snippet', async () => {
    const services = servicesFor();
    const token = 'sk_live_very-secret/token=';
    const webhook = await storeWebhook(services, {
      authentication: {
        type: 'bearer',
        encryptedToken: await services.cipher.encrypt(
          token,
          secretContext({ tenantId: 'tenant-a', id: 'wh_1' }),
        ),
      },
    });
    receiver.respondWith({
      status: 400,
      body: `bad token ${encodeURIComponent(token)} / ${Buffer.from(`Bearer ${token}`).toString('base64')}`,
    });
    await deliverTask(services, taskFor(webhook));
    const [entry] = [...services.deliveryLog.records.values()];
    const text = JSON.stringify(entry?.record);
    expect(entry?.record.attempts[0]?.requestHeaders.authorization).toBe('Bearer ****');
    expect(entry?.record.attempts[0]?.responseSnippet).toBe('bad token [redacted] / [redacted]');
    for (const spelling of [
      token,
      encodeURIComponent(token),
      Buffer.from(`Bearer ${token}`).toString('base64'),
    ]) {
      expect(text).not.toContain(spelling);
    }
  });
});
