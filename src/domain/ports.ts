/**
 * The ports: what the domain needs from the outside world. Each has one real adapter
 * (AWS SDK based) in src/adapters; the local runtime points those same adapters at local endpoints.
 */

import type { DeliveryOutcome, DeliveryRecord, DeliveryStatus, DeliverySummary } from './delivery-log';
import type { HourStats } from './delivery-stats';
import type { DeliveryTask } from './delivery-task';
import type {
  FailureLog,
  Page,
  PageKey,
  RejectedEvent,
  StoredWebhook,
  WebhookOrdering,
  WebhookStatus,
} from './model';
import type { OrderedProgress } from './ordering';
import type { PortalGrant } from './portal';

export interface WebhookListQuery {
  status?: WebhookStatus;
  brandId?: string;
  limit: number;
  startKey?: PageKey;
}

/** A webhook subscribed to an event, and how its deliveries are ordered. */
export interface Subscription {
  webhookId: string;
  ordering: WebhookOrdering;
}

/** Names one webhook: its tenant and id. */
export interface WebhookRef {
  tenantId: string;
  webhookId: string;
}

/** Where webhooks live, and how fan-out finds the ones subscribed to an event. */
/** How a webhook create is bounded. */
export interface WebhookCreateOptions {
  /** The tenant's webhook limit (MAX_WEBHOOKS_PER_TENANT). */
  maxPerTenant?: number;
}

export interface WebhookRepository {
  /**
   * Stores a new webhook (and its subscriptions when active). With `maxPerTenant`, only while its
   * tenant has fewer webhooks than that, however many creates race (docs/contract.md#limits):
   * LimitReachedError (`webhookLimitReached`) otherwise.
   */
  create(webhook: StoredWebhook, options?: WebhookCreateOptions): Promise<void>;
  get(tenantId: string, webhookId: string): Promise<StoredWebhook | undefined>;
  /**
   * Several webhooks read together, each as fresh as `get` (strongly consistent, docs/contract.md#read-your-writes): the
   * answers are in the order of `refs`, undefined for a webhook that does not exist.
   */
  getMany(refs: readonly WebhookRef[]): Promise<(StoredWebhook | undefined)[]>;
  list(tenantId: string, query: WebhookListQuery): Promise<Page<StoredWebhook>>;
  /**
   * Replaces a webhook if its stored version is still `expectedVersion` (ConflictError otherwise),
   * keeping its subscriptions in step with `events`, `brandId` and `status`.
   */
  update(webhook: StoredWebhook, expectedVersion: number): Promise<void>;
  /** Deletes a webhook and its subscriptions; false when it did not exist. */
  delete(tenantId: string, webhookId: string): Promise<boolean>;
  /** Ids of active webhooks of `tenantId` subscribed to `eventType` for `brandId` or for all brands. */
  findSubscribers(tenantId: string, eventType: string, brandId: string | null): Promise<string[]>;
  /**
   * The same webhooks as `findSubscribers`, each with its ordering as of its latest write, so fan-out
   * can route an ordered webhook's deliveries to the ordered queue without reading the webhook.
   */
  findSubscriptions(tenantId: string, eventType: string, brandId: string | null): Promise<Subscription[]>;
}

export interface FailureLogQuery {
  webhookId?: string;
  limit: number;
  startKey?: PageKey;
}

/** Failure logs, newest first, expiring after the retention period. */
export interface FailureLogRepository {
  /**
   * Writes `failureLog` unless one with its id exists: true when written, false when it was already there
   * (a dead letter processed twice, docs/contract.md#isolation).
   */
  put(failureLog: FailureLog, expiresAt: Date): Promise<boolean>;
  get(tenantId: string, failureLogId: string): Promise<FailureLog | undefined>;
  list(tenantId: string, query: FailureLogQuery): Promise<Page<FailureLog>>;
}

/**
 * Which deliveries to list: one webhook's (`webhookId`), one event's across its webhooks (`eventId`),
 * or, with neither, the whole tenant's. Listing the tenant or an event costs the same whatever the
 * number of the tenant's webhooks (the adapter keeps tenant-level indexes).
 */
export interface DeliveryListQuery {
  webhookId?: string;
  eventId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  /** Inclusive bounds on the first attempt's time. */
  since?: Date;
  until?: Date;
  limit: number;
  startKey?: PageKey;
}

