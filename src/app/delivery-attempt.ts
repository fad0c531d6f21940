/**
 * The attempt stage of a delivery (admit → attempt → settle → record, src/app/delivery/task.ts):
 * signs and sends one request to the webhook as it is now, and hands on what it produced, its
 * request's headers already masked for the delivery log. Also what the admin API's test route sends with.
 */
import { buildDeliveryRequest, type DeliveryCredentials } from '#domain/delivery-request';
import type { AttemptOutcome } from '#domain/delivery-sender';
import type { DeliveryAttempt, EventEnvelope, StoredWebhook } from '#domain/model';
import type { Clock } from '#domain/ports';
import { headerMaskFor } from '#domain/secret-masking';
import {
  rememberingScrubber,
  type ScrubText,
  scrubAttemptOutcome,
  scrubberForCredentials,
} from '#domain/secret-scrubber';
import { describeError } from '#observability';
import { loadDeliveryCredentials } from './credentials';
import { PayloadUnavailable } from './delivery/payload';
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

/** A webhook's scrubber, and the same one remembering its answers for the request's header values. */
export interface DeliveryScrubbers {
  /** For what the receiver sent back (snippets, errors): different every time, never remembered. */
  scrub: ScrubText;
  /** For the request's header values: the webhook's own, the same on every delivery. */
  scrubHeader: ScrubText;
}

/**
 * Credentials whose scrubbers are kept, least recently used out. Enough for a tenant at its webhook
 * limit (100) whose deliveries take turns; bounded because a scrubber holds every form of the
 * webhook's secrets (~64 KB for a 4 KiB token) plus up to 32 Ki remembered characters, and a delivery
 * environment may see thousands of webhooks within the credential cache's TTL: ~128 x ~130 KB at most.
 */
const KEPT_SCRUBBERS = 128;
const HEADER_MEMORY = { entries: 48, chars: 32 * 1024 };
const scrubbers = new Map<DeliveryCredentials, DeliveryScrubbers>();

/**
 * The scrubbers of `credentials`' secrets, shared by every delivery that uses the same credentials.
 * The credential cache hands out one immutable DeliveryCredentials per webhook version (credentials.ts),
 * so a webhook's scrubber is built, and each of its header values scrubbed, once while kept rather than
 * once per delivery (docs/contract.md#limits: bounded per-delivery work).
 */
export function deliveryScrubbersFor(credentials: DeliveryCredentials): DeliveryScrubbers {
  let kept = scrubbers.get(credentials);
  if (kept) {
    scrubbers.delete(credentials);
  } else {
    const scrub = scrubberForCredentials(credentials);
    kept = { scrub, scrubHeader: rememberingScrubber(scrub, HEADER_MEMORY) };
  }
  scrubbers.set(credentials, kept);
  if (scrubbers.size > KEPT_SCRUBBERS) {
    const [oldest] = scrubbers.keys();
    if (oldest) scrubbers.delete(oldest);
  }
  return kept;
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
 * route uses). A request that cannot be built (among them, a referenced payload that is no longer
 * stored: PayloadUnavailable) comes back as a sender failure, never a throw; only a failure to load the
 * webhook's credentials (the key store) throws.
 */
export async function attemptDelivery(
  services: Pick<Services, 'cipher' | 'clock' | 'credentialCache' | 'deliveryPolicy' | 'sender'>,
  webhook: StoredWebhook,
  event: EventEnvelope | PayloadUnavailable,
  orderingKey?: string,
): Promise<AttemptResult> {
  const credentials = await loadDeliveryCredentials(services, webhook);
  // docs/contract.md#deliveries: webhook-timestamp is the time of this attempt; nothing waits between signing and sending.
  const attemptAt = services.clock.now();
  let outcome: AttemptOutcome;
  let requestHeaders: Record<string, string> = {};
  const { scrub, scrubHeader } = deliveryScrubbersFor(credentials);
  try {
    if (event instanceof PayloadUnavailable) throw event;
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
      error:
        error instanceof PayloadUnavailable
          ? error.reason
          : `not sent: the request could not be built (${describeError(error)})`,
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
    sent: {
      maskedHeaders: await maskHeadersInSlices(requestHeaders, credentials, scrubHeader, services.clock),
      scrub,
    },
  };
}

/**
 * Scrubbing time (ms, on the clock port) after which masking a request's headers gives the event
 * loop a turn. A webhook's first delivery scrubs every custom header value (about 1 ms each for 400
 * random characters beside a 4 KiB token, ~25 ms for 20): done in one go, a tenant whose hundred such
 * webhooks start at once held the delivery environment's loop for seconds, and another tenant's
 * delivery waited behind it (docs/contract.md#limits). Later deliveries find the values remembered.
 */
export const MASK_SLICE_MS = 2;

/**
 * `maskRequestHeaders` one header at a time, giving the loop a turn (setImmediate) whenever
 * MASK_SLICE_MS of scrubbing has passed since the last one. Same answer as the one-go masking.
 */
export async function maskHeadersInSlices(
  headers: Readonly<Record<string, string>>,
  credentials: DeliveryCredentials,
  scrubHeader: ScrubText,
  clock: Clock,
): Promise<Record<string, string>> {
  const maskHeader = headerMaskFor(credentials, scrubHeader);
  const masked: Record<string, string> = {};
  let sliceStartedAt = clock.now().getTime();
  for (const [name, value] of Object.entries(headers)) {
    if (clock.now().getTime() - sliceStartedAt >= MASK_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStartedAt = clock.now().getTime();
    }
    masked[name] = maskHeader(name, value);
  }
  return masked;
}
