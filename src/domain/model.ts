/**
 * The domain's records. Stored records hold secrets only as ciphertext (see SecretCipher);
 * plaintext secrets exist only in `DeliveryCredentials` at delivery time and in the two secret routes.
 */

/** The synthetic type sent by `POST /v1/webhooks/{id}/test`; not subscribable. */
export const TEST_EVENT_TYPE = 'webhook.test';

export type WebhookStatus = 'active' | 'inactive';

/**
 * Whether a webhook gets one conversation's deliveries one at a time, in acceptance order
 * (docs/contract.md#ordering, docs/ordering.md). `none` is the default.
 */
export const WEBHOOK_ORDERINGS = ['none', 'conversation'] as const;
export type WebhookOrdering = (typeof WEBHOOK_ORDERINGS)[number];

// Authentication as stored (secrets as ciphertext), as written and as shown: one module per kind.
export type {
  AuthenticationInput,
  PublicAuthentication,
  StoredAuthentication,
} from './auth-kinds/registry';

import type { StoredAuthentication } from './auth-kinds/registry';

/** A signing secret as stored; during a rotation the old one stays until `expiresAt`. */
export interface StoredSigningSecret {
  encryptedSecret: string;
  createdAt: string;
  /** ISO 8601; absent for the current secret. */
  expiresAt?: string;
}

/** A secret custom header as stored: its value encrypted with the webhook's cipher context. */
export interface StoredSecretHeader {
  secret: true;
  encryptedValue: string;
}

/** A custom header value as stored. */
export type StoredHeaderValue = string | StoredSecretHeader;

/** A webhook as the repository stores it. */
export interface StoredWebhook {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  brandId: string | null;
  events: string[];
  url: string;
  status: WebhookStatus;
  authentication: StoredAuthentication | null;
  signing: { enabled: boolean };
  /** Newest first; empty when signing was never enabled. */
  signingSecrets: StoredSigningSecret[];
  /** Custom headers: public text, or a secret one's value encrypted (docs/contract.md#secret-headers). */
  headers: Record<string, StoredHeaderValue>;
  /** Absent on webhooks stored before ordering existed: `none` (see orderingOf). */
  ordering?: WebhookOrdering;
  createdAt: string;
  updatedAt: string;
  disabledReason?: string;
  /** Optimistic-concurrency counter, bumped on every write. */
  version: number;
}

/** A webhook's ordering, `none` when it was stored before the field existed. */
export function orderingOf(webhook: Pick<StoredWebhook, 'ordering'>): WebhookOrdering {
  return webhook.ordering ?? 'none';
}

/** One HTTP attempt of a delivery. */
export interface DeliveryAttempt {
  at: string;
  /** The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one. */
  host?: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  responseSnippet?: string;
}

/** The body every endpoint receives (docs/contract.md#deliveries). */
export interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  tenantId: string;
  brandId: string | null;
  data: Record<string, unknown>;
}

/** A delivery that exhausted its retries (docs/contract.md#deliveries). */
export interface FailureLog {
  id: string;
  tenantId: string;
  webhookId: string;
  webhookName: string;
  eventId: string;
  eventType: string;
  url: string;
  attempts: DeliveryAttempt[];
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  firstAttemptAt: string | null;
  failedAt: string;
  /** The event as it was sent, so a redelivery sends the same thing. */
  event: EventEnvelope;
  /** The delivery log's record of this delivery (docs/contract.md#delivery-log); absent when it never made an attempt. */
  deliveryId?: string;
  /**
   * Why the delivery was given up, when that was not its last attempt failing: its schedule ran out
   * while the webhook's circuit was open, its request could not be built, the service deactivated the
   * webhook. `attempts` still lists only the requests that were made.
   */
  givenUpReason?: string;
  /** The failed request (possibly another delivery's to the same webhook) it was given up on. */
  evidence?: { at: string; statusCode?: number; error?: string };
}

/** A chat event whose Detail failed its schema; kept for ops to inspect. */
export interface RejectedEvent {
  id: string;
  /** UNREADABLE_TENANT_KEY (`(unreadable)`, never a tenant id) when the detail carried no usable tenantId. */
  tenantId: string;
  source: string;
  detailType: string;
  receivedAt: string;
  reason: string;
  issues: { path: string; message: string }[];
  /** The raw detail, cut to a bounded size. */
  detailSnippet: string;
}

/** Opaque position in a paginated query, as the store gives it. */
export type PageKey = Record<string, unknown>;

/** A page of results plus where the next one starts. */
export interface Page<T> {
  items: T[];
  nextKey?: PageKey;
}