/**
 * The tasks of one delivery batch as the delivery log sees them: it may hold a batch's outcomes until
 * every task has reported (then write them together), never longer than its own cap.
 */
export interface OutcomeBatch {
  /**
   * Calls `listener` once every task of the batch has reported its outcome (at once when that has
   * already happened). A task that never reports (it threw) leaves the listener uncalled: the store's
   * cap then writes what it holds.
   */
  onComplete(listener: () => void): void;
}

/**
 * The delivery log (docs/contract.md#delivery-log): one record per delivery, newest first, and each event's payload
 * once. Records past their retention are invisible even before the store's TTL removes them.
 */
export interface DeliveryLogRepository {
  /**
   * Creates or updates a delivery's record with one attempt's outcome (a write never regresses
   * attemptCount); resolves once it is durably written. With `batch` (the delivery batch the outcome
   * belongs to) the store may hold the write until every task of the batch has reported, so the batch's
   * records share items (docs/cost.md); without it, only briefly.
   */
  recordOutcome(outcome: DeliveryOutcome, expiresAt: Date, batch?: OutcomeBatch): Promise<void>;
  /**
   * Notes on a failed delivery the failure log written for it, whether or not its record is written
   * yet (the record's own write keeps the link).
   */
  linkFailureLog(tenantId: string, deliveryId: string, failureLogId: string, expiresAt: Date): Promise<void>;
  /** Stores an event's body as sent (one item per event, whatever the number of webhooks). */
  putPayload(tenantId: string, eventId: string, body: string, expiresAt: Date): Promise<void>;
  getPayload(tenantId: string, eventId: string): Promise<string | undefined>;
  get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Newest first, every filter combined. A page may hold fewer than `limit` items while `nextKey` is
   * set (a selective filter over the tenant-wide list reads a bounded number of deliveries per page).
   */
  list(tenantId: string, query: DeliveryListQuery): Promise<Page<DeliverySummary>>;
}

/** Per-hour attempt counts and the latest attempt, as one flush adds them to a webhook's health. */
export interface HealthFlush {
  /**
   * `hour` is epoch hours (Math.floor(ms / 3_600_000)); `latency` counts the hour's attempts per
   * bucket of LATENCY_BOUNDS_MS (delivery-stats.ts), for the stats route.
   */
  counts: { hour: number; succeeded: number; failed: number; latency?: number[] }[];
  last: { at: string; statusCode?: number; outcome: 'succeeded' | 'failed' };
  /** The latest successful attempt of the flush, if any (kept as the item's `lastSucceededAt` when later). */
  lastSucceededAt?: string;
}

/**
 * A webhook's failing period (docs/decisions/0003-where-health-lives.md): kept on its health item,
 * never on the webhook record, and written only by targeted conditional updates.
 */
export interface FailingPeriod {
  /** ISO 8601 of the first failed attempt since the last success; drives auto-disable. */
  failingSince: string;
  /**
   * ISO 8601 of a recent failed attempt of the period (refreshed a few times per evidence gap): a
   * gap longer than the evidence gap restarts the period (src/app/webhook-health.ts).
   */
  failureSeenAt?: string;
  /**
   * The largest `webhook.failing` threshold (hours: 1, 24 or 72) already announced for the period;
   * written by a conditional update before the notice is published, so exactly one writer (across
   * processes and restarts) publishes each threshold.
   */
  failingNoticeHours?: number;
}

/** A webhook's failing period (if one is open) and its latest success any process recorded. */
export interface FailingPeriodState {
  period?: FailingPeriod;
  /** ISO 8601 of the latest successful attempt the counters recorded: a period it follows is over. */
  lastSucceededAt?: string;
}

/** A webhook's health as stored. */
export interface HealthCounters {
  lastAttemptAt?: string;
  lastStatusCode?: number;
  lastOutcome?: 'succeeded' | 'failed';
  succeeded24h: number;
  failed24h: number;
  /**
   * The latest time until which some delivery process's circuit for this webhook was open, as that
   * process recorded when the circuit opened (docs/decisions/0003-where-health-lives.md).
   */
  circuitOpenUntil?: string;
  /** The failing period's start, as stored (a later `lastSucceededAt` means it is over). */
  failingSince?: string;
  lastSucceededAt?: string;
}

