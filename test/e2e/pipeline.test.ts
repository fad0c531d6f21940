/**
 * The event pipeline end to end in one process: the real EventBridge client publishes to the
 * local ingest; fan-out, delivery and the DLQ processor run as their Lambda handlers over the
 * durable local queues; a loopback receiver checks what arrives with the standardwebhooks verifier.
 */
import { describe, expect, it } from 'vitest';
import { chatEvent, serviceWithReceiver, TENANT_B_TOKEN } from '#test/support/local-service';
import { eventually, verifyDelivery } from '#test/support/receiver';

const { service, receiver } = serviceWithReceiver({ RETRY_SCHEDULE: '1,1', DELIVERY_TIMEOUT_MS: '1500' });

const conversation = (id: string, brandId: string) => ({
  id,
  status: 'open',
  brandId,
  createdAt: '2026-11-24T10:00:00Z',
  updatedAt: '2026-11-24T10:00:00Z',
});

async function createWebhook(body: Record<string, unknown>, token?: string) {
  const created = await service.api('POST', '/v1/webhooks', body, token);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; signingSecret: string };
}

describe('delivery of chat events', () => {
  it('routes by tenant, event type and brand, signed and with auth and custom headers', async () => {
    const allBrands = await createWebhook({
      name: 'all brands',
      events: ['conversation.created', 'message.created'],
      url: receiver.url('/all-brands'),
      authentication: { type: 'basic', username: 'crm', password: 'basic-secret-1' },
      headers: { 'X-Team': 'support' },
    });
    const brandX = await createWebhook({
      name: 'brand x only',
      brandId: 'brand-x',
      events: ['conversation.created'],
      url: receiver.url('/brand-x'),
      authentication: { type: 'api_key', headerName: 'X-Api-Key', value: 'api-key-secret-2' },
    });
    await createWebhook({
      name: 'inactive',
      status: 'inactive',
      events: ['conversation.created'],
      url: receiver.url('/inactive'),
    });
    await createWebhook(
      { name: 'other tenant', events: ['conversation.created'], url: receiver.url('/tenant-b') },
      TENANT_B_TOKEN,
    );

    const published = await service.publish([
      chatEvent('conversation.created', {
        tenantId: 'tenant-a',
        brandId: 'brand-x',
        data: { conversation: conversation('c1', 'brand-x') },
      }),
      chatEvent('conversation.created', {
        tenantId: 'tenant-a',
        brandId: 'brand-y',
        data: { conversation: conversation('c2', 'brand-y') },
      }),
      chatEvent('message.created', {
        tenantId: 'tenant-a',
        brandId: 'brand-y',
        id: 'evt_custom_1',
        data: {
          conversationId: 'c2',
          message: {
            id: 'm1',
            author: { type: 'customer', id: 'u1' },
            text: 'hi',
            createdAt: '2026-11-24T10:01:00Z',
          },
        },
      }),
    ]);
    expect(published.FailedEntryCount).toBe(0);

    await receiver.waitFor(
      () => receiver.hits('/all-brands').length >= 3 && receiver.hits('/brand-x').length >= 1,
      20_000,
      'deliveries',
    );
    const toAll = receiver.hits('/all-brands').map((hit) => verifyDelivery(hit, allBrands.signingSecret));
    expect(toAll.map((payload) => payload.type).sort()).toEqual([
      'conversation.created',
      'conversation.created',
      'message.created',
    ]);
    expect(toAll.find((payload) => payload.type === 'message.created')).toMatchObject({
      id: 'evt_custom_1',
      tenantId: 'tenant-a',
      brandId: 'brand-y',
      data: { conversationId: 'c2', message: { id: 'm1', text: 'hi' } },
    });
    const toBrandX = receiver.hits('/brand-x').map((hit) => verifyDelivery(hit, brandX.signingSecret));
    expect(toBrandX).toHaveLength(1);
    expect(toBrandX[0]).toMatchObject({
      type: 'conversation.created',
      brandId: 'brand-x',
      data: { conversation: { id: 'c1' } },
    });

    const firstHit = receiver.hits('/all-brands')[0]!;
    expect(firstHit.headers.authorization).toBe(
      `Basic ${Buffer.from('crm:basic-secret-1').toString('base64')}`,
    );
    expect(firstHit.headers['x-team']).toBe('support');
    expect(firstHit.headers['content-type']).toBe('application/json');
    expect(firstHit.headers['user-agent']).toMatch(/^chat-webhooks\//);
    expect(receiver.hits('/brand-x')[0]!.headers['x-api-key']).toBe('api-key-secret-2');
    // The same event reaches every endpoint with the same webhook-id.
    const c1ToAll = receiver
      .hits('/all-brands')
      .find((hit) => JSON.parse(hit.body).data.conversation?.id === 'c1');
    expect(c1ToAll?.headers['webhook-id']).toBe(receiver.hits('/brand-x')[0]!.headers['webhook-id']);

    // Barriers instead of a wait: a later event for each tenant is delivered after anything the
    // earlier ones could still have sent to the inactive webhook or to tenant B.
    await service.publish([
      chatEvent('message.created', {
        tenantId: 'tenant-a',
        brandId: 'brand-y',
        id: 'evt_barrier_a',
        data: {
          conversationId: 'c9',
          message: {
            id: 'm9',
            author: { type: 'agent', id: 'a1' },
            text: 'barrier',
            createdAt: '2026-11-24T10:02:00Z',
          },
        },
      }),
      chatEvent('conversation.created', {
        tenantId: 'tenant-b',
        brandId: 'brand-b',
        id: 'evt_barrier_b',
        data: { conversation: conversation('cb', 'brand-b') },
      }),
    ]);
    await receiver.waitFor(
      () =>
        receiver.hits('/all-brands').some((hit) => JSON.parse(hit.body).id === 'evt_barrier_a') &&
        receiver.hits('/tenant-b').length >= 1,
      20_000,
      'the barrier events',
    );
    expect(receiver.hits('/inactive')).toHaveLength(0);
    expect(receiver.hits('/tenant-b').map((hit) => JSON.parse(hit.body).id)).toEqual(['evt_barrier_b']);
  });

  it('stops on deactivate, resumes on activate, and stops for good on delete', async () => {
    const webhook = await createWebhook({
      name: 'toggled',
      events: ['conversation.deleted'],
      url: receiver.url('/toggled'),
    });
    // Subscribed to the same events throughout: what it receives after the delete is the barrier
    // that shows the deleted webhook's share of that event has been handled.
    await createWebhook({ name: 'witness', events: ['conversation.deleted'], url: receiver.url('/witness') });
    const publishDeleted = (conversationId: string) =>
      service.publish([
        chatEvent('conversation.deleted', { tenantId: 'tenant-a', brandId: 'b', data: { conversationId } }),
      ]);

    await publishDeleted('first');
    await receiver.waitFor(() => receiver.hits('/toggled').length === 1, 20_000, 'first delivery');
    await service.api('POST', `/v1/webhooks/${webhook.id}/deactivate`);
    await publishDeleted('while-inactive');
    await service.api('POST', `/v1/webhooks/${webhook.id}/activate`);
    await publishDeleted('after-activate');
    await receiver.waitFor(() => receiver.hits('/toggled').length >= 2, 20_000, 'delivery after activation');
    await service.api('DELETE', `/v1/webhooks/${webhook.id}`);
    await publishDeleted('after-delete');
    await publishDeleted('barrier');
    await receiver.waitFor(
      () => receiver.hits('/witness').some((hit) => JSON.parse(hit.body).data.conversationId === 'barrier'),
      20_000,
      'the barrier event at the witness',
    );
    const ids = receiver.hits('/toggled').map((hit) => JSON.parse(hit.body).data.conversationId);
    expect(ids).toEqual(['first', 'after-activate']);
  });

  it('records malformed events as rejected without blocking the events behind them', async () => {
    await createWebhook({
      name: 'after bad events',
      events: ['conversation.status_updated'],
      url: receiver.url('/after-bad'),
    });
    const result = await service.publish([
      chatEvent('conversation.status_updated', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: { status: 'closed' },
      }),
      chatEvent('conversation.status_updated', { brandId: 'b', data: {} }),
      chatEvent('conversation.status_updated', {
        tenantId: 'tenant-a',
        brandId: 'b',
        occurredAt: 'yesterday',
        data: 42,
      }),
      chatEvent('conversation.status_updated', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: {
          conversation: conversation('c9', 'b'),
          previousStatus: 'open',
          status: 'closed',
          extra: { kept: true },
        },
      }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    await receiver.waitFor(() => receiver.hits('/after-bad').length === 1, 20_000, 'the good event');
    expect(JSON.parse(receiver.hits('/after-bad')[0]!.body).data).toMatchObject({
      status: 'closed',
      extra: { kept: true },
    });
    const rejected = await eventually(async () => {
      const page = await service.api('GET', '/v1/rejected-events?limit=50');
      return page.body.items.length >= 2 ? page.body.items : undefined;
    });
    expect(rejected[0]).toMatchObject({
      tenantId: 'tenant-a',
      detailType: 'conversation.status_updated',
      reason: expect.any(String),
    });
    expect(rejected[0].issues.length).toBeGreaterThan(0);
    const asB = await service.api('GET', '/v1/rejected-events', undefined, TENANT_B_TOKEN);
    expect(asB.body.items).toHaveLength(0);
  });
});

describe('failed deliveries', () => {
  it('retries on the schedule, records a failure log with every attempt, and redelivers on request', async () => {
    receiver.on('/fails-500', (_hit, response, count) => {
      if (count <= 3) response.writeHead(500).end('database on fire');
      else response.writeHead(200).end('ok now');
    });
    receiver.on('/times-out', () => undefined);
    receiver.on('/redirects', (_hit, response) =>
      response.writeHead(302, { location: receiver.url('/redirect-target') }).end(),
    );
    const endpoints = {
      '/fails-500': await createWebhook({
        name: 'fails',
        events: ['message.retracted'],
        url: receiver.url('/fails-500'),
      }),
      '/times-out': await createWebhook({
        name: 'slow',
        events: ['message.retracted'],
        url: receiver.url('/times-out'),
      }),
      '/redirects': await createWebhook({
        name: 'moved',
        events: ['message.retracted'],
        url: receiver.url('/redirects'),
      }),
      refused: await createWebhook({
        name: 'down',
        events: ['message.retracted'],
        url: 'http://127.0.0.1:9/closed',
      }),
    };
    await service.publish([
      chatEvent('message.retracted', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: { conversationId: 'c1', messageId: 'm1', retractedBy: { type: 'agent', id: 'a1' } },
      }),
    ]);
    const logs = await eventually(
      async () => {
        const page = await service.api('GET', '/v1/failure-logs?limit=50');
        const ours = page.body.items.filter((log: { webhookId: string }) =>
          Object.values(endpoints).some((webhook) => webhook.id === log.webhookId),
        );
        return ours.length === 4 ? ours : undefined;
      },
      40_000,
      'four failure logs',
    );
    for (const log of logs) {
      expect(log).toMatchObject({
        eventType: 'message.retracted',
        attemptCount: 3,
        attempts: expect.any(Array),
      });
      expect(log.attempts).toHaveLength(3);
      expect(log.lastError ?? log.lastStatusCode).toBeTruthy();
    }
    expect(receiver.hits('/fails-500')).toHaveLength(3);
    expect(receiver.hits('/times-out')).toHaveLength(3);
    expect(receiver.hits('/redirects')).toHaveLength(3);
    expect(receiver.hits('/redirect-target')).toHaveLength(0);
    const ids = new Set(receiver.hits('/fails-500').map((hit) => hit.headers['webhook-id']));
    expect(ids.size).toBe(1);

    const fiveHundred = logs.find(
      (log: { webhookId: string }) => log.webhookId === endpoints['/fails-500'].id,
    );
    expect(fiveHundred).toMatchObject({ lastStatusCode: 500 });
    const detail = await service.api('GET', `/v1/failure-logs/${fiveHundred.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.attempts[0]).toMatchObject({ statusCode: 500, responseSnippet: 'database on fire' });
    const byWebhook = await service.api('GET', `/v1/failure-logs?webhookId=${endpoints['/fails-500'].id}`);
    expect(byWebhook.body.items.map((log: { id: string }) => log.id)).toEqual([fiveHundred.id]);
    expect(
      (await service.api('GET', `/v1/failure-logs/${fiveHundred.id}`, undefined, TENANT_B_TOKEN)).status,
    ).toBe(404);
    expect(
      (await service.api('POST', `/v1/failure-logs/${fiveHundred.id}/redeliver`, undefined, TENANT_B_TOKEN))
        .status,
    ).toBe(404);

    const redelivered = await service.api('POST', `/v1/failure-logs/${fiveHundred.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    await receiver.waitFor(() => receiver.hits('/fails-500').length === 4, 20_000, 'the redelivery');
    const last = receiver.hits('/fails-500')[3]!;
    expect(last.headers['webhook-id']).toBe([...ids][0]);
    verifyDelivery(last, endpoints['/fails-500'].signingSecret);
    // The resend's record points at the delivery it repeats, the one the failure log was written for.
    const original = (await service.api('GET', `/v1/failure-logs/${fiveHundred.id}`)).body
      .deliveryId as string;
    expect(original).toMatch(/^dlv_/);
    const deadline = Date.now() + 10_000;
    let resend: { redeliveryOf?: string } | undefined;
    while (!resend && Date.now() < deadline) {
      const listed = await service.api('GET', `/v1/deliveries?eventId=${fiveHundred.eventId}`);
      resend = listed.body.items.find(
        (item: { id: string; webhookId: string }) =>
          item.webhookId === fiveHundred.webhookId && item.id !== original,
      );
      if (!resend) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(resend?.redeliveryOf).toBe(original);
  });
});
