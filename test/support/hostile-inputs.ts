/**
 * fast-check arbitraries for hostile admin API input: bodies, headers and query strings a
 * careless or malicious client could send. Shared by the property tests.
 */
import fc from 'fast-check';
import { EVENT_TYPES } from '#domain/event-catalogue';

/** A webhook body the API accepts (destinations are loopback, so nothing leaves the machine). */
export function validWebhookBody(url: string): Record<string, unknown> {
  return {
    name: 'hostile-input target',
    description: 'created by a property test',
    events: ['conversation.created', 'message.created'],
    url,
    authentication: { type: 'bearer', token: 'property-test-token' },
    headers: { 'X-Team': 'support' },
    signing: { enabled: true },
  };
}

const WEBHOOK_FIELDS = [
  'name',
  'description',
  'brandId',
  'events',
  'url',
  'status',
  'authentication',
  'signing',
  'headers',
  'id',
  'createdAt',
  'updatedAt',
  'disabledReason',
  'signingSecret',
  'tenantId',
] as const;

/** Text with the characters that break naive code: unicode, lone surrogates, controls, NULs. */
export const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\r\nX-Injected: 1',
    '\ud800',
    '\udfff\ud800',
    '𝕳𝖊𝖑𝖑𝖔',
    '\u202e\u0645\u0631\u062d\u0628\u0627',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "'; DROP TABLE webhooks; --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, literal on purpose
    '${jndi:ldap://x}',
    '%00%ff',
    'whsec_',
    'NaN',
    '1e309',
  ),
);

/** Numbers, booleans and nulls where strings are expected, and strings where numbers are. */
const wrongTypedValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_VALUE, '123', 'true', 'null', '[]', '{}'),
  fc.integer(),
  fc.double(),
);

/** Any JSON value, with deep-ish nesting and unicode strings. */
export const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' });

/** Keys that pollute prototypes in code that merges objects naively. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** `{"__proto__": …}` as JSON text (an object literal would set the prototype, not a key). */
function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** A field value swapped for something hostile. */
const hostileFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  wrongTypedValue,
  hostileText,
  fc.constant([]),
  fc.constant({}),
  fc.array(hostileText, { maxLength: 10 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 25 }),
  fc.constantFrom(
    { type: 'basic' },
    { type: 'basic', username: 'a:b', password: 'x' },
    { type: 'bearer', token: '' },
    { type: 'api_key', headerName: 'Authorization', value: 'x' },
    { type: 'api_key', headerName: 'Bad Name', value: 'x' },
    { type: 'digest', token: 'x' },
    { type: 'bearer', token: 'x', extra: 1 },
    { type: ['bearer'] },
    { enabled: 'true' },
    { enabled: true, secret: 'whsec_mine' },
    { 'Content-Length': '0' },
    { Host: 'evil' },
    { 'X-Ok': 'a\r\nb' },
    Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`X-H${index}`, 'v'])),
    [...EVENT_TYPES, ...EVENT_TYPES],
    [...EVENT_TYPES, 'webhook.test'],
    'https://10.0.0.1/',
    'https://[::ffff:127.0.0.1]/',
    'https://169.254.169.254/latest/meta-data',
    'https://0x7f000001/',
    'https://user:pass@hooks.example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    `https://hooks.example.com/${'a'.repeat(2100)}`,
    'https://xn--ls8h.example/',
    'https://[fe80::1%25eth0]/',
  ),
);

/** A valid webhook body with exactly one thing wrong (or, sometimes, nothing wrong). */
export function nearValidWebhookBody(url: string): fc.Arbitrary<Record<string, unknown>> {
  const base = validWebhookBody(url);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...WEBHOOK_FIELDS), hostileFieldValue)
      .map(([field, value]) => withOwnKey(base, field, value)),
    fc.constantFrom(...WEBHOOK_FIELDS).map((field) => {
      const copy = { ...base };
      delete copy[field];
      return copy;
    }),
    fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), anyJson).map(([key, value]) => withOwnKey(base, key, value)),
    fc
      .tuple(
        fc.constantFrom('authentication', 'headers', 'signing'),
        fc.constantFrom(...PROTOTYPE_KEYS),
        anyJson,
      )
      .map(([field, key, value]) => withOwnKey(base, field, withOwnKey({}, key, value))),
    fc.tuple(hostileText, anyJson).map(([key, value]) => withOwnKey(base, key, value)),
    fc.constant(base),
  );
}

