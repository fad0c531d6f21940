import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthenticationInput } from '#domain/model';
import {
  encodingsOf,
  SCRUBBED,
  scrubAttemptOutcome,
  secretScrubberFor,
  webhookSecretValues,
} from '#domain/secret-scrubber';
import { generateSigningSecret } from '#domain/signing';

/** Credential values as the API accepts them: visible ASCII and space, no surrounding space. */
const credentialValue = fc
  .string({
    unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'),
    minLength: 8,
    maxLength: 40,
  })
  .map((value) => value.trim())
  .filter((value) => value.length >= 8);

const authentication: fc.Arbitrary<AuthenticationInput> = fc.oneof(
  fc.record({
    type: fc.constant('basic' as const),
    username: fc.stringMatching(/^[a-z]{1,10}$/),
    password: credentialValue,
  }),
  fc.record({ type: fc.constant('bearer' as const), token: credentialValue }),
  fc.record({
    type: fc.constant('api_key' as const),
    headerName: fc.constant('x-api-key'),
    value: credentialValue,
  }),
);

/** Ways a receiver hands a value back: as is, in JSON, in a redirect Location, in headers it echoes. */
const echoes: ((value: string) => string)[] = [
  (value) => value,
  (value) => JSON.stringify({ headers: { authorization: value } }),
  (value) => `redirect not followed: 302 to https://evil.example/?h=${encodeURIComponent(value)}`,
  (value) => `https://evil.example/?h=${encodeURIComponent(value).replace(/%20/g, '+')}`,
  (value) => Buffer.from(value).toString('base64'),
  (value) => Buffer.from(value).toString('base64url'),
  (value) => encodeURIComponent(value).toLowerCase(),
  (value) =>
    `<p>${value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`,
];

/** Everything an attacker-controlled receiver could send back that carries the secret. */
function wireForms(auth: AuthenticationInput, signingSecret: string): string[] {
  const forms = [signingSecret, signingSecret.slice('whsec_'.length)];
  if (auth.type === 'basic') {
    const pair = `${auth.username}:${auth.password}`;
    forms.push(auth.password, pair, `Basic ${Buffer.from(pair).toString('base64')}`);
  }
  if (auth.type === 'bearer') forms.push(auth.token, `Bearer ${auth.token}`);
  if (auth.type === 'api_key') forms.push(auth.value);
  return forms;
}

describe('secretScrubberFor', () => {
  it('leaves no secret value in any echoed encoding, and keeps the text around it', () => {
    fc.assert(
      fc.property(
        authentication,
        fc.constantFrom(...echoes),
        fc.string({ maxLength: 20 }),
        fc.nat(),
        (auth, echo, padding, pick) => {
          const signingSecret = generateSigningSecret();
          const scrub = secretScrubberFor(
            webhookSecretValues({ signingSecrets: [signingSecret], authentication: auth }),
          );
          const forms = wireForms(auth, signingSecret);
          const value = forms[pick % forms.length]!;
          const text = `before ${padding} ${echo(value)} after`;
          const scrubbed = scrub(text);
          for (const form of forms) {
            for (const encoding of encodingsOf(form)) {
              if (encoding.length >= 4) expect(scrubbed.toLowerCase()).not.toContain(encoding.toLowerCase());
            }
          }
          expect(scrubbed).toContain(SCRUBBED);
          expect(scrubbed.startsWith('before ')).toBe(true);
          expect(scrubbed.endsWith(' after')).toBe(true);
        },
      ),
    );
  });

  it('catches the cases of the issue: Bearer%20…, the Basic base64, an api-key value', () => {
    const scrub = secretScrubberFor(
      webhookSecretValues({
        signingSecrets: [],
        authentication: { type: 'basic', username: 'crm', password: 'p:ss w0rd' },
      }),
    );
    const basic = Buffer.from('crm:p:ss w0rd').toString('base64');
    expect(scrub(`{"authorization":"Basic ${basic}"}`)).not.toContain(basic);
    const bearer = secretScrubberFor(
      webhookSecretValues({ signingSecrets: [], authentication: { type: 'bearer', token: 'tok-123456' } }),
    );
    expect(bearer('302 to https://x.example/?a=Bearer%20tok-123456')).toBe(
      `302 to https://x.example/?a=${SCRUBBED}`,
    );
    const apiKey = secretScrubberFor(
      webhookSecretValues({
        signingSecrets: [],
        authentication: { type: 'api_key', headerName: 'x-api-key', value: 'k3y-v4lue' },
      }),
    );
    expect(apiKey('{"x-api-key":"k3y-v4lue"}')).toBe(`{"x-api-key":"${SCRUBBED}"}`);
  });

  it('scrubs the signing key’s bytes in every alphabet a receiver holding it may print: base64url, unpadded, hex', () => {
    fc.assert(
      fc.property(fc.constantFrom(...echoes), (echo) => {
        const signingSecret = generateSigningSecret();
        const key = Buffer.from(signingSecret.slice('whsec_'.length), 'base64');
        const scrub = secretScrubberFor(
          webhookSecretValues({ signingSecrets: [signingSecret], authentication: null }),
        );
        for (const form of [
          key.toString('base64url'),
          `${key.toString('base64url')}=`,
          key.toString('base64').replace(/=+$/, ''),
          key.toString('hex'),
        ]) {
          const scrubbed = scrub(`key ${echo(form)} end`);
          expect(scrubbed).toContain(SCRUBBED);
          expect(scrubbed.toLowerCase()).not.toContain(form.toLowerCase());
        }
      }),
    );
  });

  it('returns text unchanged when there is nothing to scrub, and scrubs an outcome’s error and snippet only', () => {
    const none = secretScrubberFor([]);
    expect(none('Bearer abc')).toBe('Bearer abc');
    const scrub = secretScrubberFor(['s3cret-value']);
    expect(
      scrubAttemptOutcome(
        {
          isSuccess: false,
          statusCode: 302,
          durationMs: 4,
          error: 'to ?q=s3cret-value',
          responseSnippet: 's3cret-value',
        },
        scrub,
      ),
    ).toEqual({
      isSuccess: false,
      statusCode: 302,
      durationMs: 4,
      error: `to ?q=${SCRUBBED}`,
      responseSnippet: SCRUBBED,
    });
  });
});
