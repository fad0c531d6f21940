/**
 * Event ids and exact numbers on the whole local service (docs/contract.md#event-ids): the platform publishes with the
 * real EventBridge client, a loopback receiver sees what goes on the wire. Every publish is followed
 * by waiting for the fan-out invocation that handled it, so "nothing more arrived" is shown by a
 * finished invocation, not by sleeping.
 */
import { describe, expect, it } from 'vitest';
import { chatEvent, serviceWithReceiver } from '#test/support/local-service';
import { eventually } from '#test/support/receiver';

let fanOutsDone = 0;

const { service, receiver } = serviceWithReceiver(
  {},
  { onInvocation: (name) => (name === 'fan-out' ? fanOutsDone++ : undefined) },
);

const conversation = {
  id: 'c1',
  status: 'open',
  brandId: 'b',
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:00:00.000Z',
};

/** Publishes one entry (Detail given as text) and waits until the fan-out has handled it. */
async function publishAndSettle(detailType: string, detailText: string): Promise<void> {
  const before = fanOutsDone;
  const result = await service.publish([{ ...chatEvent(detailType, {}), Detail: detailText }]);
  expect(result.FailedEntryCount).toBe(0);
  await eventually(async () => fanOutsDone > before, 20_000, 'the fan-out of the event');
}

describe('event ids and numbers on the wire (docs/contract.md#event-ids)', () => {
  it('delivers an event published twice once, rejects a reused id and unsafe numbers, and keeps the first payload', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'ids',
      url: receiver.url('/ids'),
      events: ['conversation.created', 'conversation.deleted'],
    });
    expect(created.status).toBe(201);
    const first = JSON.stringify({ tenantId: 'tenant-a', brandId: 'b', id: 'dup-1', data: { conversation } });
    await publishAndSettle('conversation.created', first);
    // The platform retrying PutEvents after a timeout: the same Detail again.
    await publishAndSettle('conversation.created', first);
    await publishAndSettle(
      'conversation.deleted',
      JSON.stringify({ tenantId: 'tenant-a', brandId: 'b', id: 'dup-1', data: { conversationId: 'c1' } }),
    );
    await publishAndSettle(
      'conversation.created',
      `{"tenantId":"tenant-a","brandId":"b","id":"big-1","data":{"conversation":${JSON.stringify(conversation)},"crmId":9007199254740993,"score":1e400}}`,
    );
    const barrier = JSON.stringify({
      tenantId: 'tenant-a',
      brandId: 'b',
      id: 'barrier',
      data: { conversation },
    });
    await publishAndSettle('conversation.created', barrier);
    await receiver.waitFor(() =>
      receiver.hits('/ids').some((hit) => hit.headers['webhook-id'] === 'barrier'),
    );

    const ids = receiver.hits('/ids').map((hit) => [hit.headers['webhook-id'], JSON.parse(hit.body).type]);
    expect(ids).toEqual([
      ['dup-1', 'conversation.created'],
      ['barrier', 'conversation.created'],
    ]);
    const rejected = await service.api('GET', '/v1/rejected-events');
    expect(
      (rejected.body.items as { reason: string; issues: { path: string }[] }[])
        .map((item) => [item.reason, item.issues.map((issue) => issue.path)])
        .sort(),
    ).toEqual([
      ['duplicate_event_id', ['id']],
      ['unsafe_number', ['data.crmId', 'data.score']],
    ]);
    // The first event's stored payload is still the one that was sent.
    const first1 = await eventually(async () => {
      const page = await service.api('GET', `/v1/deliveries?webhookId=${created.body.id}`);
      return (page.body.items as { id: string; eventId: string }[]).find((item) => item.eventId === 'dup-1');
    });
    const detail = await service.api('GET', `/v1/deliveries/${first1.id}`);
    expect(detail.body.payload).toMatchObject({ id: 'dup-1', type: 'conversation.created' });
  });
});
