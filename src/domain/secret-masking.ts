/**
 * Request headers as the delivery log shows them (docs/contract.md#isolation, #delivery-log): the authentication header
 * keeps only its scheme, a secret custom header (#secret-headers) is replaced whole, and every other value goes through the webhook's secret scrubber
 * (`secret-scrubber.ts`, the one rule for every encoding a secret may come back in).
 */
import { authenticationHeaderMask } from './auth-kinds/registry';
import type { AuthenticationInput } from './model';
import { type ScrubText, scrubberForCredentials } from './secret-scrubber';

/** What replaces the credential in the authentication header. */
export const MASK = '****';

/**
 * Headers whose values the service computes on every attempt and no custom header may replace
 * (delivery-request.ts): an HMAC digest and a number in seconds. They carry no secret, so they are
 * not scrubbed: the signature, two base64 digests that change per attempt, was the costliest value
 * left to scrub on each delivery once the webhook's own header values are remembered
 * (docs/contract.md#limits: bounded per-delivery work).
 */
const SERVICE_COMPUTED_HEADERS = new Set(['webhook-signature', 'webhook-timestamp']);

/** The plaintext secrets of one webhook, as the delivery step holds them. */
export interface WebhookSecrets {
  authentication: AuthenticationInput | null;
  /** `whsec_…` values, current first. */
  signingSecrets: readonly string[];
  /** Secret custom headers' values by name (docs/contract.md#secret-headers). */
  secretHeaders?: Readonly<Record<string, string>>;
}

/**
 * The request headers with the authentication header reduced to its scheme (`Basic ****`,
 * `Bearer ****`, or `****` for an api-key header), the service's own signature and timestamp as they
 * are, and every other value scrubbed by `scrub`
 * (default: the scrubber of `secrets`).
 */
export function maskRequestHeaders(
  headers: Readonly<Record<string, string>>,
  secrets: WebhookSecrets,
  scrub: ScrubText = scrubberForCredentials(secrets),
): Record<string, string> {
  const maskHeader = headerMaskFor(secrets, scrub);
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) masked[name] = maskHeader(name, value);
  return masked;
}

/**
 * One header's value as `maskRequestHeaders` shows it, with what the masking needs worked out once
 * (the authentication header's name, the secret headers' names), for a caller that masks a
 * request's headers one at a time.
 */
export function headerMaskFor(
  secrets: WebhookSecrets,
  scrub: ScrubText,
): (name: string, value: string) => string {
  const authHeader = secrets.authentication ? authenticationHeaderMask(secrets.authentication) : undefined;
  const secretNames = new Set(Object.keys(secrets.secretHeaders ?? {}).map((name) => name.toLowerCase()));
  return (name, value) => {
    const lowerName = name.toLowerCase();
    if (lowerName === authHeader?.name) return `${authHeader.prefix}${MASK}`;
    if (secretNames.has(lowerName)) return MASK;
    if (SERVICE_COMPUTED_HEADERS.has(lowerName)) return value;
    return scrub(value);
  };
}
