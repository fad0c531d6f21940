import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTH_KINDS } from '#domain/auth-kinds/registry';
import type { FieldIssue } from '#domain/errors';
import { EVENT_TYPES } from '#domain/event-catalogue';
import {
  checkWebhookConsistency,
  createdWebhookSchema,
  errorBodySchema,
  failureLogListQuerySchema,
  failureLogSchema,
  publicWebhookSchema,
  rejectedEventListQuerySchema,
  testDeliveryResultSchema,
  toFieldIssues,
  webhookInputSchemas,
  webhookListQuerySchema,
  withoutEmptyParameters,
} from '#domain/webhook-schema';

const { create, patch } = webhookInputSchemas({ allowInsecureLocalhost: false });
const relaxed = webhookInputSchemas({ allowInsecureLocalhost: true });

const valid = {
  name: 'CRM sync',
  events: ['conversation.created', 'message.created'],
  url: 'https://hooks.example.com/chat',
};

function issuesOf(result: { success: boolean; error?: unknown }): FieldIssue[] {
  expect(result.success).toBe(false);
  return toFieldIssues(result.error as Parameters<typeof toFieldIssues>[0]);
}

function fieldsOf(input: unknown, schema: typeof create | typeof patch = create): string[] {
  return issuesOf(schema.safeParse(input)).map((issue) => issue.field);
}

