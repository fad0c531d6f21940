/**
 * The delivery log end to end (docs/contract.md#admin-api, #isolation, #delivery-log) on the whole local runtime: two tenants,
 * every route and filter, masking of secrets a receiver echoes, resend with the same webhook-id
 * (verified with `standardwebhooks`), recover after an endpoint recovers, 410 Gone, health.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/eventbridge-ingest';
import { chatEvent, startTestService, TENANT_B_TOKEN, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const TOKEN = 'Tok3n-echoed-back/+=';
let service: TestService;
let receiver: Receiver;
const busEvents: BusEvent[] = [];
let isFlakyDown = true;

function messageEvent(id: string, type = 'message.created') {
  const data =
    type === 'message.created'
      ? {
          conversationId: 'c1',
          message: {
            id: `m-${id}`,
            author: { type: 'customer', id: 'u1' },
            text: 'hi',
            createdAt: '2026-11-29T10:00:00Z',
          },
        }
      : { conversationId: 'c1', messageId: `m-${id}`, retractedBy: { type: 'agent', id: 'a1' } };
  return chatEvent(type, { tenantId: 'tenant-a', brandId: 'b', id, data });
}

beforeAll(async () => {
  receiver = await startReceiver();
  // Echoes every request header back, token included, as some receivers do.
  receiver.on('/echo', (hit, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hit.headers)),
  );
  receiver.on('/flaky', (hit, response) => {
    if (!isFlakyDown) return void response.writeHead(204).end();
    const auth = String(hit.headers.authorization ?? '');
    response
      .writeHead(503, { 'content-type': 'text/plain' })
      .end(`down; you sent ${encodeURIComponent(auth)} and ${Buffer.from(auth).toString('base64')}`);
  });
  receiver.on('/gone', (_hit, response) => response.writeHead(410).end('gone'));
  service = await startTestService(
    { RETRY_SCHEDULE: '1,1' },
    { onBusEvent: (event) => busEvents.push(event) },
  );
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

async function createWebhook(path: string, events = ['message.created', 'message.retracted']) {
  const created = await service.api('POST', '/v1/webhooks', {
    name: `hook ${path}`,
    events,
    url: receiver.url(path),
    authentication: { type: 'bearer', token: TOKEN },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; signingSecret: string };
}

describe('the delivery log', () => {
  let echo: { id: string; signingSecret: string };
  let flaky: { id: string; signingSecret: string };
  let gone: { id: string; signingSecret: string };
  const since = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    echo = await createWebhook('/echo');
    flaky = await createWebhook('/flaky', ['message.created']);
    gone = await createWebhook('/gone', ['message.retracted']);
    await service.publish([messageEvent('evt_log_1'), messageEvent('evt_log_2', 'message.retracted')]);
    // echo: 2 succeeded; flaky: 1 failed (3 attempts); gone: 1 failed (410, one attempt).
    await eventually(
      async () => {
        const page = await service.api('GET', '/v1/deliveries?limit=100');
        const items = page.body.items as { status: string; failureLogId?: string }[];
        if (process.env.H11_DEBUG) console.log('ITEMS', JSON.stringify(items));
        return (
          items.length === 4 &&
          items.filter((item) => item.status === 'failed' && item.failureLogId).length === 2
        );
      },
      30_000,
      'four settled deliveries, two failed with failure logs',
    );
  });

  it('lists every delivery newest first, filters combine, and cursors page through each once', async () => {
    const all = (await service.api('GET', '/v1/deliveries?limit=100')).body.items as Record<string, any>[];
    expect(all.map((item) => item.createdAt)).toEqual(
      [...all.map((item) => item.createdAt)].sort().reverse(),
    );
    for (const item of all) {
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining([
          'id',
          'webhookId',
          'eventId',
          'eventType',
          'status',
          'attemptCount',
          'createdAt',
          'updatedAt',
        ]),
      );
    }

    const byWebhook = await service.api('GET', `/v1/deliveries?webhookId=${echo.id}`);
    expect(byWebhook.body.items).toHaveLength(2);
    const failed = await service.api('GET', '/v1/deliveries?status=failed');
    expect((failed.body.items as { webhookId: string }[]).map((item) => item.webhookId).sort()).toEqual(
      [flaky.id, gone.id].sort(),
    );
    const combined = await service.api(
      'GET',
      `/v1/deliveries?webhookId=${echo.id}&eventType=message.retracted&status=succeeded&since=${since}`,
    );
    expect(combined.body.items).toHaveLength(1);
    expect(combined.body.items[0]).toMatchObject({
      webhookId: echo.id,
      eventType: 'message.retracted',
      status: 'succeeded',
    });
    const beforeAny = await service.api('GET', `/v1/deliveries?until=${since}`);
    expect(beforeAny.body.items).toEqual([]);

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await service.api(
        'GET',
        `/v1/deliveries?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      ids.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
      if (cursor) {
        // Issued to tenant A for this query: tenant B, or another filter, gets a 400.
        expect(
          (
            await service.api(
              'GET',
              `/v1/deliveries?limit=1&cursor=${encodeURIComponent(cursor)}`,
              undefined,
              TENANT_B_TOKEN,
            )
          ).status,
        ).toBe(400);
        expect(
          (
            await service.api(
              'GET',
              `/v1/deliveries?limit=1&status=failed&cursor=${encodeURIComponent(cursor)}`,
            )
          ).status,
        ).toBe(400);
      }
    } while (cursor);
    expect(ids).toEqual(all.map((item) => item.id));
  });

  it('answers every delivery of one event across its webhooks (eventId), and nothing of it to another tenant', async () => {
    const ofEvent = await service.api('GET', '/v1/deliveries?eventId=evt_log_1');
    expect(ofEvent.status).toBe(200);
    expect((ofEvent.body.items as { webhookId: string }[]).map((item) => item.webhookId).sort()).toEqual(
      [echo.id, flaky.id].sort(),
    );
    for (const item of ofEvent.body.items as { eventId: string }[]) expect(item.eventId).toBe('evt_log_1');
    const failedOfEvent = await service.api('GET', '/v1/deliveries?eventId=evt_log_1&status=failed');
    expect(failedOfEvent.body.items).toEqual([expect.objectContaining({ webhookId: flaky.id })]);
    const asB = await service.api('GET', '/v1/deliveries?eventId=evt_log_1', undefined, TENANT_B_TOKEN);
    expect(asB.body.items).toEqual([]);
    expect((await service.api('GET', `/v1/deliveries?eventId=${'x'.repeat(129)}`)).status).toBe(400);
  });

  it('refuses bad filters with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['until=2026-13-01T00:00:00Z', 'until'],
      ['since=2026-11-29T10:00:00Z&until=2026-11-28T10:00:00Z', 'until'],
      ['status=lost', 'status'],
      ['limit=0', 'limit'],
      ['colour=red', 'colour'],
      ['cursor=forged', 'cursor'],
    ]) {
      const answer = await service.api('GET', `/v1/deliveries?${query}`);
      expect(answer.status, query).toBe(400);
      expect(
        answer.body.error.details.map((detail: { field: string }) => detail.field),
        query,
      ).toContain(field);
    }
  });

  it('shows the payload as sent and every attempt with secrets masked, even those the receiver echoed', async () => {
    const [failed] = (await service.api('GET', `/v1/deliveries?webhookId=${flaky.id}`)).body.items;
    const detail = await service.api('GET', `/v1/deliveries/${failed.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      status: 'failed',
      attemptCount: 3,
      lastStatusCode: 503,
      webhookId: flaky.id,
    });
    expect(detail.body.payload).toMatchObject({
      id: 'evt_log_1',
      type: 'message.created',
      tenantId: 'tenant-a',
    });
    expect(detail.body.attempts).toHaveLength(3);
    for (const attempt of detail.body.attempts) {
      expect(attempt).toMatchObject({ statusCode: 503, durationMs: expect.any(Number) });
      expect(attempt.requestHeaders).toMatchObject({
        authorization: 'Bearer ****',
        'webhook-id': 'evt_log_1',
      });
      expect(attempt.responseSnippet).toContain('down; you sent');
    }
    const [echoed] = (
      await service.api('GET', `/v1/deliveries?webhookId=${echo.id}&eventType=message.created`)
    ).body.items;
    const echoedDetail = await service.api('GET', `/v1/deliveries/${echoed.id}`);
    expect(echoedDetail.body.attempts[0].responseSnippet).toContain('webhook-id');
    for (const body of [detail.body, echoedDetail.body]) {
      const text = JSON.stringify(body);
      for (const spelling of [
        TOKEN,
        encodeURIComponent(TOKEN),
        Buffer.from(TOKEN).toString('base64'),
        Buffer.from(`Bearer ${TOKEN}`).toString('base64'),
      ]) {
        expect(text).not.toContain(spelling);
      }
    }
  });

  it('points a failed delivery and its failure log at each other', async () => {
    const [failed] = (await service.api('GET', `/v1/deliveries?webhookId=${flaky.id}`)).body.items;
    const failureLog = await service.api('GET', `/v1/failure-logs/${failed.failureLogId}`);
    expect(failureLog.status).toBe(200);
    expect(failureLog.body).toMatchObject({ deliveryId: failed.id, webhookId: flaky.id, attemptCount: 3 });
  });

  it('keeps tenants apart: another tenant sees none of it and its ids answer 404', async () => {
    const [item] = (await service.api('GET', '/v1/deliveries')).body.items;
    const asB = (method: string, path: string, body?: unknown) =>
      service.api(method, path, body, TENANT_B_TOKEN);
    expect((await asB('GET', '/v1/deliveries')).body.items).toEqual([]);
    expect((await asB('GET', `/v1/deliveries?webhookId=${item.webhookId}`)).body.items).toEqual([]);
    expect((await asB('GET', `/v1/deliveries/${item.id}`)).status).toBe(404);
    expect((await asB('POST', `/v1/deliveries/${item.id}/redeliver`)).status).toBe(404);
    expect((await asB('POST', `/v1/webhooks/${item.webhookId}/recover`, { since })).status).toBe(404);
    expect((await service.api('GET', '/v1/deliveries/dlv_nothing')).status).toBe(404);
  });

  it('resends a succeeded delivery with the same webhook-id, signed so standardwebhooks verifies it', async () => {
    const [delivered] = (
      await service.api('GET', `/v1/deliveries?webhookId=${echo.id}&eventType=message.created`)
    ).body.items;
    const hitsBefore = receiver
      .hits('/echo')
      .filter((hit) => hit.headers['webhook-id'] === delivered.eventId).length;
    const answer = await service.api('POST', `/v1/deliveries/${delivered.id}/redeliver`);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: 'enqueued',
      deliveryId: delivered.id,
      eventId: delivered.eventId,
    });
    await receiver.waitFor(
      () =>
        receiver.hits('/echo').filter((hit) => hit.headers['webhook-id'] === delivered.eventId).length >
        hitsBefore,
      10_000,
      'the resent delivery',
    );
    const resent = receiver
      .hits('/echo')
      .filter((hit) => hit.headers['webhook-id'] === delivered.eventId)
      .at(-1)!;
    expect(resent.headers['webhook-id']).toBe('evt_log_1');
    const verified = new Webhook(echo.signingSecret).verify(resent.body, {
      'webhook-id': String(resent.headers['webhook-id']),
      'webhook-timestamp': String(resent.headers['webhook-timestamp']),
      'webhook-signature': String(resent.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ id: 'evt_log_1', type: 'message.created' });
    const resentRecord = await eventually(
      async () => {
        const items = (await service.api('GET', `/v1/deliveries?webhookId=${echo.id}`)).body.items as Record<
          string,
          any
        >[];
        return items.find((item) => item.redeliveryOf === delivered.id && item.status === 'succeeded');
      },
      10_000,
      'the resent delivery in the log',
    );
    expect(resentRecord.eventId).toBe('evt_log_1');
  });

  it('recovers the failed deliveries of a webhook once its endpoint is back', async () => {
    isFlakyDown = false;
    const hitsBefore = receiver.hits('/flaky').length;
    expect(
      (await service.api('POST', `/v1/webhooks/${flaky.id}/recover`, { since: 'last tuesday' })).body.error
        .details[0].field,
    ).toBe('since');
    const tooWide = await service.api('POST', `/v1/webhooks/${flaky.id}/recover`, {
      since: '2026-01-01T00:00:00Z',
      until: '2026-02-01T00:00:00Z',
    });
    expect(tooWide.status).toBe(400);
    const answer = await service.api('POST', `/v1/webhooks/${flaky.id}/recover`, { since });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ enqueued: 1 });
    await receiver.waitFor(
      () => receiver.hits('/flaky').length > hitsBefore,
      10_000,
      'the recovered delivery',
    );
    expect(receiver.hits('/flaky').at(-1)?.headers['webhook-id']).toBe('evt_log_1');
    const health = await eventually(
      async () => {
        const read = await service.api('GET', `/v1/webhooks/${flaky.id}`);
        return read.body.health?.lastOutcome === 'succeeded' ? read.body.health : undefined;
      },
      15_000,
      'the webhook health to turn',
    );
    expect(health).toMatchObject({ lastStatusCode: 204, succeeded24h: 1, failed24h: 3 });
    expect(health.failingSince).toBeUndefined();
  });

  it('deactivates a webhook whose endpoint answers 410 Gone, with a failure log, and refuses redelivery with 409', async () => {
    const read = await service.api('GET', `/v1/webhooks/${gone.id}`);
    expect(read.body).toMatchObject({
      status: 'inactive',
      disabledReason: expect.stringMatching(/410 Gone/),
    });
    expect(read.body.health).toMatchObject({ lastOutcome: 'failed', lastStatusCode: 410, failed24h: 1 });
    expect(receiver.hits('/gone')).toHaveLength(1);
    const [delivery] = (await service.api('GET', `/v1/deliveries?webhookId=${gone.id}`)).body.items;
    expect(delivery).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      lastStatusCode: 410,
      failureLogId: expect.any(String),
    });
    const notice = await eventually(
      async () => busEvents.find((event) => event.detailType === 'webhook.disabled'),
      10_000,
      'the notice',
    );
    expect(JSON.parse(notice.detail)).toMatchObject({ webhookId: gone.id, reason: read.body.disabledReason });
    const redeliver = await service.api('POST', `/v1/deliveries/${delivery.id}/redeliver`);
    expect(redeliver.status).toBe(409);
    expect(redeliver.body.error.code).toBe('webhook_inactive');
    const recover = await service.api('POST', `/v1/webhooks/${gone.id}/recover`, { since });
    expect(recover.status).toBe(409);
    expect(recover.body.error.code).toBe('webhook_inactive');
  });

  it('shows health in the webhook list too (counts written at most 10 s late)', async () => {
    await eventually(
      async () => {
        const list = await service.api('GET', '/v1/webhooks?limit=100');
        const item = (list.body.items as { id: string; health?: { succeeded24h: number } }[]).find(
          (candidate) => candidate.id === echo.id,
        );
        return (item?.health?.succeeded24h ?? 0) >= 2;
      },
      15_000,
      'the second success to be counted',
    );
    const list = await service.api('GET', '/v1/webhooks?limit=100');
    const echoed = (list.body.items as { id: string; health?: Record<string, unknown> }[]).find(
      (item) => item.id === echo.id,
    );
    expect(echoed?.health).toMatchObject({ lastOutcome: 'succeeded', lastStatusCode: 200, failed24h: 0 });
    expect(Number(echoed?.health?.succeeded24h)).toBeGreaterThanOrEqual(2);
  });
});

describe('a mistyped URL, within a minute of the first attempt', () => {
  let defaults: TestService;
  beforeAll(async () => {
    // The default retry schedule: the first retry is 5 s away, the failure log some 27 hours.
    defaults = await startTestService({ RETRY_SCHEDULE: '5,300,1800,7200,18000,36000,36000' });
  });
  afterAll(async () => {
    await defaults?.stop();
  });

  it('shows the delivery pending with its error and next attempt, and the webhook failing', async () => {
    const created = await defaults.api('POST', '/v1/webhooks', {
      name: 'CRM',
      events: ['message.created'],
      url: 'https://crm.exmaple.com/hook',
    });
    expect(created.status).toBe(201);
    await defaults.publish([messageEvent('evt_typo')]);
    const delivery = await eventually(
      async () => {
        const items = (await defaults.api('GET', `/v1/deliveries?webhookId=${created.body.id}`)).body.items;
        return items[0];
      },
      10_000,
      'the first attempt in the log',
    );
    expect(delivery).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      lastError: expect.stringMatching(/ENOTFOUND|resolve/i),
    });
    expect(Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.updatedAt)).toBeGreaterThan(3_000);
    const webhook = await defaults.api('GET', `/v1/webhooks/${created.body.id}`);
    expect(webhook.body.health).toMatchObject({
      lastOutcome: 'failed',
      failed24h: 1,
      succeeded24h: 0,
      failingSince: expect.any(String),
    });
  });
});
