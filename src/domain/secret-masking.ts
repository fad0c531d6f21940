/**
 * Keeps a webhook's own secret values out of what the delivery log stores (SPEC sections 6.2, 6.3):
 * request headers are masked by name (the authentication header) and every stored text (header
 * values, response snippets, errors) is scrubbed of each secret in every encoding a receiver may echo
 * it back in. One module, so the delivery log and the failure-log scrubber can share one rule.
 */
import type { AuthenticationInput } from './model';

/** What replaces a secret value. */
export const MASK = '****';

/** The plaintext secrets of one webhook, as the delivery step holds them. */
export interface WebhookSecrets {
  authentication: AuthenticationInput | null;
  /** `whsec_…` values, current first. */
  signingSecrets: readonly string[];
}

/** The secret values (not yet encoded): the authentication header's value, password, Basic pair, token, api-key value, signing secrets. */
export function secretValuesOf(secrets: WebhookSecrets): string[] {
  const values: string[] = [];
  const auth = secrets.authentication;
  // The header values too: base64 of a longer text does not contain the base64 of its parts.
  if (auth?.type === 'basic') {
    const pair = `${auth.username}:${auth.password}`;
    values.push(`Basic ${Buffer.from(pair, 'utf8').toString('base64')}`, pair, auth.password);
  }
  if (auth?.type === 'bearer') values.push(`Bearer ${auth.token}`, auth.token);
  if (auth?.type === 'api_key') values.push(auth.value);
  for (const secret of secrets.signingSecrets) {
    values.push(secret);
    // The key material after the prefix is the part that signs; it may be echoed on its own.
    if (secret.startsWith('whsec_')) values.push(secret.slice('whsec_'.length));
  }
  return values.filter((value) => value.length > 0);
}

/**
 * Every spelling of `value` a receiver might send back: raw, base64 (standard and URL-safe, with and
 * without padding), URL-encoded (component and form style, either hex case), URL-encoded base64, and
 * JSON-escaped. Longest first, so a longer spelling is replaced before a shorter one inside it.
 */
export function encodingsOf(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const base64Url = Buffer.from(value, 'utf8').toString('base64url');
  const spellings = new Set<string>([
    value,
    base64,
    base64.replace(/=+$/, ''),
    base64Url,
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    encodeURIComponent(base64),
    JSON.stringify(value).slice(1, -1),
  ]);
  for (const spelling of [...spellings]) {
    // Percent-encoding may use either hex case (`%2F` or `%2f`).
    spellings.add(spelling.replace(/%[0-9A-F]{2}/g, (escapeSequence) => escapeSequence.toLowerCase()));
  }
  return [...spellings].filter((spelling) => spelling.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of every secret value, in every encoding of `encodingsOf`, by MASK.
 * A short secret masks generously (a password "ab" masks every "ab"): a readable snippet is worth
 * less than a leaked credential.
 */
export function scrubSecrets(text: string, secretValues: readonly string[]): string {
  if (secretValues.length === 0 || text.length === 0) return text;
  const spellings = [...new Set(secretValues.flatMap(encodingsOf))].sort((a, b) => b.length - a.length);
  let scrubbed = text;
  for (const spelling of spellings) scrubbed = scrubbed.split(spelling).join(MASK);
  return scrubbed;
}

/**
 * The request headers as the log shows them: the authentication header keeps only its scheme
 * (`Basic ****`, `Bearer ****`, or `****` for an api-key header), and every other value is scrubbed.
 */
export function maskRequestHeaders(
  headers: Readonly<Record<string, string>>,
  secrets: WebhookSecrets,
): Record<string, string> {
  const values = secretValuesOf(secrets);
  const auth = secrets.authentication;
  const authHeader = auth
    ? auth.type === 'api_key'
      ? auth.headerName.toLowerCase()
      : 'authorization'
    : undefined;
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === authHeader) {
      const scheme = auth?.type === 'basic' ? 'Basic ' : auth?.type === 'bearer' ? 'Bearer ' : '';
      masked[name] = `${scheme}${MASK}`;
    } else {
      masked[name] = scrubSecrets(value, values);
    }
  }
  return masked;
}