describe('create schema', () => {
  it('applies the defaults', () => {
    expect(create.parse(valid)).toEqual({
      ...valid,
      description: '',
      brandId: null,
      status: 'active',
      authentication: null,
      signing: { enabled: true },
      headers: {},
      ordering: 'none',
    });
  });

  it('accepts every field set', () => {
    const full = {
      ...valid,
      name: '  Padded name  ',
      description: 'Sends chats to the CRM',
      brandId: 'brand-a',
      status: 'inactive',
      authentication: { type: 'basic', username: 'crm', password: 'p:ss w0rd' },
      signing: { enabled: false },
      headers: { 'X-Source': 'chat', 'x-team': 'support' },
    };
    expect(create.parse(full)).toMatchObject({ ...full, name: 'Padded name' });
  });

  it.each([
    ['name', { name: undefined }],
    ['name', { name: '   ' }],
    ['name', { name: 'x'.repeat(101) }],
    ['description', { description: 'x'.repeat(501) }],
    ['brandId', { brandId: 'not a brand!' }],
    ['events', { events: [] }],
    ['events', { events: undefined }],
    ['events[1]', { events: ['message.created', 'message.created'] }],
    ['events[0]', { events: ['message.exploded'] }],
    ['events[0]', { events: ['webhook.test'] }],
    // Every catalogue type and one more: more entries than there are types.
    ['events', { events: [...EVENT_TYPES, 'message.created'] }],
    ['url', { url: undefined }],
    ['url', { url: 'http://hooks.example.com/' }],
    ['url', { url: 'https://10.0.0.1/' }],
    ['url', { url: 'https://user:pw@hooks.example.com/' }],
    ['url', { url: 'https://localhost:3000/' }],
    ['status', { status: 'paused' }],
    ['signing.enabled', { signing: { enabled: 'yes' } }],
    ['signing.secret', { signing: { enabled: true, secret: 'whsec_mine' } }],
    ['authentication.password', { authentication: { type: 'basic', username: 'u', password: '' } }],
    ['authentication.username', { authentication: { type: 'basic', username: 'a:b', password: 'p' } }],
    ['authentication.username', { authentication: { type: 'basic', username: '', password: 'p' } }],
    ['authentication.token', { authentication: { type: 'bearer', token: 'x'.repeat(4097) } }],
    ['authentication.token', { authentication: { type: 'bearer' } }],
    ['authentication.headerName', { authentication: { type: 'api_key', headerName: 'X Key', value: 'v' } }],
    [
      'authentication.headerName',
      { authentication: { type: 'api_key', headerName: 'Webhook-Id', value: 'v' } },
    ],
    [
      'authentication.headerName',
      { authentication: { type: 'api_key', headerName: 'authorization', value: 'v' } },
    ],
    [
      'authentication.value',
      { authentication: { type: 'api_key', headerName: 'X-Key', value: 'a\r\nX-Evil: 1' } },
    ],
    ['authentication.extra', { authentication: { type: 'bearer', token: 't', extra: 1 } }],
    ['authentication.type', { authentication: { type: 'oauth', token: 't' } }],
    ['headers.X Bad', { headers: { 'X Bad': 'v' } }],
    ['headers.X-Bad', { headers: { 'X-Bad': 'line\nbreak' } }],
    ['headers.X-Nul', { headers: { 'X-Nul': 'a\0b' } }],
    ['headers.X-Long', { headers: { 'X-Long': 'x'.repeat(1025) } }],
    ['headers.Host', { headers: { Host: 'evil.example' } }],
    ['headers.content-length', { headers: { 'content-length': '1' } }],
    ['headers.Content-Type', { headers: { 'Content-Type': 'text/plain' } }],
    ['headers.Transfer-Encoding', { headers: { 'Transfer-Encoding': 'chunked' } }],
    ['headers.CONNECTION', { headers: { CONNECTION: 'close' } }],
    ['headers.User-Agent', { headers: { 'User-Agent': 'me' } }],
    ['headers.Webhook-Signature', { headers: { 'Webhook-Signature': 'v1,forged' } }],
    ['headers.x-a', { headers: { 'X-A': '1', 'x-a': '2' } }],
    ['headers', { headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) }],
    ['headers.X-Num', { headers: { 'X-Num': 5 } }],
    [
      'headers.Authorization',
      { authentication: { type: 'bearer', token: 't' }, headers: { Authorization: 'Bearer x' } },
    ],
    [
      'headers.x-api-key',
      {
        authentication: { type: 'api_key', headerName: 'X-Api-Key', value: 'v' },
        headers: { 'x-api-key': 'v2' },
      },
    ],
    ['tenantId', { tenantId: 'other-tenant' }],
    ['id', { id: 'wh_mine' }],
  ])('names %s when it is wrong', (field, override) => {
    expect(fieldsOf({ ...valid, ...override })).toContain(field);
  });

  it('accepts the passing side of each rule', () => {
    const passing: Record<string, unknown>[] = [
      { name: 'x'.repeat(100) },
      { description: 'x'.repeat(500) },
      { brandId: null },
      { brandId: 'brand.eu:1_A-b' },
      { events: [...EVENT_TYPES].reverse() },
      { url: `https://hooks.example.com/${'x'.repeat(2000)}` },
      { authentication: { type: 'bearer', token: 'x'.repeat(4096) } },
      { authentication: { type: 'api_key', headerName: 'X-Api-Key', value: 'secret' } },
      { authentication: { type: 'basic', username: 'u'.repeat(256), password: 'p'.repeat(256) } },
      { headers: { Authorization: 'Token abc' } },
      { headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v'])) },
      { headers: { "!#$%&'*+.^_`|~": 'x'.repeat(1024) } },
      {
        authentication: { type: 'api_key', headerName: 'X-Api-Key', value: 'v' },
        headers: { 'X-Other': '1' },
      },
    ];
    for (const override of passing) {
      const result = create.safeParse({ ...valid, ...override });
      expect({ override, issues: result.success ? [] : toFieldIssues(result.error) }).toEqual({
        override,
        issues: [],
      });
    }
  });

  it('lets loopback http destinations through only when configured to', () => {
    const local = { ...valid, url: 'http://127.0.0.1:4010/hook' };
    expect(create.safeParse(local).success).toBe(false);
    expect(relaxed.create.safeParse(local).success).toBe(true);
  });

  it('never echoes a secret in messages', () => {
    const secret = 'SuperSecret-Value-123';
    for (const authentication of [
      { type: 'bearer', token: `${secret}\n` },
      { type: 'basic', username: `${secret}:`, password: secret },
      { type: 'api_key', headerName: 'X-Key', value: `${secret}\r` },
      { type: 'basic', username: 'u', password: `${secret}${'x'.repeat(300)}` },
    ]) {
      const issues = issuesOf(create.safeParse({ ...valid, authentication }));
      expect(issues.length).toBeGreaterThan(0);
      expect(JSON.stringify(issues)).not.toContain(secret);
    }
  });

  it('reports readable messages', () => {
    const issues = issuesOf(create.safeParse({ name: '', events: ['message.created'], surprise: 1 }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must be at least 1 character long' },
        { field: 'url', message: 'is required' },
        { field: 'surprise', message: 'is not a known field' },
      ]),
    );
  });
  it('reports an empty url once', () => {
    expect(issuesOf(create.safeParse({ ...valid, url: '' }))).toEqual([
      { field: 'url', message: 'must be at least 1 character long' },
    ]);
  });

  it('reports one issue for a value of the wrong type', () => {
    const issues = issuesOf(create.safeParse({ ...valid, events: 'message.created' }));
    expect(issues).toEqual([{ field: 'events', message: 'must be an array' }]);
    // The message lists the authentication kinds of the registry, in its order.
    expect(AUTH_KINDS.map((kind) => kind.type).slice(0, 3)).toEqual(['basic', 'bearer', 'api_key']);
    const kinds = AUTH_KINDS.map((kind) => `'${kind.type}'`).join(' | ');
    expect(issuesOf(create.safeParse({ ...valid, authentication: { type: 'oauth' } }))).toEqual([
      { field: 'authentication.type', message: `must be one of: ${kinds}` },
    ]);
  });
});

