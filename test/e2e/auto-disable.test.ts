/**
 * Auto-disable end to end: a webhook whose deliveries keep failing past AUTO_DISABLE_AFTER_DAYS
 * (tiny here) is deactivated with a reason, and a `webhook.disabled` notice is put on the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/eventbridge-ingest';
import { chatEvent, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;
const busEvents: BusEvent[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/down', (_hit, response) => response.writeHead(500).end('down for maintenance'));
  // 0.00002 days is about 1.7 s: the third attempt (two 1 s retries later) is past it.
  service = await startTestService(
    { AUTO_DISABLE_AFTER_DAYS: '0.00002', RETRY_SCHEDULE: '1,1,1' },
    { onBusEvent: (event) => busEvents.push(event) },
  );
});

afterAll(async () => {
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
    expect(notice.source).toBe('chat-webhooks');
    expect(JSON.parse(notice.detail)).toEqual({
      tenantId: 'tenant-a',
      webhookId,
      reason: disabled.disabledReason,
      at: disabled.updatedAt,
    });
    expect(notice.time).toBe(disabled.updatedAt.replace(/\.\d{3}Z$/, 'Z'));

    // Deactivated means no further attempts, though the last task had a retry left.
    const hitsWhenDisabled = receiver.hits('/down').length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.hits('/down')).toHaveLength(hitsWhenDisabled);
    expect(busEvents.filter((event) => event.detailType === 'webhook.disabled')).toHaveLength(1);
  });
});
