/**
 * The delivery log's records (docs/contract.md#delivery-log): one record per delivery (one event to one webhook),
 * with its outcome and every attempt, and the event's payload stored once beside them.
 */
import { createHash } from 'node:crypto';
import { decodeTime, encodeTime } from 'ulid';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What DELIVERY_LOG records: every delivery, only those with a failed attempt, or nothing. */
export const DELIVERY_LOG_MODES = ['all', 'failures', 'off'] as const;
export type DeliveryLogMode = (typeof DELIVERY_LOG_MODES)[number];

/** What the delivery log keeps, and for how long (docs/contract.md#delivery-log). */
export interface DeliveryLogPolicy {
  /** Every delivery, only deliveries with a failed attempt, or nothing. */
  mode: DeliveryLogMode;
  /** How long a record is kept after its last write, in ms (an event's payload a retry schedule longer). */
  retentionMs: number;
}

/** Response snippets kept per attempt: enough to read an error page's first line, small enough to keep a record under 1 KB. */
export const LOGGED_SNIPPET_CHARS = 256;
/** Errors kept per attempt. */
export const LOGGED_ERROR_CHARS = 256;
/** Attempts kept per record: the default schedule makes 8; more only from repeated crashes. */
export const LOGGED_ATTEMPTS_MAX = 16;

/** One attempt as the log shows it. */
export interface LoggedAttempt {
  at: string;
  /** The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one. */
  host?: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** As sent, with every secret value masked (src/domain/secret-masking.ts). */
  requestHeaders: Record<string, string>;
  responseSnippet?: string;
}

/** A delivery as the list shows it. */
export interface DeliverySummary {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastStatusCode?: number;
  lastError?: string;
  /** ISO 8601; set while `pending`. */
  nextAttemptAt?: string;
  /** ISO 8601 of the first attempt. */
  createdAt: string;
  updatedAt: string;
  /** The failure log written when the last attempt failed (docs/contract.md#deliveries: the two point at each other). */
  failureLogId?: string;
  /** The delivery (or failure log) this one redelivers. */
  redeliveryOf?: string;
  /** Sent by an admin's "Send test", not by an event: shown as a test and never counted in health. */
  test?: boolean;
}

/** A delivery with every attempt, as stored. */
export interface DeliveryRecord extends DeliverySummary {
  tenantId: string;
  attempts: LoggedAttempt[];
}

/** One attempt's outcome, as the delivery step reports it to the log. */
export interface DeliveryOutcome {
  tenantId: string;
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts made so far, this one included. */
  attemptCount: number;
  /** The attempt just made; absent when the delivery ended without one (e.g. its webhook was deactivated). */
  attempt?: LoggedAttempt;
  /** Earlier attempts as the task carried them, stored only when the record does not exist yet (a crash lost its first write). */
  earlierAttempts: LoggedAttempt[];
  lastStatusCode?: number;
  lastError?: string;
  nextAttemptAt?: string;
  createdAt: string;
  updatedAt: string;
  redeliveryOf?: string;
  test?: boolean;
  /**
   * The event's time (ISO 8601) when its id claim carries its payload (DeliveryTask.claimHoldsPayload):
   * the store may then index a first-attempt success near that time without an entry per event. Not
   * part of the record.
   */
  eventAnchor?: string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DELIVERY_ID = /^dlv_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{1,100})$/;

/**
 * The id of a delivery: `dlv_<ulid>_<webhookId>`. The ULID's time is the first attempt's, its random
 * part a hash of (event, webhook, redelivered record), so every attempt of a delivery (and a retry
 * after a crash) computes the same id without reading anything. The webhook id in it names the
 * record's partition, so a lookup by id is one GetItem.
 */
export function deliveryIdOf(input: {
  eventId: string;
  webhookId: string;
  firstAttemptAt: string;
  redeliveryOf?: string;
}): string {
  const time = Date.parse(input.firstAttemptAt);
  const digest = createHash('sha256')
    .update(`${input.eventId}\n${input.webhookId}\n${input.redeliveryOf ?? ''}`)
    .digest();
  let random = '';
  for (let index = 0; index < 16; index++) random += CROCKFORD[(digest[index] ?? 0) % 32];
  return `dlv_${encodeTime(Number.isFinite(time) ? time : 0, 10)}${random}_${input.webhookId}`;
}

/** The ULID and webhook of a delivery id, or undefined when it is not one. */
export function parseDeliveryId(deliveryId: string): { ulid: string; webhookId: string } | undefined {
  const match = DELIVERY_ID.exec(deliveryId);
  if (!match?.[1] || !match[2]) return undefined;
  return { ulid: match[1], webhookId: match[2] };
}

/** Epoch ms of a delivery's first attempt, from its id. */
export function deliveryTimeOf(ulid: string): number {
  return decodeTime(ulid);
}

/** The smallest and largest ULID of a moment, for time-range key conditions (inclusive). */
export function ulidBoundsOf(at: Date): { lowest: string; highest: string } {
  const time = encodeTime(Math.max(0, at.getTime()), 10);
  return { lowest: `${time}0000000000000000`, highest: `${time}ZZZZZZZZZZZZZZZZ` };
}

/** `text` cut to `chars` characters, marked when cut. */
export function capText(text: string | undefined, chars: number): string | undefined {
  if (text === undefined) return undefined;
  return text.length <= chars ? text : `${text.slice(0, chars)}…`;
}
