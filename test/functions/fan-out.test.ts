import { describe, expect, it } from 'vitest';
import { createFanOutHandler } from '#functions/fan-out';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { busEvent, lambdaContext } from './lambda-events';

const detail = {
  tenantId: 'tenant-a',
  brandId: null,
  data: { conversationId: 'c-1', messageId: 'm-1', retractedBy: { type: 'agent', id: 'a-1' } },
};

describe('fan-out handler', () => {
  it('fans a bus event out, using the bus event id for the event id', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture({ events: ['message.retracted'] }));
    const handler = createFanOutHandler(services);

    await handler(busEvent('message.retracted', detail), lambdaContext('fan-out'));

    expect(services.deliveryQueue.enqueued).toHaveLength(1);
    expect(services.deliveryQueue.enqueued[0]?.event).toMatchObject({
      id: 'evt_6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      type: 'message.retracted',
      timestamp: '2026-03-01T12:00:00.000Z',
    });
  });

  it('resolves for a malformed event (recorded as rejected) and rejects when the queue is down', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture({ events: ['message.retracted'] }));
    const handler = createFanOutHandler(services);

    await expect(
      handler(busEvent('message.retracted', { tenantId: 'tenant-a' }), lambdaContext('f')),
    ).resolves.toBeUndefined();
    expect(services.rejectedEvents.events).toHaveLength(1);

    services.deliveryQueue.isUnavailable = true;
    await expect(handler(busEvent('message.retracted', detail), lambdaContext('f'))).rejects.toThrow(
      /unavailable/,
    );
  });
});
