/** Builds the exact HTTP request an endpoint receives for one attempt (docs/contract.md#deliveries). */
import { authenticationHeader } from './auth-kinds/registry';
import type { OutboundRequest } from './delivery-sender';
import type { AuthenticationInput, EventEnvelope, StoredWebhook } from './model';
import { reservedHeaderReason } from './reserved-headers';
import { signPayload } from './signing';

const REDACTED = '[redacted]';

/**
 * The plaintext secrets one delivery needs. Held in private fields and redacted from JSON,
 * string conversion and util.inspect, so a log line cannot carry them by accident.
 */
export class DeliveryCredentials {
  readonly #signingSecrets: readonly string[];
  readonly #authentication: AuthenticationInput | null;
  readonly #secretHeaders: Readonly<Record<string, string>>;

  constructor(
    signingSecrets: readonly string[],
    authentication: AuthenticationInput | null,
    secretHeaders: Readonly<Record<string, string>> = {},
  ) {
    this.#signingSecrets = Object.freeze([...signingSecrets]);
    this.#authentication = authentication;
    this.#secretHeaders = Object.freeze({ ...secretHeaders });
  }

  /** The secret custom headers' values by header name (docs/contract.md#secret-headers). */
  get secretHeaders(): Readonly<Record<string, string>> {
    return this.#secretHeaders;
  }

  /** Current secret first, then one still valid from a rotation. */
  get signingSecrets(): readonly string[] {
    return this.#signingSecrets;
  }

  get authentication(): AuthenticationInput | null {
    return this.#authentication;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

function isProtocolHeader(name: string): boolean {
  return reservedHeaderReason(name) !== null;
}

/** The signed POST for one attempt of `event` to `webhook`, stamped with `attemptAt`. */
export function buildDeliveryRequest(input: {
  event: EventEnvelope;
  webhook: Pick<StoredWebhook, 'url' | 'headers' | 'signing'>;
  credentials: DeliveryCredentials;
  attemptAt: Date;
  userAgent: string;
  /** An ordered delivery's conversation (docs/contract.md#ordering): sent as `webhook-ordering-key`. */
  orderingKey?: string | undefined;
}): OutboundRequest {
  const { event, webhook, credentials } = input;
  const body = deliveryBodyOf(event);
  const timestampSeconds = Math.floor(input.attemptAt.getTime() / 1000);

  // A Map, not an object literal: a custom header named like `__proto__` or `constructor` stays a header.
  const headers = new Map<string, string>([
    ['content-type', 'application/json'],
    ['user-agent', input.userAgent],
    ['webhook-id', event.id],
    ['webhook-timestamp', String(timestampSeconds)],
  ]);
  if (input.orderingKey !== undefined) headers.set('webhook-ordering-key', input.orderingKey);
  if (webhook.signing.enabled) {
    // signPayload refuses an empty list: an unsigned delivery to an endpoint expecting signatures
    // would be rejected anyway, and silently sending one would hide the broken state.
    headers.set(
      'webhook-signature',
      signPayload(credentials.signingSecrets, event.id, timestampSeconds, body),
    );
  }
  if (credentials.authentication) {
    const [name, value] = authenticationHeader(credentials.authentication);
    // Validation refuses reserved api-key header names; this keeps the protocol headers intact regardless.
    if (!isProtocolHeader(name)) headers.set(name, value);
  }
  for (const [rawName, stored] of Object.entries(webhook.headers)) {
    const name = rawName.toLowerCase();
    if (isProtocolHeader(name) || headers.has(name)) continue;
    const value =
      typeof stored === 'string'
        ? stored
        : Object.hasOwn(credentials.secretHeaders, rawName)
          ? credentials.secretHeaders[rawName]
          : undefined;
    // A secret header whose value was not decrypted with these credentials: never sent without it.
    if (value === undefined) throw new Error(`the secret header ${rawName} has no value`);
    headers.set(name, value);
  }
  return { url: webhook.url, headers: Object.fromEntries(headers), body };
}

/** The event time (epoch ms) a body from deliveryBodyOf names, or undefined when it names none. */
export function eventTimeOfBody(body: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const timestamp = (parsed as { timestamp?: unknown } | null)?.timestamp;
    const time = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    return Number.isFinite(time) ? time : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The body every endpoint receives for `event` (docs/contract.md#deliveries), byte for byte: the delivery log
 * stores exactly this. Key order is part of the contract: receivers see the same shape for every event.
 */
export function deliveryBodyOf(event: EventEnvelope): string {
  // One body per event object, shared by every webhook of a group task (they share the event, see
  // memberTask): a large event fanned out to 50 webhooks is serialised once, not 50 times
  // (docs/contract.md#limits). An envelope is never changed once parsed, so the body stays exact.
  let body = bodies.get(event);
  if (body === undefined) {
    body = serialisedBody(event);
    bodies.set(event, body);
  }
  return body;
}

const bodies = new WeakMap<EventEnvelope, string>();

/**
 * The envelope a body from deliveryBodyOf names, whose deliveryBodyOf is that very body (no second
 * serialisation, the stored bytes exactly); undefined when `body` is not such a body.
 */
export function envelopeOfBody(body: string): EventEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { id, type, timestamp, tenantId, brandId, data } = parsed as Record<string, unknown>;
  if (
    typeof id !== 'string' ||
    typeof type !== 'string' ||
    typeof timestamp !== 'string' ||
    typeof tenantId !== 'string' ||
    (brandId !== null && typeof brandId !== 'string') ||
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data)
  ) {
    return undefined;
  }
  const event: EventEnvelope = {
    id,
    type,
    timestamp,
    tenantId,
    brandId,
    data: data as Record<string, unknown>,
  };
  bodies.set(event, body);
  return event;
}

function serialisedBody(event: EventEnvelope): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: event.timestamp,
    tenantId: event.tenantId,
    brandId: event.brandId,
    data: event.data,
  });
}
