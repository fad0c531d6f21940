/**
 * Admin API hardening not covered by admin-api.test.ts: the exact 256 KiB boundary, strict JSON
 * (repeated content types, trailing garbage, non-object bodies), unknown fields on PATCH, and tenant
 * isolation on the failure-log routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chatEvent,
  startTestService,
  TENANT_A_TOKEN,
  TENANT_B_TOKEN,
  type TestService,
} from '../support/local-service';
import { errorShapeProblem, type RawRequest, sendRaw } from '../support/raw-http';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const LIMIT = 256 * 1024;
let service: TestService;
let receiver: Receiver;

const asA = (raw: Omit<RawRequest, 'headers'> & { headers?: Record<string, string | string[]> }) =>
  sendRaw(service.url, {
    ...raw,
    headers: {
      authorization: `Bearer ${TENANT_A_TOKEN}`,
      'content-type': 'application/json',
      ...raw.headers,
    },
  });

const webhook = () => ({ name: 'hardening', events: ['message.retracted'], url: receiver.url('/ok') });

/** A valid webhook body padded with JSON whitespace to exactly `size` bytes. */
function paddedBody(size: number): string {
  const json = JSON.stringify(webhook());
  return `${json.slice(0, -1)}${' '.repeat(size - Buffer.byteLength(json))}}`;
}

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/fail', (_hit, response) => response.writeHead(500).end('down'));
  service = await startTestService({ RETRY_SCHEDULE: '1', DELIVERY_TIMEOUT_MS: '1000' });
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

describe('request body size', () => {
  it('accepts a valid body of exactly 256 KiB and refuses one byte more with 413', async () => {
    const exact = paddedBody(LIMIT);
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const accepted = await asA({ method: 'POST', path: '/v1/webhooks', body: exact });
    expect(accepted.status, accepted.text).toBe(201);

    const over = await asA({ method: 'POST', path: '/v1/webhooks', body: paddedBody(LIMIT + 1) });
    expect(over.status).toBe(413);
    expect(JSON.parse(over.text).error.code).toEqual(expect.any(String));
    expect(errorShapeProblem(over)).toBeNull();

    const id = JSON.parse(accepted.text).id as string;
    const patchOver = await asA({ method: 'PATCH', path: `/v1/webhooks/${id}`, body: paddedBody(LIMIT + 1) });
    expect(patchOver.status).toBe(413);
  });
});

