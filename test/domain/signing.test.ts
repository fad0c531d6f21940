import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import { decodeSigningSecret, generateSigningSecret, signPayload } from '#domain/signing';

const VECTOR = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function headersFor(id: string, timestamp: number, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

describe('generateSigningSecret', () => {
  it('makes whsec_ plus base64 of 32 random bytes, different every time', () => {
    const first = generateSigningSecret();
    const second = generateSigningSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(first.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(first).not.toBe(second);
  });
});

describe('signPayload', () => {
  it('matches the Standard Webhooks test vector', () => {
    expect(signPayload([VECTOR.secret], VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('is accepted by the standardwebhooks verifier', () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'message.created', data: { text: 'héllo' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signPayload([secret], 'evt_1', timestamp, body);
    expect(new Webhook(secret).verify(body, headersFor('evt_1', timestamp, signature))).toEqual(
      JSON.parse(body),
    );
  });

  it('signs with every secret during a rotation, current first, and each verifies alone', () => {
    const current = generateSigningSecret();
    const previous = generateSigningSecret();
    const body = '{"id":"evt_2"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signPayload([current, previous], 'evt_2', timestamp, body);

    const parts = signature.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(signPayload([current], 'evt_2', timestamp, body));
    expect(parts[1]).toBe(signPayload([previous], 'evt_2', timestamp, body));
    for (const secret of [current, previous]) {
      expect(() => new Webhook(secret).verify(body, headersFor('evt_2', timestamp, signature))).not.toThrow();
    }
    expect(() =>
      new Webhook(generateSigningSecret()).verify(body, headersFor('evt_2', timestamp, signature)),
    ).toThrow();
  });

  it('changes when the body, id or timestamp changes', () => {
    const base = signPayload([VECTOR.secret], VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(signPayload([VECTOR.secret], VECTOR.id, VECTOR.timestamp, `${VECTOR.body} `)).not.toBe(base);
    expect(signPayload([VECTOR.secret], 'msg_other', VECTOR.timestamp, VECTOR.body)).not.toBe(base);
    expect(signPayload([VECTOR.secret], VECTOR.id, VECTOR.timestamp + 1, VECTOR.body)).not.toBe(base);
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['wrong prefix', 'whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['not base64', 'whsec_not*base64*at*all*really!!'],
    ['too short', `whsec_${Buffer.alloc(8).toString('base64')}`],
    ['too long', `whsec_${Buffer.alloc(100).toString('base64')}`],
    ['empty', 'whsec_'],
  ])('refuses a malformed secret (%s) with a ValidationError that does not echo it', (_label, secret) => {
    let thrown: unknown;
    try {
      signPayload([secret], 'msg', 1, '{}');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as Error).message).not.toContain(secret.slice(6) || 'whsec_x');
  });

  it('refuses to sign with no secret at all', () => {
    expect(() => signPayload([], 'msg', 1, '{}')).toThrow(ValidationError);
  });

  it('decodes the key the secret carries', () => {
    const key = Buffer.alloc(32, 7);
    expect(decodeSigningSecret(`whsec_${key.toString('base64')}`).equals(key)).toBe(true);
  });
});
