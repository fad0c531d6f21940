/**
 * Standard Webhooks signatures (docs/contract.md#deliveries), so receivers can verify with the public
 * `standardwebhooks` or `svix` libraries.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ValidationError } from './errors';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// The Standard Webhooks spec asks for keys between 24 and 64 bytes.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key inside a `whsec_` secret; ValidationError when the secret is malformed. */
export function decodeSigningSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    // Never echo the secret itself: the message may reach a log.
    throw new ValidationError('malformed signing secret: expected whsec_ followed by base64 of 24-64 bytes', [
      { field: 'signingSecret', message: 'malformed signing secret' },
    ]);
  }
  return key;
}

/**
 * The `webhook-signature` header value: one `v1,<base64 HMAC-SHA256>` per secret, space-separated,
 * current secret first, so a receiver holding either secret during a rotation can verify.
 */
export function signPayload(
  secrets: readonly string[],
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  if (secrets.length === 0) {
    throw new ValidationError('no signing secret to sign with', [
      { field: 'signingSecret', message: 'at least one signing secret is required' },
    ]);
  }
  const signedContent = `${messageId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => {
      const digest = createHmac('sha256', decodeSigningSecret(secret)).update(signedContent).digest('base64');
      return `v1,${digest}`;
    })
    .join(' ');
}