/** JSON nested `depth` levels, as text (too deep for naive recursive code). */
function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Raw request bodies: JSON and not, small and near the 256 KiB limit, valid UTF-8 and not. */
export function hostileBody(url: string): fc.Arbitrary<Buffer | undefined> {
  const text = (value: string) => Buffer.from(value, 'utf8');
  return fc.oneof(
    { weight: 4, arbitrary: nearValidWebhookBody(url).map((body) => text(JSON.stringify(body))) },
    { weight: 2, arbitrary: anyJson.map((value) => text(JSON.stringify(value))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 50, max: 100_000 }),
          fc.constantFrom('array', 'object' as const),
          fc.constantFrom(...WEBHOOK_FIELDS, null),
        )
        .map(([depth, kind, field]) => {
          const nested = deeplyNested(depth, kind as 'array' | 'object');
          return text(field === null ? nested : `{"${field}":${nested}}`);
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1000, max: 262_000 }),
          fc.constantFrom('name', 'description', 'url', 'unknown'),
        )
        .map(([size, field]) =>
          text(JSON.stringify({ ...validWebhookBody(url), [field]: 'x'.repeat(size) })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    },
    {
      weight: 1,
      // Valid JSON except for bytes that are not UTF-8 inside a string.
      arbitrary: fc
        .constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82])
        .map((bytes) =>
          Buffer.concat([
            text('{"name":"a'),
            Buffer.from(bytes),
            text(`","events":["message.created"],"url":"${url}"}`),
          ]),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          ' ',
          'null',
          'true',
          '0',
          '"string"',
          '[]',
          '[{}]',
          '{}',
          '{}{}',
          '{} trailing',
          '{"name":"a"} ',
          '{"name":"a",}',
          "{'name':'a'}",
          '{"name":"a","name":"b"}',
          '\ufeff{}',
          '{"__proto__":{"polluted":true}}',
          '{"constructor":{"prototype":{"polluted":true}}}',
          '{"a":1e99999}',
          '{"a":-0}',
          '\u0000',
        )
        .map(text),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Content-type header values, including repeated ones; undefined leaves the header out. */
export const hostileContentType: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom<string | string[] | undefined>(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=latin1',
      'application/vnd.api+json',
      'application/merge-patch+json',
      'application/jsonx',
      'text/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/json, text/plain',
      ['application/json', 'application/json'],
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
      '*/*',
      'application/json; boundary="\u00ff"',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map(printableLatin1) },
);

/** Authorization header values: mostly the right token, sometimes mangled, repeated or foreign. */
export function hostileAuthorization(
  token: string,
  foreignToken: string,
): fc.Arbitrary<string | string[] | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${token}`) },
    {
      weight: 4,
      arbitrary: fc.constantFrom<string | string[] | undefined>(
        undefined,
        '',
        'Bearer',
        'Bearer ',
        `bearer ${token}`,
        `BEARER ${token}`,
        `Bearer  ${token}`,
        `Bearer ${token} `,
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -1)}`,
        `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        `Token ${token}`,
        token,
        `Bearer ${foreignToken}`,
        [`Bearer ${token}`, `Bearer ${foreignToken}`],
        [`Bearer ${foreignToken}`, `Bearer ${token}`],
        `Bearer ${'A'.repeat(8000)}`,
        'Bearer \u00e9\u00ff',
        'Bearer ey.ey.sig',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary-ascii', maxLength: 80 })
        .map((value) => `Bearer ${printableLatin1(value)}`),
    },
  );
}

/** Percent-encodes text as UTF-8 bytes; lone surrogates (which encodeURIComponent throws on) become U+FFFD. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

/** Node refuses control characters in header values; keep the rest (tabs, spaces, latin-1). */
function printableLatin1(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

const QUERY_NAMES = [
  'limit',
  'cursor',
  'status',
  'brandId',
  'webhookId',
  'colour',
  '__proto__',
  'constructor',
  '',
];

/** A query value already encoded for the request target (raw bad escapes included on purpose). */
const hostileQueryValue = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '2',
    '50',
    '100',
    '101',
    '1000',
    '-1',
    '1.5',
    '1e2',
    '0x10',
    '%2B5',
    '%205',
    'NaN',
    'Infinity',
    '9'.repeat(400),
    '',
    'active',
    'inactive',
    'ACTIVE',
    'deleted',
    '%',
    '%zz',
    '%ff%fe',
    '%00',
    '%E2%82',
    '%ED%A0%80',
    'eyJ0ZW5hbnQiOiJ0ZW5hbnQtYiJ9',
    'wh_00000000000000000000000000',
    // Node's own parser answers request heads over 16 KiB with a bare 431; stay below to reach the service.
    'x'.repeat(12_000),
  ),
  hostileText.map(percentEncode),
  fc.base64String({ maxLength: 200 }).map(percentEncode),
);

/** A query string (with its `?`), possibly with repeated and unknown parameters. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), hostileQueryValue, fc.boolean()), { maxLength: 5 })
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([name, value, hasEquals]) => (hasEquals || value !== '' ? `${name}=${value}` : name)).join('&')}`,
  );
