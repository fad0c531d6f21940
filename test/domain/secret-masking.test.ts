import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK, maskRequestHeaders, type WebhookSecrets } from '#domain/secret-masking';
import { SCRUBBED, secretScrubberFor, webhookSecretValues } from '#domain/secret-scrubber';

const secretValuesOf = webhookSecretValues;
const scrubSecrets = (text: string, values: readonly string[]) => secretScrubberFor(values)(text);

/** Credential values as the API accepts them: visible ASCII and space, no leading or trailing space. */
const credential = fc
  .string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    minLength: 4,
    maxLength: 40,
  })
  .filter((value) => value.trim() === value);

const secretsArbitrary: fc.Arbitrary<WebhookSecrets> = fc.oneof(
  fc.record({
    authentication: fc.record({
      type: fc.constant('basic' as const),
      username: credential,
      password: credential,
    }),
    signingSecrets: fc.constant([]),
  }),
  fc.record({
    authentication: fc.record({ type: fc.constant('bearer' as const), token: credential }),
    signingSecrets: fc.constant([]),
  }),
  fc.record({
    authentication: fc.record({
      type: fc.constant('api_key' as const),
      headerName: fc.constant('X-Api-Key'),
      value: credential,
    }),
    signingSecrets: fc.constant([]),
  }),
  fc.record({
    authentication: fc.constant(null),
    signingSecrets: fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => [`whsec_${Buffer.from(bytes).toString('base64')}`]),
  }),
);

/** How a receiver may echo a value back: every encoding the issue names, and a few it implies. */
const encoders: [string, (value: string) => string][] = [
  ['raw', (value) => value],
  ['base64', (value) => Buffer.from(value).toString('base64')],
  ['base64url', (value) => Buffer.from(value).toString('base64url')],
  ['url-encoded', (value) => encodeURIComponent(value)],
  [
    'url-encoded lower-case hex',
    (value) => encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  ],
  ['form-encoded', (value) => encodeURIComponent(value).replace(/%20/g, '+')],
  ['JSON-escaped', (value) => JSON.stringify(value).slice(1, -1)],
  ['url-encoded base64', (value) => encodeURIComponent(Buffer.from(value).toString('base64'))],
];

/** The strings that must never survive: each secret value (and the header values built from them). */
function forbiddenOf(secrets: WebhookSecrets): string[] {
  const auth = secrets.authentication;
  const values = secretValuesOf(secrets);
  if (auth?.type === 'basic')
    values.push(`Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`);
  if (auth?.type === 'bearer') values.push(`Bearer ${auth.token}`);
  return values;
}

describe('the secret scrubber, against every encoding the delivery log must withstand', () => {
  it('leaves no secret value in any encoding a receiver may echo (property)', () => {
    fc.assert(
      fc.property(
        secretsArbitrary,
        fc.constantFrom(...encoders),
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        (secrets, [, encode], before, after) => {
          // Text ending in `%`, `&` or a backslash glued to the secret makes an escape of its first characters
          // (`%` + `00…` reads as `%00`): which reading is meant is undecidable, and out of the class held.
          fc.pre(!/[%&\\]$/.test(before));
          const values = secretValuesOf(secrets);
          for (const secret of forbiddenOf(secrets)) {
            const echoed = `${before}${encode(secret)}${after}`;
            const scrubbed = scrubSecrets(echoed, values);
            for (const value of values) {
              for (const [, encodeAgain] of encoders) expect(scrubbed).not.toContain(encodeAgain(value));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps text that holds no secret unchanged', () => {
    expect(scrubSecrets('{"ok":true}', ['s3cr3t-token'])).toBe('{"ok":true}');
    expect(scrubSecrets('Authorization: Bearer s3cr3t-token', ['s3cr3t-token'])).toBe(
      `Authorization: Bearer ${SCRUBBED}`,
    );
  });
});

describe('maskRequestHeaders', () => {
  it('keeps only the scheme of the authentication header and scrubs every other value (property)', () => {
    fc.assert(
      fc.property(secretsArbitrary, (secrets) => {
        const auth = secrets.authentication;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'webhook-id': 'evt_1',
          // A custom header that happens to carry a secret in an encoding.
          'x-echo': encodeURIComponent(secretValuesOf(secrets)[0] ?? ''),
        };
        if (auth?.type === 'basic')
          headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        if (auth?.type === 'bearer') headers.authorization = `Bearer ${auth.token}`;
        if (auth?.type === 'api_key') headers['x-api-key'] = auth.value;
        const masked = maskRequestHeaders(headers, secrets);
        const text = JSON.stringify(masked);
        for (const value of secretValuesOf(secrets)) {
          for (const [, encode] of encoders) expect(text).not.toContain(encode(value));
        }
        if (auth?.type === 'basic') expect(masked.authorization).toBe(`Basic ${MASK}`);
        if (auth?.type === 'bearer') expect(masked.authorization).toBe(`Bearer ${MASK}`);
        if (auth?.type === 'api_key') expect(masked['x-api-key']).toBe(MASK);
        expect(masked['webhook-id']).toBe('evt_1');
      }),
      { numRuns: 200 },
    );
  });
});

describe('maskRequestHeaders: bounded per-delivery work (docs/contract.md#limits)', () => {
  it('passes the service-computed signature and timestamp through without scrubbing, and scrubs every other value', () => {
    const scrubbed: string[] = [];
    const masked = maskRequestHeaders(
      {
        'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,AAAA',
        'webhook-timestamp': '1767225600',
        'webhook-id': 'evt_1',
        'x-custom': 'value',
      },
      { authentication: null, signingSecrets: [] },
      (text) => {
        scrubbed.push(text);
        return text;
      },
    );
    expect(masked['webhook-signature']).toBe('v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,AAAA');
    expect(masked['webhook-timestamp']).toBe('1767225600');
    expect(scrubbed.sort()).toEqual(['evt_1', 'value']);
  });
});

describe('secret custom headers (docs/contract.md#secret-headers)', () => {
  it('masks a secret header whole, whatever its case, and scrubs its value from every other header', () => {
    const secrets: WebhookSecrets = {
      authentication: null,
      signingSecrets: [],
      secretHeaders: { 'X-Api-Secret': 'hdr-Secret-value-91' },
    };
    const masked = maskRequestHeaders(
      { 'x-api-secret': 'hdr-Secret-value-91', 'x-public': 'p', 'x-echo': 'was hdr-Secret-value-91' },
      secrets,
    );
    expect(masked['x-api-secret']).toBe(MASK);
    expect(masked['x-public']).toBe('p');
    expect(JSON.stringify(masked)).not.toContain('hdr-Secret-value-91');
    expect(webhookSecretValues(secrets)).toContain('hdr-Secret-value-91');
  });

  it('scrubs a secret header value echoed whole, base64-encoded or URL-encoded inside a JSON body', () => {
    fc.assert(
      fc.property(
        credential.filter((value) => value.length >= 12),
        fc.constantFrom('', 'echo: ', '{"x-s":"'),
        (value, prefix) => {
          const scrub = secretScrubberFor(
            webhookSecretValues({
              authentication: null,
              signingSecrets: [],
              secretHeaders: { 'X-S': value },
            }),
          );
          for (const encoded of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)])
            expect(scrub(`${prefix}${encoded}"}`)).not.toContain(encoded);
        },
      ),
      { numRuns: 100 },
    );
  });
});
