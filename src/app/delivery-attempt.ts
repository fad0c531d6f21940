/**
 * The attempt stage of a delivery (admit → attempt → settle → record, src/app/delivery/task.ts):
 * signs and sends one request to the webhook as it is now, and hands on what it produced, its
 * request's headers already masked for the delivery log. Also what the admin API's test route sends with.
 */
import { buildDeliveryRequest, type DeliveryCredentials } from '#domain/delivery-request';
import type { AttemptOutcome } from '#domain/delivery-sender';
import type { DeliveryAttempt, EventEnvelope, StoredWebhook } from '#domain/model';
import { maskRequestHeaders } from '#domain/secret-masking';
import {
  rememberingScrubber,
  type ScrubText,
  scrubAttemptOutcome,
  scrubberForCredentials,
} from '#domain/secret-scrubber';
import { describeError } from '#observability';
import { loadDeliveryCredentials } from './credentials';
import type { SentRequest } from './delivery-log';
import type { Services } from './services';

/**
 * What one attempt produced: what the sender reported, the attempt as the task keeps it, and the
 * request as the delivery log keeps it (headers masked, with the scrubber of the webhook's secrets).
 */
export interface AttemptResult {
  outcome: AttemptOutcome;
  attempt: DeliveryAttempt;
  sent: SentRequest;
}

/**
 * One remembering scrubber per credentials object. The credential cache hands out the same immutable
 * DeliveryCredentials for a webhook version until its TTL (credentials.ts), so a webhook's scrubber is
 * built, and each of its header values scrubbed, once per cache entry rather than once per delivery;
 * entries go with the credentials they belong to (a WeakMap keeps nothing alive).
 */
const scrubbers = new WeakMap<DeliveryCredentials, ScrubText>();

/** The scrubber of `credentials`' secrets, shared by every delivery that uses the same credentials. */
export function deliveryScrubberFor(credentials: DeliveryCredentials): ScrubText {
  let scrub = scrubbers.get(credentials);
  if (!scrub) {
    scrub = rememberingScrubber(scrubberForCredentials(credentials));
    scrubbers.set(credentials, scrub);
  }
  return scrub;
}

/** `{ host }` of a webhook's URL (with its port when not the default), or nothing when it does not parse. */
function destinationHost(url: string): { host?: string } {
  try {
    return { host: new URL(url).host };
  } catch {
    return {};
  }
}

/**
 * Signs and sends one attempt of `event` to `webhook` as it is now (also what the admin API's test
 * route uses). A request that cannot be built comes back as a sender failure, never a throw; only a
 * failure to load the webhook's credentials (the key store) throws.
 */
export async function attemptDelivery(
  services: Pick<Services, 'cipher' | 'clock' | 'credentialCache' | 'deliveryPolicy' | 'sender'>,
  webhook: StoredWebhook,
  event: EventEnvelope,
  orderingKey?: string,
): Promise<AttemptResult> {
  const credentials = await loadDeliveryCredentials(services, webhook);
  // docs/contract.md#deliveries: webhook-timestamp is the time of this attempt; nothing waits between signing and sending.
  const attemptAt = services.clock.now();
  let outcome: AttemptOutcome;
  let requestHeaders: Record<string, string> = {};
  const scrub = deliveryScrubberFor(credentials);
  try {
    const request = buildDeliveryRequest({
      event,
      webhook,
      credentials,
      attemptAt,
      userAgent: services.deliveryPolicy.userAgent,
      orderingKey,
    });
    requestHeaders = request.headers;
    outcome = await services.sender.send(request, { timeoutMs: services.deliveryPolicy.attemptTimeoutMs });
  } catch (error) {
    outcome = {
      isSuccess: false,
      isSenderFailure: true,
      error: `not sent: the request could not be built (${describeError(error)})`,
      durationMs: 0,
    };
  }
  // docs/contract.md#isolation: what the receiver sent back (or an error describing the request) may echo the
  // webhook's secrets; scrubbed before any use.
  outcome = scrubAttemptOutcome(outcome, scrub);
  const attempt: DeliveryAttempt = {
    at: attemptAt.toISOString(),
    ...destinationHost(webhook.url),
    durationMs: outcome.durationMs,
  };
  if (outcome.statusCode !== undefined) attempt.statusCode = outcome.statusCode;
  if (outcome.error !== undefined) attempt.error = outcome.error;
  if (outcome.responseSnippet !== undefined) attempt.responseSnippet = outcome.responseSnippet;
  // Masked here, where the credentials are at hand: the plaintext headers never leave this stage.
  return {
    outcome,
    attempt,
    sent: { maskedHeaders: maskRequestHeaders(requestHeaders, credentials, scrub), scrub },
  };
}