describe('strict JSON', () => {
  it.each([
    ['trailing garbage', `${JSON.stringify({ name: 'x' })} trailing`],
    ['two documents', '{}{}'],
    ['a trailing comma', '{"name":"x",}'],
    ['single quotes', "{'name':'x'}"],
  ])('refuses %s with 400', async (_label, body) => {
    const response = await asA({ method: 'POST', path: '/v1/webhooks', body });
    expect(response.status).toBe(400);
    expect(errorShapeProblem(response)).toBeNull();
  });

  it.each([
    ['an array', '[]'],
    ['an array of the body', () => JSON.stringify([webhook()])],
    ['a string', '"name"'],
    ['a number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ])('refuses a top-level %s with 400 on create and edit', async (_label, body) => {
    const text = typeof body === 'function' ? body() : body;
    const created = await asA({ method: 'POST', path: '/v1/webhooks', body: JSON.stringify(webhook()) });
    const id = JSON.parse(created.text).id as string;
    for (const [method, path] of [
      ['POST', '/v1/webhooks'],
      ['PATCH', `/v1/webhooks/${id}`],
    ]) {
      const response = await asA({ method: method!, path: path!, body: text });
      expect(response.status, `${method} ${text.slice(0, 40)} → ${response.text}`).toBe(400);
      expect(errorShapeProblem(response)).toBeNull();
    }
  });

  it('refuses repeated or ambiguous content types as API Gateway would (joined, not JSON)', async () => {
    for (const contentType of [
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
      ['application/json', 'application/json'],
    ]) {
      const response = await asA({
        method: 'POST',
        path: '/v1/webhooks',
        headers: { 'content-type': contentType },
        body: JSON.stringify(webhook()),
      });
      expect(response.status, `${contentType.join(' + ')} → ${response.text}`).toBe(415);
      expect(errorShapeProblem(response)).toBeNull();
    }
  });

  it('treats a repeated Authorization header as no credentials, even when both tokens are valid', async () => {
    for (const authorization of [
      [`Bearer ${TENANT_A_TOKEN}`, `Bearer ${TENANT_B_TOKEN}`],
      [`Bearer ${TENANT_A_TOKEN}`, `Bearer ${TENANT_A_TOKEN}`],
    ]) {
      const response = await asA({ method: 'GET', path: '/v1/webhooks', headers: { authorization } });
      expect(response.status).toBe(401);
      expect(errorShapeProblem(response)).toBeNull();
    }
  });

  it('refuses unknown fields on PATCH, naming them, and leaves the webhook unchanged', async () => {
    const created = await service.api('POST', '/v1/webhooks', webhook());
    const id = created.body.id as string;
    for (const body of [
      { colour: 'blue' },
      { name: 'renamed', colour: 'blue' },
      { signing: { enabled: true, secret: 'whsec_mine' } },
      { authentication: { type: 'bearer', token: 't', scope: 'all' } },
      { id: 'wh_other' },
      { createdAt: '2020-01-01T00:00:00Z' },
      { tenantId: 'tenant-b' },
    ]) {
      const response = await service.api('PATCH', `/v1/webhooks/${id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      const fields = response.body.error.details.map((detail: { field: string }) => detail.field).join(' ');
      const unknown = JSON.stringify(body).match(/"(colour|secret|scope|id|createdAt|tenantId)"/)![1]!;
      expect(fields, JSON.stringify(body)).toContain(unknown);
    }
    const after = await service.api('GET', `/v1/webhooks/${id}`);
    expect(after.body).toMatchObject({ id, name: 'hardening', updatedAt: created.body.updatedAt });
  });
});

describe('tenant isolation on failure logs', () => {
  it('hides a failure log from another tenant: get and redeliver 404, list by its webhook empty', async () => {
    const failing = await service.api('POST', '/v1/webhooks', { ...webhook(), url: receiver.url('/fail') });
    const webhookId = failing.body.id as string;
    await service.publish([
      chatEvent('message.retracted', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: { conversationId: 'c1', messageId: 'm1', retractedBy: { type: 'agent', id: 'a1' } },
      }),
    ]);
    const logId = await eventually(
      async () =>
        (await service.api('GET', `/v1/failure-logs?webhookId=${webhookId}`)).body.items[0]?.id as string,
      30_000,
      'a failure log',
    );
    const hits = receiver.hits('/fail').length;

    const asB = (method: string, path: string) => service.api(method, path, undefined, TENANT_B_TOKEN);
    expect((await asB('GET', `/v1/failure-logs/${logId}`)).status).toBe(404);
    expect((await asB('POST', `/v1/failure-logs/${logId}/redeliver`)).status).toBe(404);
    const listed = await asB('GET', `/v1/failure-logs?webhookId=${webhookId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
    expect(
      (await asB('GET', '/v1/failure-logs?limit=100')).body.items.map((log: { id: string }) => log.id),
    ).not.toContain(logId);
    // B's redeliver did nothing. Barrier: a later event to the same webhook; once its first attempt
    // arrived, a copy B's call had enqueued before it would have arrived as well.
    await service.publish([
      chatEvent('message.retracted', {
        tenantId: 'tenant-a',
        brandId: 'b',
        id: 'evt_barrier',
        data: { conversationId: 'c1', messageId: 'm2', retractedBy: { type: 'agent', id: 'a1' } },
      }),
    ]);
    await receiver.waitFor(
      () => receiver.hits('/fail').some((hit) => hit.headers['webhook-id'] === 'evt_barrier'),
      20_000,
      'the barrier event',
    );
    expect(receiver.hits('/fail').filter((hit) => hit.headers['webhook-id'] !== 'evt_barrier')).toHaveLength(
      hits,
    );
    // A still sees and owns the log.
    expect((await service.api('GET', `/v1/failure-logs/${logId}`)).body.webhookId).toBe(webhookId);
  });
});
