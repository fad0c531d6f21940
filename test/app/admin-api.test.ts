/**
 * The admin API end to end inside one process: HTTP → local server → the API Lambda handler →
 * use cases → DynamoDB adapter → embedded store. Nothing is mocked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { startTestService, TENANT_B_TOKEN, type TestService } from '../support/local-service';

let service: TestService;
let receiver: Server;
let receiverUrl: string;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

const validWebhook = {
  name: 'CRM sync',
  description: 'Keeps the CRM in step',
  events: ['conversation.created', 'message.created'],
  url: 'https://hooks.example.com/chat',
};

beforeAll(async () => {
  service = await startTestService();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('authentication', () => {
  it('answers /health and the OpenAPI document without a token and nothing else', async () => {
    expect(await service.api('GET', '/health', undefined, null)).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    const document = await service.api('GET', '/v1/openapi.json', undefined, null);
    expect(document.status).toBe(200);
    // The servers entry is where this caller reached the API, so generated clients need no editing.
    expect(document.body.servers).toEqual([{ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) }]);
    expect(document.body.paths['/v1/openapi.json'].get.security).toEqual([]);
    for (const path of ['/v1/webhooks', '/v1/event-types', '/v1/failure-logs']) {
      const response = await service.api('GET', path, undefined, null);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
    expect((await service.api('GET', '/v1/webhooks', undefined, 'not-a-real-token-at-all')).status).toBe(401);
  });
});

describe('event types and OpenAPI', () => {
  it('lists every catalogue event with a sample payload', async () => {
    const { status, body } = await service.api('GET', '/v1/event-types');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(EVENT_TYPES.length);
    expect(body.items.map((item: { type: string }) => item.type)).toEqual(EVENT_TYPES);
    for (const item of body.items) {
      expect(item).toMatchObject({
        type: expect.any(String),
        name: expect.any(String),
        description: expect.any(String),
      });
      expect(item.samplePayload.type).toBe(item.type);
    }
  });

  it('serves an OpenAPI 3.1 document covering the webhook routes', async () => {
    const { status, body } = await service.api('GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\.1/);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}']));
  });
});

describe('webhook lifecycle', () => {
  it('creates, reads, edits, deactivates, activates and deletes', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      authentication: { type: 'basic', username: 'crm', password: 'p4ssw0rd-very-secret' },
      headers: { 'X-Team': 'support' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      status: 'active',
      brandId: null,
      signing: { enabled: true },
      authentication: { type: 'basic', username: 'crm' },
      headers: { 'X-Team': 'support' },
    });
    expect(created.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(created.body)).not.toContain('p4ssw0rd');
    const id = created.body.id as string;

    const read = await service.api('GET', `/v1/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.signingSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain('p4ssw0rd');

    const stored = await service.runtime.services.webhooks.get('tenant-a', id);
    expect(JSON.stringify(stored)).not.toContain('p4ssw0rd');
    expect(JSON.stringify(stored)).not.toContain(created.body.signingSecret);

    const patched = await service.api('PATCH', `/v1/webhooks/${id}`, {
      name: 'CRM sync v2',
      events: ['message.edited'],
    });
    expect(patched).toMatchObject({ status: 200, body: { name: 'CRM sync v2', events: ['message.edited'] } });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    expect((await service.api('POST', `/v1/webhooks/${id}/deactivate`)).body.status).toBe('inactive');
    expect(
      (await service.api('GET', '/v1/webhooks?status=inactive')).body.items.map((w: { id: string }) => w.id),
    ).toContain(id);
    expect((await service.api('POST', `/v1/webhooks/${id}/activate`)).body.status).toBe('active');

    expect((await service.api('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await service.api('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await service.api('DELETE', `/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('accepts custom header names that are also Object.prototype names, on create and edit', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      headers: { constructor: 'a' },
    });
    expect(created.status).toBe(201);
    expect(created.body.headers).toEqual({ constructor: 'a' });
    const patched = await service.api('PATCH', `/v1/webhooks/${created.body.id}`, {
      headers: { toString: 'b' },
    });
    expect(patched).toMatchObject({ status: 200, body: { headers: { toString: 'b' } } });
  });

  it('reveals and rotates the signing secret', async () => {
    const created = await service.api('POST', '/v1/webhooks', validWebhook);
    const id = created.body.id as string;
    expect((await service.api('GET', `/v1/webhooks/${id}/secret`)).body).toEqual({
      signingSecret: created.body.signingSecret,
    });
    const rotated = await service.api('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.signingSecret).not.toBe(created.body.signingSecret);
    expect((await service.api('GET', `/v1/webhooks/${id}/secret`)).body.signingSecret).toBe(
      rotated.body.signingSecret,
    );
  });

  it('has no signing secret when signing is off, and makes one when it is turned on', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      signing: { enabled: false },
    });
    expect(created.status).toBe(201);
    expect(created.body.signingSecret).toBeUndefined();
    const id = created.body.id as string;
    expect((await service.api('GET', `/v1/webhooks/${id}/secret`)).status).toBe(409);
    await service.api('PATCH', `/v1/webhooks/${id}`, { signing: { enabled: true } });
    expect((await service.api('GET', `/v1/webhooks/${id}/secret`)).body.signingSecret).toMatch(/^whsec_/);
  });

  it('keeps ordering none by default, takes conversation, switches it by PATCH and refuses other values (docs/contract.md#ordering)', async () => {
    const plain = await service.api('POST', '/v1/webhooks', validWebhook);
    expect(plain.body.ordering).toBe('none');
    const ordered = await service.api('POST', '/v1/webhooks', { ...validWebhook, ordering: 'conversation' });
    expect(ordered.status).toBe(201);
    expect(ordered.body.ordering).toBe('conversation');
    const id = ordered.body.id as string;
    expect((await service.api('GET', `/v1/webhooks/${id}`)).body.ordering).toBe('conversation');
    const switched = await service.api('PATCH', `/v1/webhooks/${id}`, { ordering: 'none' });
    expect(switched.body.ordering).toBe('none');
    for (const ordering of ['event', 'CONVERSATION', null, true]) {
      const refused = await service.api('POST', '/v1/webhooks', { ...validWebhook, ordering });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('ordering');
      expect((await service.api('PATCH', `/v1/webhooks/${id}`, { ordering })).status).toBe(400);
    }
  });

  it('sends a signed webhook.test delivery and reports it', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      url: receiverUrl,
      authentication: { type: 'bearer', token: 'receiver-token-123' },
      headers: { 'X-Env': 'test' },
    });
    expect(created.status).toBe(201);
    received.length = 0;
    const report = await service.api('POST', `/v1/webhooks/${created.body.id}/test`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ delivered: true, statusCode: 204, durationMs: expect.any(Number) });
    expect(received).toHaveLength(1);
    const delivery = received[0]!;
    const payload = new Webhook(created.body.signingSecret).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { type: string; tenantId: string };
    expect(payload).toMatchObject({ type: 'webhook.test', tenantId: 'tenant-a' });
    expect(delivery.headers.authorization).toBe('Bearer receiver-token-123');
    expect(delivery.headers['x-env']).toBe('test');
  });

  it('sends a chosen catalogue type, lists the send in the delivery log as a test, refuses an unknown type', async () => {
    const created = await service.api('POST', '/v1/webhooks', { ...validWebhook, url: receiverUrl });
    received.length = 0;
    const report = await service.api('POST', `/v1/webhooks/${created.body.id}/test`, {
      eventType: 'conversation.created',
    });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ delivered: true, eventType: 'conversation.created' });
    const sent = JSON.parse(received[0]!.body) as { id: string; type: string };
    expect(sent.type).toBe('conversation.created');
    const listed = await service.api('GET', `/v1/deliveries?eventId=${sent.id}`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: report.body.deliveryId, test: true, eventType: 'conversation.created' }),
    ]);
    const detail = await service.api('GET', `/v1/deliveries/${report.body.deliveryId}`);
    expect(detail.body).toMatchObject({ test: true, status: 'succeeded', payload: { id: sent.id } });

    const refused = await service.api('POST', `/v1/webhooks/${created.body.id}/test`, {
      eventType: 'nope.never',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(received).toHaveLength(1);
  });

  it('reports a failed test delivery without an error status', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      url: 'http://127.0.0.1:9/closed',
    });
    const report = await service.api('POST', `/v1/webhooks/${created.body.id}/test`);
    expect(report.status).toBe(200);
    expect(report.body.delivered).toBe(false);
    expect(report.body.error).toEqual(expect.any(String));
  });
});

describe('validation', () => {
  const cases: [string, unknown, string][] = [
    ['missing name', { ...validWebhook, name: undefined }, 'name'],
    ['empty name', { ...validWebhook, name: '' }, 'name'],
    ['long name', { ...validWebhook, name: 'x'.repeat(101) }, 'name'],
    ['long description', { ...validWebhook, description: 'x'.repeat(501) }, 'description'],
    ['no events', { ...validWebhook, events: [] }, 'events'],
    ['unknown event', { ...validWebhook, events: ['conversation.exploded'] }, 'events'],
    ['duplicate events', { ...validWebhook, events: ['message.created', 'message.created'] }, 'events'],
    ['http url', { ...validWebhook, url: 'http://hooks.example.com/' }, 'url'],
    ['credentials in url', { ...validWebhook, url: 'https://user:pw@hooks.example.com/' }, 'url'],
    ['private url', { ...validWebhook, url: 'https://10.0.0.8/hook' }, 'url'],
    ['metadata url', { ...validWebhook, url: 'https://169.254.169.254/latest' }, 'url'],
    ['not a url', { ...validWebhook, url: 'hooks' }, 'url'],
    ['unknown field', { ...validWebhook, colour: 'blue' }, 'colour'],
    ['reserved header', { ...validWebhook, headers: { 'Content-Type': 'text/plain' } }, 'headers'],
    ['webhook-* header', { ...validWebhook, headers: { 'Webhook-Signature': 'x' } }, 'headers'],
    ['malformed header name', { ...validWebhook, headers: { 'Bad Header': 'x' } }, 'headers'],
    ['CRLF in header value', { ...validWebhook, headers: { 'X-Ok': 'a\r\nInjected: 1' } }, 'headers'],
    [
      'authorization header beside authentication',
      { ...validWebhook, headers: { Authorization: 'x' }, authentication: { type: 'bearer', token: 't' } },
      'headers',
    ],
    ['bad authentication type', { ...validWebhook, authentication: { type: 'digest' } }, 'authentication'],
    ['bad status', { ...validWebhook, status: 'paused' }, 'status'],
  ];

  it.each(cases)('refuses %s with a 400 naming the field', async (_label, body, field) => {
    const { status, body: answer } = await service.api('POST', '/v1/webhooks', body);
    expect(status).toBe(400);
    expect(answer.error.code).toBe('validation_failed');
    expect(answer.error.details.map((detail: { field: string }) => detail.field).join(' ')).toContain(field);
  });

  it('refuses malformed JSON, non-JSON bodies and bodies over 256 KiB', async () => {
    const malformed = await service.api('POST', '/v1/webhooks', '{"name": ');
    expect(malformed.status).toBe(400);
    const response = await fetch(`${service.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'tenant-a-token-0123456789'}`, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(response.status).toBe(415);
    const huge = await service.api('POST', '/v1/webhooks', {
      ...validWebhook,
      description: 'x'.repeat(300 * 1024),
    });
    expect(huge.status).toBe(413);
    // Bytes that are not UTF-8 (here a surrogate's raw encoding) are refused, not stored as U+FFFD.
    const notUtf8 = await fetch(`${service.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'tenant-a-token-0123456789'}`, 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"name":"a'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from(`","events":["message.created"],"url":"https://hooks.example.com/x"}`),
      ]),
    });
    expect(notUtf8.status).toBe(400);
    const refused = (await notUtf8.json()) as { error: { details: { field: string }[] } };
    expect(refused.error.details.map((detail) => detail.field)).toEqual(['body']);
  });

  it('answers an oversized request head in the error shape, not with a bare status line', async () => {
    const response = await fetch(`${service.url}/v1/webhooks?brandId=${'b'.repeat(20_000)}`, {
      headers: { authorization: 'Bearer tenant-a-token-0123456789' },
    });
    expect(response.status).toBe(431);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('headers_too_large');
  });

  it('refuses unknown routes, methods and query parameters with 4xx', async () => {
    expect((await service.api('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await service.api('PUT', '/v1/webhooks')).status).toBe(405);
    expect((await service.api('GET', '/v1/webhooks?colour=blue')).status).toBe(400);
    expect((await service.api('GET', '/v1/webhooks?limit=0')).status).toBe(400);
    expect((await service.api('GET', '/v1/webhooks?limit=abc')).status).toBe(400);
    expect((await service.api('PATCH', '/v1/webhooks/wh_missing', {})).status).toBeGreaterThanOrEqual(400);
  });
});

describe('pagination', () => {
  it('returns every webhook exactly once across pages, with filters, and refuses foreign cursors', async () => {
    const brand = `brand-${Date.now()}`;
    const ids: string[] = [];
    for (let index = 0; index < 13; index++) {
      const created = await service.api('POST', '/v1/webhooks', {
        ...validWebhook,
        name: `paged ${index}`,
        brandId: brand,
        status: index % 3 === 0 ? 'inactive' : 'active',
      });
      ids.push(created.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/webhooks?brandId=${brand}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await service.api('GET', query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect([...seen].sort()).toEqual([...ids].sort());

    const inactive = await service.api('GET', `/v1/webhooks?brandId=${brand}&status=inactive&limit=100`);
    expect(inactive.body.items).toHaveLength(5);

    const first = await service.api('GET', `/v1/webhooks?brandId=${brand}&limit=2`);
    const foreign = first.body.nextCursor as string;
    expect(
      (
        await service.api(
          'GET',
          `/v1/webhooks?brandId=${brand}&limit=2&cursor=${encodeURIComponent(foreign)}`,
          undefined,
          TENANT_B_TOKEN,
        )
      ).status,
    ).toBe(400);
    expect(
      (await service.api('GET', `/v1/webhooks?status=active&limit=2&cursor=${encodeURIComponent(foreign)}`))
        .status,
    ).toBe(400);
    expect(
      (await service.api('GET', `/v1/webhooks?cursor=${encodeURIComponent(`${foreign}x`)}`)).status,
    ).toBe(400);
  });
});

describe('tenant isolation', () => {
  it('answers 404 to another tenant on every webhook route', async () => {
    const created = await service.api('POST', '/v1/webhooks', validWebhook);
    const id = created.body.id as string;
    const asB = (method: string, path: string, body?: unknown) =>
      service.api(method, path, body, TENANT_B_TOKEN);
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${id}`],
      ['PATCH', `/v1/webhooks/${id}`, { name: 'stolen' }],
      ['DELETE', `/v1/webhooks/${id}`],
      ['GET', `/v1/webhooks/${id}/secret`],
      ['POST', `/v1/webhooks/${id}/rotate-secret`],
      ['POST', `/v1/webhooks/${id}/deactivate`],
      ['POST', `/v1/webhooks/${id}/activate`],
      ['POST', `/v1/webhooks/${id}/test`],
    ] as [string, string, unknown?][]) {
      expect((await asB(method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect(
      (await asB('GET', '/v1/webhooks?limit=100')).body.items.map((w: { id: string }) => w.id),
    ).not.toContain(id);
    expect((await service.api('GET', `/v1/webhooks/${id}`)).body.name).toBe(validWebhook.name);
  });
});

describe('docs/contract.md#admin-api, to the letter', () => {
  it('answers 401 without a token on any /v1 path, known or not, and 404 to an unknown one with a token', async () => {
    for (const path of ['/v1/no-such-route', '/v1', '/v1/webhooks/wh_1/no-such-action']) {
      const response = await service.api('GET', path, undefined, null);
      expect(response.status, path).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
    expect((await service.api('GET', '/v1/no-such-route')).status).toBe(404);
  });

  it('reads empty list parameters (`?status=&brandId=&limit=&cursor=`) as not given', async () => {
    await service.api('POST', '/v1/webhooks', { ...validWebhook, brandId: 'brand-empty-params' });
    const all = await service.api('GET', '/v1/webhooks?limit=100');
    const blank = await service.api('GET', '/v1/webhooks?status=&brandId=&limit=&cursor=');
    expect(blank.status).toBe(200);
    expect(blank.body.items.length).toBe(Math.min(all.body.items.length, 20));
    expect((await service.api('GET', '/v1/failure-logs?webhookId=&limit=&cursor=')).status).toBe(200);
    expect((await service.api('GET', '/v1/rejected-events?limit=&cursor=')).status).toBe(200);
  });

  it('names the body when the body as a whole is wrong', async () => {
    const missing = await service.api('POST', '/v1/webhooks');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^body: /);
    expect(missing.body.error.details[0].field).toBe('body');
    const created = await service.api('POST', '/v1/webhooks', validWebhook);
    const emptyPatch = await service.api('PATCH', `/v1/webhooks/${created.body.id}`, {});
    expect(emptyPatch.status).toBe(400);
    expect(emptyPatch.body.error.message).toBe('body: must change at least one field');
  });
});

describe('webhook stats', () => {
  it('answers 24 hourly buckets by default, 7 daily ones on request, 404 to another tenant, 400 naming bad fields', async () => {
    const created = await service.api('POST', '/v1/webhooks', validWebhook);
    const path = `/v1/webhooks/${created.body.id}/stats`;
    const hourly = await service.api('GET', path);
    expect(hourly.status).toBe(200);
    expect(hourly.body.granularity).toBe('hour');
    expect(hourly.body.buckets).toHaveLength(24);
    expect(hourly.body.buckets[0]).toEqual({ start: expect.any(String), succeeded: 0, failed: 0 });
    const daily = await service.api('GET', `${path}?granularity=day`);
    expect(daily.body.buckets).toHaveLength(7);
    expect((await service.api('GET', path, undefined, TENANT_B_TOKEN)).status).toBe(404);
    const tooLong = await service.api('GET', `${path}?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0].field).toBe('since');
    const badGranularity = await service.api('GET', `${path}?granularity=minute`);
    expect(badGranularity.status).toBe(400);
    expect(badGranularity.body.error.details[0].field).toBe('granularity');
  });
});
