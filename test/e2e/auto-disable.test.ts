/**
 * Auto-disable end to end: a webhook whose deliveries keep failing past AUTO_DISABLE_AFTER_DAYS
 * (tiny here) is deactivated with a reason, and a `webhook.disabled` notice is put on the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/eventbridge-ingest';
import { type DeliveryQueueProbe, deliveryQueueProbe } from '../support/delivery-queue-probe';
import { chatEvent, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;
let queue: DeliveryQueueProbe;
const busEvents: BusEvent[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/down', (_hit, response) => response.writeHead(500).end('down for maintenance'));
  // 0.00002 days is about 1.7 s: the third attempt (two 1 s retries later) is past it.
  // LOCAL_SQS_PORT: the delivery queue's depth is a barrier below (support/delivery-queue-probe.ts).
  service = await startTestService(
    { AUTO_DISABLE_AFTER_DAYS: '0.00002', RETRY_SCHEDULE: '1,1,1', LOCAL_SQS_PORT: '0' },
    { onBusEvent: (event) => busEvents.push(event) },
  );
  queue = deliveryQueueProbe(service);
});

afterAll(async () => {
  queue?.close();
  await service?.stop();
  await receiver?.close();
});

describe('auto-disable after sustained failure', () => {
  it('deactivates the webhook with a reason and puts a webhook.disabled notice on the bus', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'always failing',
      events: ['message.created'],
      url: receiver.url('/down'),
    });
    expect(created.status).toBe(201);
    const webhookId = created.body.id as string;
    await service.publish([
      chatEvent('message.created', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: {
          conversationId: 'c1',
          message: {
            id: 'm1',
            author: { type: 'customer', id: 'u1' },
            text: 'hi',
            createdAt: '2026-11-24T10:00:00Z',
          },
        },
      }),
    ]);

    const disabled = await eventually(
      async () => {
        const read = await service.api('GET', `/v1/webhooks/${webhookId}`);
        return read.body.status === 'inactive' ? read.body : undefined;
      },
      20_000,
      'the webhook to be deactivated',
    );
    expect(disabled.disabledReason).toMatch(/^Deliveries failed without a single success since /);
    expect(receiver.hits('/down').length).toBeGreaterThanOrEqual(2);

    const notice = await eventually(
      async () => busEvents.find((event) => event.detailType === 'webhook.disabled'),
      10_000,
      'the webhook.disabled notice',
    );
    expect(notice.source).toBe('chat.webhooks');
    expect(JSON.parse(notice.detail)).toEqual({
      tenantId: 'tenant-a',
      webhookId,
      reason: disabled.disabledReason,
      at: disabled.updatedAt,
      consolePath: `/webhooks/${webhookId}`,
      // Locally the console is served by the runtime itself, so the link is the runtime's address.
      consoleUrl: `${service.url.replace(/\/+$/, '')}/webhooks/${webhookId}`,
    });
    expect(notice.time).toBe(disabled.updatedAt.replace(/\.\d{3}Z$/, 'Z'));

    // Deactivated means no further attempts, though the last task had a retry left.
    const hitsWhenDisabled = receiver.hits('/down').length;
    // The barrier, not a sleep: a delivery queue with nothing visible, in flight or delayed holds no
    // retry that could still be attempted.
    await eventually(() => queue.isDrained(), 10_000, 'the delivery queue to drain');
    expect(receiver.hits('/down')).toHaveLength(hitsWhenDisabled);
    expect(busEvents.filter((event) => event.detailType === 'webhook.disabled')).toHaveLength(1);

    // The delivery that triggered it ends in a failure log (issue 10 item 3), which can be redelivered
    // once the webhook is active again; meanwhile the delivery log's redeliver answers 409.
    const failureLog = await eventually(
      async () => (await service.api('GET', `/v1/failure-logs?webhookId=${webhookId}`)).body.items[0],
      10_000,
      'the failure log of the triggering delivery',
    );
    expect(failureLog.attemptCount).toBe(hitsWhenDisabled);
    expect((await service.api('POST', `/v1/deliveries/${failureLog.deliveryId}/redeliver`)).status).toBe(409);
    expect((await service.api('POST', `/v1/webhooks/${webhookId}/activate`)).status).toBe(200);
    expect((await service.api('POST', `/v1/deliveries/${failureLog.deliveryId}/redeliver`)).status).toBe(202);
    await receiver.waitFor(() => receiver.hits('/down').length > hitsWhenDisabled, 10_000, 'the redelivery');
  });
});

describe('auto-disable needs continuous evidence (issue 10 item 3)', () => {
  let gapService: TestService;
  beforeAll(async () => {
    // Window ~1.7 s; one retry 1 s later; evidence gap = 1.25 s + 2 × 2 s timeout = 5.25 s.
    gapService = await startTestService(
      { AUTO_DISABLE_AFTER_DAYS: '0.00002', RETRY_SCHEDULE: '1' },
      { onBusEvent: (event) => busEvents.push(event) },
    );
  });
  afterAll(async () => {
    await gapService?.stop();
  });

  it('two failures far apart with nothing between them keep the webhook active', async () => {
    receiver.on('/gap', (_hit, response) => response.writeHead(500).end('down'));
    const created = await gapService.api('POST', '/v1/webhooks', {
      name: 'sparse failures',
      events: ['message.created'],
      url: receiver.url('/gap'),
    });
    const webhookId = created.body.id as string;
    const publish = (id: string) =>
      gapService.publish([
        chatEvent('message.created', {
          tenantId: 'tenant-a',
          brandId: 'b',
          id,
          data: {
            conversationId: 'c1',
            message: {
              id,
              author: { type: 'customer', id: 'u1' },
              text: 'hi',
              createdAt: '2026-11-24T10:00:00Z',
            },
          },
        }),
      ]);
    await publish('evt_gap_1');
    await receiver.waitFor(
      () => receiver.hits('/gap').length === 2,
      10_000,
      'both attempts of the first event',
    );
    // Nothing for longer than the window and the evidence gap; then a second event's first attempt fails.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await publish('evt_gap_2');
    await receiver.waitFor(
      () => receiver.hits('/gap').length === 4,
      10_000,
      'both attempts of the second event',
    );
    // The barrier, not a sleep: both events end in failure logs (their retries ran out), as any
    // failing delivery does, and a failure log follows its delivery's last settle, where the webhook's
    // health is noted and a deactivation would have been written (and its notice published after it).
    const logs = await eventually(
      async () => {
        const items = (await gapService.api('GET', `/v1/failure-logs?webhookId=${webhookId}`)).body.items;
        return items.length === 2 ? items : undefined;
      },
      10_000,
      'two failure logs',
    );
    expect(logs).toHaveLength(2);
    const read = await gapService.api('GET', `/v1/webhooks/${webhookId}`);
    expect(read.body.status).toBe('active');
    expect(read.body.health).toMatchObject({ lastOutcome: 'failed', failingSince: expect.any(String) });
    expect(
      busEvents.filter(
        (event) => event.detailType === 'webhook.disabled' && event.detail.includes(webhookId),
      ),
    ).toEqual([]);
  });
});
