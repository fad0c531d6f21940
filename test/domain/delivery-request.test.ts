import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildDeliveryRequest, DeliveryCredentials, deliveryBodyOf } from '#domain/delivery-request';
import { ValidationError } from '#domain/errors';
import type { EventEnvelope } from '#domain/model';
import { generateSigningSecret } from '#domain/signing';

const event: EventEnvelope = {
  id: 'evt_01HZX',
  type: 'message.created',
  timestamp: '2026-05-01T12:00:00.000Z',
  tenantId: 'tenant-a',
  brandId: 'brand-1',
  data: { conversationId: 'c1', message: { id: 'm1', text: 'hi' } },
};
const attemptAt = new Date();
const attemptSeconds = Math.floor(attemptAt.getTime() / 1000);

function webhook(overrides: { headers?: Record<string, string>; signing?: { enabled: boolean } } = {}) {
  return {
    url: 'https://hooks.example.com/in',
    headers: overrides.headers ?? {},
    signing: overrides.signing ?? { enabled: true },
  };
}

describe('DeliveryCredentials', () => {
  const credentials = new DeliveryCredentials(['whsec_SECRETSECRETSECRETSECRETSECRET'], {
    type: 'basic',
    username: 'svc',
    password: 'hunter2-password',
  });

  it('exposes the secrets to code that asks for them', () => {
    expect(credentials.signingSecrets).toEqual(['whsec_SECRETSECRETSECRETSECRETSECRET']);
    expect(credentials.authentication).toEqual({
      type: 'basic',
      username: 'svc',
      password: 'hunter2-password',
    });
  });

  it('never shows them through JSON, strings, inspect or spreading', () => {
    const renderings = [
      JSON.stringify({ credentials }),
      String(credentials),
      `${credentials}`,
      inspect(credentials, { depth: 10, showHidden: true }),
      inspect({ nested: { credentials } }),
      JSON.stringify({ ...credentials }),
    ];
    for (const rendering of renderings) {
      expect(rendering).not.toContain('SECRETSECRET');
      expect(rendering).not.toContain('hunter2');
    }
    expect(JSON.stringify({ credentials })).toBe('{"credentials":"[redacted]"}');
    expect(inspect(credentials)).toBe('[redacted]');
  });
});