/** Webhook health counters: hourly buckets on one small item per webhook, read with one GetItem. */
export interface WebhookHealthRepository {
  add(tenantId: string, webhookId: string, flush: HealthFlush, expiresAt: Date): Promise<void>;
  /**
   * Notes that a process's circuit for the webhook opened until `openUntil` (ISO 8601); a later
   * `openUntil` already noted (by any process) is kept.
   */
  noteCircuitOpen(tenantId: string, webhookId: string, openUntil: string, expiresAt: Date): Promise<void>;
  /** The webhook's failing period and latest success, read strongly consistent. */
  failingPeriod(tenantId: string, webhookId: string): Promise<FailingPeriodState>;
  /**
   * Sets the failing period to `next` (undefined: removes it) in one conditional update, if the stored
   * period is still `expected` (undefined: none open; `'any'`: whatever it is). False, with nothing
   * written, when another writer changed it first.
   */
  replaceFailingPeriod(
    tenantId: string,
    webhookId: string,
    change: { expected: FailingPeriod | undefined | 'any'; next: FailingPeriod | undefined },
    expiresAt: Date,
  ): Promise<boolean>;
  /** Health of each webhook, counting the 24 hourly buckets up to `now`'s hour. */
  get(tenantId: string, webhookIds: string[], now: Date): Promise<Map<string, HealthCounters>>;
  /** The hourly counters of one webhook from `fromHour` to `toHour` (epoch hours, inclusive), oldest first; hours without attempts are absent. */
  stats(tenantId: string, webhookId: string, fromHour: number, toHour: number): Promise<HourStats[]>;
}

/** Chat events rejected by schema, newest first. */
export interface RejectedEventRepository {
  put(event: RejectedEvent, expiresAt: Date): Promise<void>;
  list(tenantId: string, query: { limit: number; startKey?: PageKey }): Promise<Page<RejectedEvent>>;
}

/**
 * Portal links and sessions, kept by the digest of their token (never the token itself), each until
 * its expiry; and each tenant's revocation generation, which a revocation bumps so every link and
 * session minted before it stops working at once.
 */