describe('field issues', () => {
  /** Values of every kind for each field of the input, so several rules of one field break at once. */
  const hostileText = fc
    .string({
      unit: fc.constantFrom('a', ' ', '\u0000', '\u0301', '\u202e', '\u200b', 'Ж', ':', '/'),
      maxLength: 30,
    })
    .chain((text) => fc.constantFrom(text, text.repeat(80)));
  const fieldValue = fc.oneof(
    fc.anything(),
    hostileText,
    hostileText.map((text) => `http://${text}`),
    fc.array(fc.oneof(hostileText, fc.constant('message.created')), { maxLength: 5 }),
    fc.dictionary(hostileText, fc.oneof(hostileText, fc.anything()), { maxKeys: 3 }),
    fc.record({ type: fc.constantFrom('basic', 'bearer', 'api_key'), token: hostileText, name: hostileText }),
  );
  const FIELDS = [
    'name',
    'description',
    'url',
    'events',
    'headers',
    'authentication',
    'ordering',
    'rateLimit',
  ];
  const body = fc.dictionary(fc.constantFrom(...FIELDS), fieldValue);

  it('write a client-chosen key with its control and format characters escaped', () => {
    const fields = fieldsOf({ ...valid, headers: { 'Bad Name\u0000\u202e': 'x' } });
    expect(fields).toEqual(['headers.Bad Name\\u0000\\u202e']);
  });

  it('name each field at most once, whatever the body (property)', () => {
    fc.assert(
      fc.property(body, (input) => {
        for (const schema of [create, patch]) {
          const parsed = schema.safeParse({ ...valid, ...input });
          if (parsed.success) continue;
          const fields = toFieldIssues(parsed.error).map((issue) => issue.field);
          expect(fields.length).toBeGreaterThan(0);
          expect(new Set(fields).size).toBe(fields.length);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('patch schema', () => {
  it('keeps only the fields sent, without defaults', () => {
    expect(patch.parse({ status: 'inactive' })).toEqual({ status: 'inactive' });
    expect(patch.parse({ brandId: null, authentication: null })).toEqual({
      brandId: null,
      authentication: null,
    });
  });

  it('refuses an empty patch and unknown fields', () => {
    expect(issuesOf(patch.safeParse({}))[0]?.message).toContain('at least one field');
    expect(fieldsOf({ secret: 'x' }, patch)).toContain('secret');
  });

  it('applies the field rules', () => {
    expect(fieldsOf({ url: 'https://169.254.169.254/' }, patch)).toContain('url');
    expect(fieldsOf({ events: [] }, patch)).toContain('events');
    expect(fieldsOf({ headers: { 'Webhook-Id': 'x' } }, patch)).toContain('headers.Webhook-Id');
    expect(
      fieldsOf({ authentication: { type: 'bearer', token: 't' }, headers: { authorization: 'x' } }, patch),
    ).toContain('headers.authorization');
  });
});

describe('checkWebhookConsistency', () => {
  it('refuses an Authorization header beside authentication, case-insensitively', () => {
    expect(
      checkWebhookConsistency({ headers: { AUTHORIZATION: 'x' }, authentication: { type: 'basic' } }).map(
        (i) => i.field,
      ),
    ).toEqual(['headers.AUTHORIZATION']);
    expect(checkWebhookConsistency({ headers: { Authorization: 'x' }, authentication: null })).toEqual([]);
  });

  it('refuses a custom header that repeats the api_key header', () => {
    const draft = {
      headers: { 'x-API-key': 'x', 'X-Other': 'y' },
      authentication: { type: 'api_key', headerName: 'X-Api-Key' },
    };
    expect(checkWebhookConsistency(draft).map((i) => i.field)).toEqual(['headers.x-API-key']);
    expect(checkWebhookConsistency({ ...draft, headers: { 'X-Other': 'y' } })).toEqual([]);
  });
});

describe('query schemas', () => {
  it('coerces and bounds limit, defaulting to 20', () => {
    expect(webhookListQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(
      webhookListQuerySchema.parse({ limit: '100', status: 'active', brandId: 'b', cursor: 'abc' }),
    ).toEqual({
      limit: 100,
      status: 'active',
      brandId: 'b',
      cursor: 'abc',
    });
    for (const limit of ['0', '101', '2.5', 'ten']) {
      expect(toFieldIssues(webhookListQuerySchema.safeParse({ limit }).error!)[0]?.field).toBe('limit');
    }
  });

  it('refuses unknown parameters and bad values', () => {
    expect(webhookListQuerySchema.safeParse({ page: '2' }).success).toBe(false);
    expect(webhookListQuerySchema.safeParse({ status: 'paused' }).success).toBe(false);
    expect(failureLogListQuerySchema.parse({ webhookId: 'wh_1', limit: '5' })).toEqual({
      webhookId: 'wh_1',
      limit: 5,
    });
    expect(failureLogListQuerySchema.safeParse({ status: 'active' }).success).toBe(false);
    expect(rejectedEventListQuerySchema.parse({ cursor: 'c' })).toEqual({ limit: 20, cursor: 'c' });
    expect(rejectedEventListQuerySchema.safeParse({ webhookId: 'x' }).success).toBe(false);
  });

  it('treats empty parameters as absent when asked to', () => {
    expect(
      webhookListQuerySchema.parse(withoutEmptyParameters({ status: '', brandId: '', limit: '3' })),
    ).toEqual({ limit: 3 });
  });
});

describe('response schemas', () => {
  const webhook = {
    id: 'wh_1',
    name: 'n',
    description: '',
    brandId: null,
    events: ['message.created'],
    url: 'https://hooks.example.com/',
    status: 'active',
    authentication: { type: 'api_key', headerName: 'X-Key' },
    signing: { enabled: true },
    headers: {},
    ordering: 'none',
    createdAt: '2024-05-14T09:00:00.000Z',
    updatedAt: '2024-05-14T09:00:00.000Z',
  };

  it('describe the public webhook and the create response', () => {
    expect(publicWebhookSchema.safeParse(webhook).success).toBe(true);
    expect(createdWebhookSchema.parse({ ...webhook, signingSecret: 'whsec_abc' }).signingSecret).toBe(
      'whsec_abc',
    );
    expect(publicWebhookSchema.safeParse({ ...webhook, authentication: { type: 'oauth' } }).success).toBe(
      false,
    );
  });

  it('describe failure logs, errors and test results', () => {
    const log = {
      id: 'fl_1',
      webhookId: 'wh_1',
      webhookName: 'n',
      eventId: 'evt_1',
      eventType: 'message.created',
      url: 'https://hooks.example.com/',
      attempts: [{ at: '2024-05-14T09:00:00.000Z', statusCode: 500, durationMs: 12 }],
      attemptCount: 1,
      lastStatusCode: 500,
      lastError: null,
      firstAttemptAt: '2024-05-14T09:00:00.000Z',
      failedAt: '2024-05-14T09:00:01.000Z',
    };
    expect(failureLogSchema.safeParse(log).success).toBe(true);
    expect(failureLogSchema.safeParse({ ...log, attemptCount: -1 }).success).toBe(false);
    expect(
      errorBodySchema.safeParse({
        error: { code: 'validation_failed', message: 'm', details: [{ field: 'url', message: 'x' }] },
      }).success,
    ).toBe(true);
    expect(errorBodySchema.safeParse({ code: 'x' }).success).toBe(false);
    expect(
      testDeliveryResultSchema.safeParse({
        delivered: false,
        durationMs: 3,
        error: 'connection refused',
        eventType: 'webhook.test',
      }).success,
    ).toBe(true);
    expect(
      testDeliveryResultSchema.safeParse({ delivered: 'no', durationMs: 3, eventType: 'webhook.test' })
        .success,
    ).toBe(false);
  });
});