describe('buildDeliveryRequest', () => {
  it('sends the envelope with exactly the contract keys, in order', () => {
    const request = buildDeliveryRequest({
      event: { ...event, extra: 'not sent' } as EventEnvelope,
      webhook: webhook({ signing: { enabled: false } }),
      credentials: new DeliveryCredentials([], null),
      attemptAt,
      userAgent: 'chat-webhooks/1.2.3',
    });
    expect(request.url).toBe('https://hooks.example.com/in');
    expect(Object.keys(JSON.parse(request.body))).toEqual([
      'id',
      'type',
      'timestamp',
      'tenantId',
      'brandId',
      'data',
    ]);
    expect(JSON.parse(request.body)).toEqual(event);
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'chat-webhooks/1.2.3',
      'webhook-id': 'evt_01HZX',
      'webhook-timestamp': String(attemptSeconds),
    });
  });

  it('signs with every secret so the standardwebhooks verifier accepts either', () => {
    const current = generateSigningSecret();
    const previous = generateSigningSecret();
    const request = buildDeliveryRequest({
      event,
      webhook: webhook(),
      credentials: new DeliveryCredentials([current, previous], null),
      attemptAt,
      userAgent: 'chat-webhooks/1.2.3',
    });
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) {
      expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(event);
    }
  });

  it('refuses to send unsigned when signing is on but no secret is available', () => {
    expect(() =>
      buildDeliveryRequest({
        event,
        webhook: webhook(),
        credentials: new DeliveryCredentials([], null),
        attemptAt,
        userAgent: 'ua',
      }),
    ).toThrow(ValidationError);
  });

  it.each([
    [{ type: 'basic', username: 'svc', password: 'p:w' } as const, 'authorization', 'Basic c3ZjOnA6dw=='],
    [{ type: 'bearer', token: 'tok_123' } as const, 'authorization', 'Bearer tok_123'],
    [{ type: 'api_key', headerName: 'X-Api-Key', value: 'key_123' } as const, 'x-api-key', 'key_123'],
  ])('adds the %o authentication header', (authentication, name, value) => {
    const request = buildDeliveryRequest({
      event,
      webhook: webhook({ signing: { enabled: false } }),
      credentials: new DeliveryCredentials([], authentication),
      attemptAt,
      userAgent: 'ua',
    });
    expect(request.headers[name]).toBe(value);
  });

  it('adds custom headers but never lets them replace protocol or authentication headers', () => {
    const secret = generateSigningSecret();
    const request = buildDeliveryRequest({
      event,
      webhook: webhook({
        // Stored webhooks come from JSON, where `__proto__` is an ordinary key.
        headers: {
          ...JSON.parse('{"__proto__":"kept as a header"}'),
          'X-Tenant-Tag': 'blue',
          'Content-Type': 'text/plain',
          'User-Agent': 'spoof',
          'Webhook-Signature': 'v1,forged',
          'webhook-id': 'forged',
          Authorization: 'Bearer forged',
          Host: 'evil.example',
        },
      }),
      credentials: new DeliveryCredentials([secret], { type: 'bearer', token: 'real' }),
      attemptAt,
      userAgent: 'chat-webhooks/1.2.3',
    });
    expect(request.headers['x-tenant-tag']).toBe('blue');
    expect(Object.hasOwn(request.headers, '__proto__')).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('chat-webhooks/1.2.3');
    expect(request.headers['webhook-id']).toBe('evt_01HZX');
    expect(request.headers.authorization).toBe('Bearer real');
    expect(request.headers).not.toHaveProperty('host');
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(event);
  });

  it('sends a secret custom header with the value its credentials decrypted, and never without one', () => {
    const stored = {
      url: 'https://hooks.example.com/in',
      headers: { 'X-Public': 'p', 'X-Api-Secret': { secret: true as const, encryptedValue: 'ciphertext' } },
      signing: { enabled: false },
    };
    const request = buildDeliveryRequest({
      event,
      webhook: stored,
      credentials: new DeliveryCredentials([], null, { 'X-Api-Secret': 'hdr-value' }),
      attemptAt,
      userAgent: 'chat-webhooks/1.2.3',
    });
    expect(request.headers['x-api-secret']).toBe('hdr-value');
    expect(request.headers['x-public']).toBe('p');
    expect(JSON.stringify(request.headers)).not.toContain('ciphertext');
    expect(() =>
      buildDeliveryRequest({
        event,
        webhook: stored,
        credentials: new DeliveryCredentials([], null),
        attemptAt,
        userAgent: 'chat-webhooks/1.2.3',
      }),
    ).toThrow(/X-Api-Secret/);
    const credentials = new DeliveryCredentials([], null, { 'X-Api-Secret': 'hdr-value' });
    expect(JSON.stringify({ credentials })).not.toContain('hdr-value');
    expect(inspect(credentials, { depth: 10, showHidden: true })).not.toContain('hdr-value');
  });

  it('passes a custom Authorization header when no authentication is set', () => {
    const request = buildDeliveryRequest({
      event,
      webhook: webhook({ signing: { enabled: false }, headers: { Authorization: 'Token abc' } }),
      credentials: new DeliveryCredentials([], null),
      attemptAt,
      userAgent: 'ua',
    });
    expect(request.headers.authorization).toBe('Token abc');
  });

  it('keeps an api-key header from replacing a protocol header', () => {
    const request = buildDeliveryRequest({
      event,
      webhook: webhook({ signing: { enabled: false } }),
      credentials: new DeliveryCredentials([], { type: 'api_key', headerName: 'Webhook-Id', value: 'x' }),
      attemptAt,
      userAgent: 'ua',
    });
    expect(request.headers['webhook-id']).toBe('evt_01HZX');
  });
});

describe('deliveryBodyOf (payload shared, not copied: docs/contract.md#limits)', () => {
  it('serialises an event once however many webhooks of a group task are sent it, byte for byte the contract body', () => {
    const big: EventEnvelope = { ...event, data: { ...event.data, padding: 'x'.repeat(200_000) } };
    const bodies = ['wh_1', 'wh_2', 'wh_3'].map(
      () =>
        buildDeliveryRequest({
          event: big,
          webhook: webhook(),
          credentials: new DeliveryCredentials([generateSigningSecret()], null),
          attemptAt,
          userAgent: 'test',
        }).body,
    );
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[2]).toBe(bodies[0]);
    expect(deliveryBodyOf(big)).toBe(bodies[0]);
    const { id, type, timestamp, tenantId, brandId, data } = big;
    expect(bodies[0]).toBe(JSON.stringify({ id, type, timestamp, tenantId, brandId, data }));
    // Another envelope with other data gets its own body.
    expect(deliveryBodyOf({ ...big, data: { conversationId: 'c2' } })).toContain('"c2"');
  });
});
