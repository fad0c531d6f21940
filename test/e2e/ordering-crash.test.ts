/**
 * Ordered delivery across kill -9 (docs/contract.md#ordering, docs/ordering.md): an ordered webhook's
 * conversation c1 gets `message.created`, `message.edited` and `message.retracted` at once; the first
 * fails and is held for its retry; the whole `npm start` process group is killed with SIGKILL and the
 * service started again on the same data directory. Nothing is lost and the order is kept: the held
 * delivery's retry comes first, the two behind it follow, and its record ends with both attempts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { crashHarness } from '../support/crash-harness';
import { killProcessGroupHard } from '../support/npm-start-process';
import { eventually, type ReceivedDelivery } from '../support/receiver';

const TOKEN = 'ordering-crash-token-0123456789';
const harness = crashHarness(TOKEN, 'cw-ordering-crash-');
const call = harness.call;

const idOf = (hit: ReceivedDelivery) => String(hit.headers['webhook-id']);

function entry(type: string, id: string) {
  const message = {
    id: 'm1',
    author: { type: 'customer', id: 'u1' },
    text: 'hi',
    createdAt: '2026-11-24T10:00:00Z',
  };
  const data =
    type === 'message.created'
      ? { conversationId: 'c1', message }
      : type === 'message.edited'
        ? { conversationId: 'c1', message, previousText: 'before' }
        : { conversationId: 'c1', messageId: 'm1', retractedBy: { type: 'customer', id: 'u1' } };
  return {
    Source: 'chat.platform',
    DetailType: type,
    EventBusName: 'chat-events',
    Detail: JSON.stringify({ tenantId: 'acme', brandId: 'main', id, data }),
  };
}

describe('ordered delivery across kill -9', () => {
  it('keeps a held conversation’s order and loses nothing when the service is killed mid-retry', async () => {
    const receiver = harness.receiver();
    const first = await harness.start();
    let createdTries = 0;
    receiver.on('/ordered', (hit, response) => {
      if (idOf(hit) === 'evt_c1_created') createdTries += 1;
      response.writeHead(idOf(hit) === 'evt_c1_created' && createdTries === 1 ? 503 : 200).end('ok');
    });
    const ordered = await harness.post(first.url, '/v1/webhooks', {
      name: 'ordered',
      events: ['message.created', 'message.edited', 'message.retracted'],
      url: receiver.url('/ordered'),
      ordering: 'conversation',
    });
    expect(ordered.status).toBe(201);
    const created = ordered.body as { id: string };
    // An unordered webhook for the same events: its receipt of an event says that event's fan-out has
    // queued its deliveries, the ordered one's too, so the next event is published only after it.
    receiver.on('/fanned-out', (_hit, response) => response.writeHead(200).end('ok'));
    const probe = await harness.post(first.url, '/v1/webhooks', {
      name: 'fan-out probe',
      events: ['message.created', 'message.edited', 'message.retracted'],
      url: receiver.url('/fanned-out'),
    });
    expect(probe.status).toBe(201);
    const events = new EventBridgeClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: first.awsKey,
    });
    // One call per event, each once the previous event was fanned out: events whose fan-outs overlap
    // are queued in either order (docs/ordering.md), so only this sequence fixes the conversation's.
    for (const [type, id] of [
      ['message.created', 'evt_c1_created'],
      ['message.edited', 'evt_c1_edited'],
      ['message.retracted', 'evt_c1_retracted'],
    ] as const) {
      expect((await events.send(new PutEventsCommand({ Entries: [entry(type, id)] }))).FailedEntryCount).toBe(
        0,
      );
      await receiver.waitFor(
        () => receiver.hits('/fanned-out').some((hit) => idOf(hit) === id),
        20_000,
        `${id} fanned out`,
      );
    }
    events.destroy();

    // The first event failed once and waits for its retry; nothing behind it has been sent.
    const pending = await eventually(
      async () => {
        const items =
          (await call(first.url, `/v1/deliveries?webhookId=${created.id}&eventId=evt_c1_created`)).body
            ?.items ?? [];
        return items[0]?.status === 'pending' ? items[0] : undefined;
      },
      20_000,
      'the first delivery recorded pending',
    );
    expect(pending).toMatchObject({ attemptCount: 1, lastStatusCode: 503 });
    expect(receiver.hits('/ordered').map(idOf)).toEqual(['evt_c1_created']);

    await killProcessGroupHard(first.child);
    const second = await harness.start();

    await receiver.waitFor(
      () => receiver.hits('/ordered').some((hit) => idOf(hit) === 'evt_c1_retracted'),
      60_000,
      'the rest of the conversation after the restart',
    );
    expect(receiver.hits('/ordered').map(idOf)).toEqual([
      'evt_c1_created',
      'evt_c1_created',
      'evt_c1_edited',
      'evt_c1_retracted',
    ]);
    expect(receiver.hits('/ordered').map((hit) => hit.headers['webhook-ordering-key'])).toEqual([
      'c1',
      'c1',
      'c1',
      'c1',
    ]);
    const settled = await eventually(
      async () => {
        const items =
          (await call(second.url, `/v1/deliveries?webhookId=${created.id}&eventId=evt_c1_created`)).body
            ?.items ?? [];
        return items.length === 1 && items[0].status === 'succeeded' ? items[0] : undefined;
      },
      20_000,
      'the first delivery settled by its retry',
    );
    expect(settled).toMatchObject({ id: pending.id, attemptCount: 2, lastStatusCode: 200 });
  });
});