export interface PortalSessionStore {
  /** Stores a new link; it can be taken once, until `expiresAt`. */
  saveLink(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void>;
  /**
   * Takes a link: removes it in one conditional write and returns its grant, or undefined when it is
   * unknown, already taken or expired at `now`. Two concurrent takes of one link: exactly one wins.
   */
  takeLink(digest: string, now: Date): Promise<PortalGrant | undefined>;
  /** Stores a session opened from a link. */
  saveSession(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void>;
  /** A session's grant and expiry, or undefined when it is unknown or expired at `now`. */
  findSession(digest: string, now: Date): Promise<{ grant: PortalGrant; expiresAt: Date } | undefined>;
  /** The tenant's current revocation generation (0 before any revocation), read strongly consistent. */
  generation(tenantId: string): Promise<number>;
  /** Bumps the tenant's revocation generation (atomically); returns the new one. */
  revoke(tenantId: string): Promise<number>;
}

/** One event id, taken by its tenant for the event `fingerprint` names (src/domain/event-ids.ts). */
export interface EventIdClaim {
  tenantId: string;
  eventId: string;
  /** eventFingerprint of the event's type and data. */
  fingerprint: string;
  /** The bus event that carried it, when known: the same on the bus's retries of one invocation. */
  busEventId?: string;
  /**
   * The event's body for the delivery log, stored with the claim when the claim takes the id (one
   * write instead of two) and answered by the same store's DeliveryLogRepository.getPayload until
   * `expiresAt`; nothing of it is written when the id is held.
   */
  payload?: { body: string; expiresAt: Date };
}

/** Whether a claim took the id, or the unexpired claim that already holds it. */
export type EventIdClaimResult =
  | { claimed: true }
  | { claimed: false; holder: { fingerprint: string; busEventId?: string } };

/** Event ids taken per tenant, each for a window (EVENT_ID_WINDOW_MS). */
export interface EventIdRegistry {
  /**
   * Takes `claim.eventId` for its tenant until `expiresAt`, unless an unexpired claim holds it: then
   * nothing is written and that claim is answered. One conditional write; tenants never see each
   * other's ids.
   */
  claim(claim: EventIdClaim, expiresAt: Date): Promise<EventIdClaimResult>;
  /**
   * The body stored with the claim of `eventId` (EventIdClaim.payload), or undefined once its payload
   * expired or when none is held. One strongly consistent read: a delivery message written just after
   * the claim must find it.
   */
  payloadOf(tenantId: string, eventId: string): Promise<string | undefined>;
}

/** The delivery queue and its dead-letter queue. */
export interface DeliveryQueue {
  /** Enqueues tasks for immediate delivery (batched by the adapter). */
  enqueue(tasks: DeliveryTask[]): Promise<void>;
  /** Enqueues one task to be received no sooner than `delaySeconds` from now (the adapter caps at the queue's limit). */
  enqueueDelayed(task: DeliveryTask, delaySeconds: number): Promise<void>;
  /** Hands a task whose last attempt failed to the dead-letter queue. */
  deadLetter(task: DeliveryTask): Promise<void>;
}

/**
 * Acknowledges delivery messages the delivery step has settled before the batch that holds them
 * ends, so a slow record of a batch does not keep the others (perhaps other tenants') undeleted and
 * exposed to a second send after a crash.
 */
export interface MessageAcknowledger {
  /**
   * Deletes the messages with these receipt handles from the queue `sourceQueueArn` names. A queue it
   * does not consume is left alone (the batch's end acknowledges those). Never throws: a message
   * it could not delete is acknowledged at the end of its batch, as before.
   */
  acknowledge(sourceQueueArn: string | undefined, receiptHandles: string[]): Promise<void>;
  /**
   * Keeps one message of the queue `sourceQueueArn` names invisible for `seconds` from now (how an
   * ordered delivery waits for its retry without leaving its place: docs/ordering.md). Never throws:
   * false when it could not (the message then comes back after its visibility timeout, and waits out
   * the rest of its delay then).
   */
  hold(sourceQueueArn: string | undefined, receiptHandle: string, seconds: number): Promise<boolean>;
}

/**
 * The progress of ordered deliveries between their tries (docs/ordering.md): an ordered delivery's
 * message stays in its queue unchanged while it waits for a retry, so what it did so far lives here,
 * under its tenant and its de-duplication id. Written only after a try that did not end the delivery.
 */
export interface OrderedProgressStore {
  get(tenantId: string, deduplicationId: string): Promise<OrderedProgress | undefined>;
  put(tenantId: string, deduplicationId: string, progress: OrderedProgress, expiresAt: Date): Promise<void>;
}

/** Authenticated encryption of secrets at rest; `context` binds a ciphertext to its owner. */
export interface SecretCipher {
  encrypt(plaintext: string, context: string): Promise<string>;
  decrypt(ciphertext: string, context: string): Promise<string>;
}

/** Notices the service itself publishes (on the event bus on AWS). */
export interface NoticePublisher {
  webhookDisabled(notice: { tenantId: string; webhookId: string; reason: string; at: string }): Promise<void>;
  /** `webhook.failing` (a threshold of continuous failure reached) or `webhook.recovered` (first success after one). */
  webhookHealthNotice(notice: WebhookHealthNotice): Promise<void>;
}

/** What a `webhook.failing` or `webhook.recovered` notice says. */
export interface WebhookHealthNotice {
  type: 'webhook.failing' | 'webhook.recovered';
  tenantId: string;
  webhookId: string;
  webhookName: string;
  failingSince: string;
  /** `webhook.failing`: the threshold reached (1, 24 or 72 hours without a success). */
  failingForHours?: number;
  lastError?: string;
  /** The webhook's page in the admin console, relative to the console's origin. */
  consolePath: string;
  at: string;
}

/** Name resolution, injectable so tests can make a name resolve anywhere. */
export interface HostResolver {
  /** Every address `hostname` resolves to (A and AAAA); throws when it does not resolve. */
  resolve(hostname: string): Promise<string[]>;
}

/**
 * The random port: uniform numbers in [0, 1), for the jitter that spreads retries, postponements and
 * backoffs. Injected everywhere (src/adapters/system-random.ts is the real one), so tests seed it.
 */
export type RandomSource = () => number;

/** The current time, injectable for retry and retention tests. */
export interface Clock {
  now(): Date;
}

/**
 * A clock that can also wake its caller later. In-memory waits (a delivery waiting briefly for a
 * slot) run on it, so their tests advance a manual clock instead of sleeping.
 */
export interface TimerClock extends Clock {
  /** Calls `callback` once, `ms` from now; the function returned cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}

export const systemClock: TimerClock = {
  now: () => new Date(),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
