/**
 * Removes a webhook's own secret values from text a receiver controls, before anything is stored or
 * logged (SPEC section 6.2). A receiver may echo the request back: in its body (a response snippet),
 * in a redirect's Location (the attempt's error), JSON-, URL- or base64-encoded. Pattern-based
 * redaction cannot know a token that looks like nothing in particular; this module knows the exact
 * values, so it catches them in every encoding they could come back in.
 *
 * Use:
 *   const scrub = secretScrubberFor(webhookSecretValues(credentials));
 *   const safe = scrub(untrustedText); // every secret occurrence becomes "[redacted]"
 *
 * `secretScrubberFor` takes plain strings, so any caller holding secret values (the delivery log's
 * request headers included) can use it; `webhookSecretValues` lists a webhook's: the signing
 * secrets, and the forms its authentication kind sends its secret in (the Basic password and
 * `user:pass` pair, the bearer token, the api-key value; see `auth-kinds/`).
 */
import { authenticationSecretValues } from './auth-kinds/registry';
import type { AttemptOutcome } from './delivery-sender';
import type { AuthenticationInput } from './model';

/** What a secret is replaced with. */
export const SCRUBBED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: replacing every "ab" in a response would destroy it,
 * and two characters give an attacker nothing. Credential rules keep real secrets far longer.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** Text in, the same text with every occurrence of the secret values replaced by SCRUBBED. */
export type ScrubText = (text: string) => string;

/** The secret values one webhook sends, as they appear on the wire and in its settings. */
export function webhookSecretValues(credentials: {
  signingSecrets: readonly string[];
  authentication: AuthenticationInput | null;
}): string[] {
  const values: string[] = [];
  for (const secret of credentials.signingSecrets) {
    values.push(secret);
    // The key itself is the base64 after `whsec_`; a receiver holding it may print its bytes in
    // another alphabet (base64url as JWT libraries do, unpadded, hex), which `encodingsOf` of the
    // base64 text does not produce.
    if (secret.startsWith('whsec_')) {
      const keyText = secret.slice('whsec_'.length);
      const key = Buffer.from(keyText, 'base64');
      const urlSafe = keyText.replace(/\+/g, '-').replace(/\//g, '_');
      values.push(
        keyText,
        keyText.replace(/=+$/, ''),
        urlSafe,
        key.toString('base64url'),
        key.toString('hex'),
      );
    }
  }
  if (credentials.authentication) values.push(...authenticationSecretValues(credentials.authentication));
  return values;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Every form in which `value` could come back inside text. */
export function encodingsOf(value: string): string[] {
  const encoded = base64(value);
  const formEncoded = encodeURIComponent(value).replace(/%20/g, '+');
  const forms = [
    value,
    // As a JSON string's content (a receiver echoing headers as JSON) and as HTML text.
    JSON.stringify(value).slice(1, -1),
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    // URL-encoded, as in a Location or query string (`Bearer%20…`, `Bearer+…`), and twice-encoded.
    encodeURIComponent(value),
    formEncoded,
    encodeURI(value),
    encodeURIComponent(encodeURIComponent(value)),
    // Base64 in both alphabets, padded or not.
    encoded,
    encoded.replace(/=+$/, ''),
    encoded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    encodeURIComponent(encoded),
    Buffer.from(value, 'utf8').toString('hex'),
  ];
  return [...new Set(forms)];
}

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that replaces every occurrence of the given secret values, in every encoding of
 * `encodingsOf`, with SCRUBBED. Matching ignores case (percent-encoding and hex may come back in
 * either case; over-matching only hides more). Values under MIN_SCRUBBED_LENGTH are skipped; with
 * nothing to scrub the function returns its input unchanged.
 */
export function secretScrubberFor(secretValues: readonly string[]): ScrubText {
  const needles = new Set<string>();
  for (const value of secretValues) {
    if (value.length < MIN_SCRUBBED_LENGTH) continue;
    for (const form of encodingsOf(value)) if (form.length >= MIN_SCRUBBED_LENGTH) needles.add(form);
  }
  if (needles.size === 0) return (text) => text;
  // Longest first, so a value inside a longer form (the token inside `Bearer token`) goes whole.
  const pattern = new RegExp(
    [...needles]
      .sort((left, right) => right.length - left.length)
      .map(escapeForRegExp)
      .join('|'),
    'gi',
  );
  return (text) => text.replace(pattern, SCRUBBED);
}

const scrubberByCredentials = new WeakMap<object, ScrubText>();

/**
 * The scrubber of one webhook's credentials (`webhookSecretValues`), built once per credentials
 * object: deliveries reuse cached credentials, so the pattern is not rebuilt on every attempt.
 */
export function scrubberForCredentials(credentials: {
  signingSecrets: readonly string[];
  authentication: AuthenticationInput | null;
}): ScrubText {
  let scrub = scrubberByCredentials.get(credentials);
  if (!scrub) {
    scrub = secretScrubberFor(webhookSecretValues(credentials));
    scrubberByCredentials.set(credentials, scrub);
  }
  return scrub;
}

/** The outcome with its receiver-controlled text (error, response snippet) scrubbed. */
export function scrubAttemptOutcome(outcome: AttemptOutcome, scrub: ScrubText): AttemptOutcome {
  const scrubbed: AttemptOutcome = { ...outcome };
  if (outcome.error !== undefined) scrubbed.error = scrub(outcome.error);
  if (outcome.responseSnippet !== undefined) scrubbed.responseSnippet = scrub(outcome.responseSnippet);
  return scrubbed;
}
