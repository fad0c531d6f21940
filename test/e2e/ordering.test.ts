/**
 * Ordered delivery per conversation, end to end on the local runtime (docs/contract.md#ordering,
 * docs/ordering.md). Tenant A's ordered webhook gets conversation c1's `message.created`, which fails
 * once (a receiver blip); c1's `message.edited` and `message.retracted` are accepted while it waits
 * for its retry and must not arrive before it. Meanwhile conversation c2 of the same webhook, and
 * tenant B's ordered webhook (with a conversation of the same id, c1), keep flowing: the receiver holds
 * the answer to c1's retry until both have arrived, so a service that held them behind c1 would never
 * finish. No duration is asserted.
 */
import { describe, expect, it } from 'vitest';
import { chatEvent, serviceWithReceiver, TENANT_B_TOKEN } from '#test/support/local-service';
import type { ReceivedDelivery } from '#test/support/receiver';

// Long enough an attempt timeout that the held answer below is never a timeout.
const { service, receiver } = serviceWithReceiver({
  RETRY_SCHEDULE: '1,1,1,1',
  DELIVERY_TIMEOUT_MS: '30000',
});

const message = (id: string) => ({
  id,
  author: { type: 'customer', id: 'u1' },
  text: `text of ${id}`,
  createdAt: '2026-11-24T10:00:00Z',
});

function event(tenantId: string, type: string, id: string, conversationId: string) {
  const data: Record<string, unknown> =
    type === 'message.created'
      ? { conversationId, message: message(`m_${conversationId}`) }
      : type === 'message.edited'
        ? { conversationId, message: message(`m_${conversationId}`), previousText: 'before' }
        : { conversationId, messageId: `m_${conversationId}`, retractedBy: { type: 'customer', id: 'u1' } };
  return chatEvent(type, { tenantId, brandId: 'b', id, data });
}

const idOf = (hit: ReceivedDelivery) => String(hit.headers['webhook-id']);

describe('ordered delivery per conversation', () => {
  it('holds a failing delivery’s conversation only, and delivers it in acceptance order', async () => {
    const events = ['message.created', 'message.edited', 'message.retracted'];
    const createWebhook = async (path: string, token?: string) => {
      const created = await service.api(
        'POST',
        '/v1/webhooks',
        { name: path, events, url: receiver.url(path), ordering: 'conversation' },
        token,
      );
      expect(created.status).toBe(201);
      expect(created.body.ordering).toBe('conversation');
      return created.body.id as string;
    };
    const webhookA = await createWebhook('/a');
    await createWebhook('/b', TENANT_B_TOKEN);

    // /a: c1's message.created fails its first attempt; its retry is answered only once c2 (same
    // webhook, other conversation) and tenant B's c1 have both arrived.
    let createdAttempts = 0;
    receiver.on('/a', (hit, response) => {
      if (idOf(hit) !== 'evt_a_c1_created') {
        response.writeHead(200).end('ok');
        return;
      }
      createdAttempts += 1;
      if (createdAttempts === 1) {
        response.writeHead(503).end('blip');
        return;
      }
      const others = () =>
        receiver.hits('/a').some((other) => idOf(other) === 'evt_a_c2_created') &&
        receiver.hits('/b').some((other) => idOf(other) === 'evt_b_c1_created');
      void receiver
        .waitFor(others, 60_000, 'the other conversation and the other tenant')
        .then(() => response.writeHead(200).end('ok'))
        .catch(() => response.writeHead(500).end('never came'));
    });

    expect(
      (await service.publish([event('tenant-a', 'message.created', 'evt_a_c1_created', 'c1')]))
        .FailedEntryCount,
    ).toBe(0);
    await receiver.waitFor(() => createdAttempts >= 1, 30_000, 'the first, failing attempt');

    // Accepted while c1's first event waits for its retry.
    const later = [
      event('tenant-a', 'message.edited', 'evt_a_c1_edited', 'c1'),
      event('tenant-a', 'message.retracted', 'evt_a_c1_retracted', 'c1'),
      event('tenant-a', 'message.created', 'evt_a_c2_created', 'c2'),
      event('tenant-b', 'message.created', 'evt_b_c1_created', 'c1'),
    ];
    expect((await service.publish(later)).FailedEntryCount).toBe(0);

    await receiver.waitFor(
      () => receiver.hits('/a').some((hit) => idOf(hit) === 'evt_a_c1_retracted'),
      60_000,
      'the rest of conversation c1',
    );
    const c1 = receiver
      .hits('/a')
      .filter((hit) => hit.headers['webhook-ordering-key'] === 'c1')
      .map(idOf);
    // The sequence of attempts c1 saw: the blip, its retry, then the two later events, in order.
    expect(c1).toEqual(['evt_a_c1_created', 'evt_a_c1_created', 'evt_a_c1_edited', 'evt_a_c1_retracted']);
    const c2 = receiver.hits('/a').filter((hit) => idOf(hit) === 'evt_a_c2_created');
    expect(c2.map((hit) => hit.headers['webhook-ordering-key'])).toEqual(['c2']);
    // Tenant B's conversation c1 is its own: delivered once, not behind tenant A's.
    expect(receiver.hits('/b').map((hit) => [idOf(hit), hit.headers['webhook-ordering-key']])).toEqual([
      ['evt_b_c1_created', 'c1'],
    ]);
    // The first event's delivery record: two attempts, the second succeeded.
    const records = await service.api('GET', `/v1/deliveries?webhookId=${webhookA}&eventId=evt_a_c1_created`);
    expect(records.status).toBe(200);
    const [record] = records.body.items as { status: string; attemptCount: number }[];
    expect(record).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  }, 120_000);
  it('sends the events behind a retried one right after its retry succeeds, not after a visibility timeout', async () => {
    const path = '/c3';
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'c3',
      events: ['message.created', 'message.edited', 'message.retracted'],
      url: receiver.url(path),
      ordering: 'conversation',
    });
    expect(created.status).toBe(201);
    let blips = 0;
    receiver.on(path, (hit, response) => {
      if (idOf(hit) === 'evt_c3_created' && blips === 0) {
        blips += 1;
        response.writeHead(503).end('blip');
        return;
      }
      response.writeHead(200).end('ok');
    });
    // One call per event, in order, without waiting for deliveries: they reach the ordered queue close
    // together and may share a batch. (Events of one PutEvents reach fan-out concurrently, as on AWS,
    // so only the platform's own sequence of calls fixes their order.)
    for (const [type, id] of [
      ['message.created', 'evt_c3_created'],
      ['message.edited', 'evt_c3_edited'],
      ['message.retracted', 'evt_c3_retracted'],
    ] as const) {
      expect((await service.publish([event('tenant-a', type, id, 'c3')])).FailedEntryCount).toBe(0);
    }
    // The queue's visibility timeout here is 90 s (three times DELIVERY_TIMEOUT_MS): waiting for half of
    // it tells "right after the retry" from "after the visibility timeout".
    await receiver.waitFor(
      () => receiver.hits(path).some((hit) => idOf(hit) === 'evt_c3_retracted'),
      45_000,
      'the events behind the retried one',
    );
    expect(receiver.hits(path).map(idOf)).toEqual([
      'evt_c3_created',
      'evt_c3_created',
      'evt_c3_edited',
      'evt_c3_retracted',
    ]);
  });
});
