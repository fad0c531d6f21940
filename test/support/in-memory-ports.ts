/**
 * Honest in-memory implementations of the ports, for use-case tests that need no store or queue.
 * Each behaves as the port's contract says (version checks, subscriptions follow status/events/brand);
 * `isUnavailable` lets a test provoke an infrastructure outage, which a real store cannot do on demand.
 */

import { randomBytes } from 'node:crypto';
import { AesGcmSecretCipher } from '#adapters/aes-gcm-cipher';
import { sortableIdPart } from '#adapters/dynamodb/sortable-id';
import type { Services } from '#app/services';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildSettings } from '#composition/settings';
import { type Config, loadConfig } from '#config';
import {
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliverySummary,
  parseDeliveryId,
  ulidBoundsOf,
} from '#domain/delivery-log';
import type { DeliverySender } from '#domain/delivery-sender';
import { type HourStats, LATENCY_BOUNDS_MS } from '#domain/delivery-stats';
import type { DeliveryTask } from '#domain/delivery-task';
import { ConflictError, NotFoundError, ValidationError, webhookLimitReached } from '#domain/errors';
import {
  type FailureLog,
  orderingOf,
  type Page,
  type PageKey,
  type RejectedEvent,
  type StoredWebhook,
} from '#domain/model';
import type { OrderedProgress } from '#domain/ordering';
import type { PortalGrant } from '#domain/portal';
import type { WebhookHealthNotice } from '#domain/ports';
import {
  type Clock,
  type DeliveryListQuery,
  type DeliveryLogRepository,
  type DeliveryQueue,
  type EventIdClaim,
  type EventIdClaimResult,
  type EventIdRegistry,
  type FailingPeriod,
  type FailingPeriodState,
  type FailureLogQuery,
  type FailureLogRepository,
  type HealthCounters,
  type HealthFlush,
  type NoticePublisher,
  type OrderedProgressStore,
  type PortalSessionStore,
  type RejectedEventRepository,
  type Subscription,
  systemClock,
  type TimerClock,
  type WebhookCreateOptions,
  type WebhookHealthRepository,
  type WebhookListQuery,
  type WebhookRef,
  type WebhookRepository,
} from '#domain/ports';

function outage(name: string): Error {
  return new Error(`${name} is unavailable`);
}

const copy = <T>(value: T): T => structuredClone(value);

/** The ValidationError every repository gives for a page position it did not hand out for this list. */
function foreignCursor(): ValidationError {
  return new ValidationError('The page position belongs to another query', [
    { field: 'cursor', message: 'does not belong to this list' },
  ]);
}

/**
 * One page of `items` (filtered, in any order) sorted by `sortKey`, as the DynamoDB adapters page: at
 * most `limit` items after the position `startKey.sk`, and a next key only when more follow. The key
 * carries `list` (the names the store's key of that list has), so a position from another list (another
 * tenant's, another webhook's) is refused with the adapters' ValidationError.
 */
function pageOf<T>(
  items: T[],
  sortKey: (item: T) => string,
  order: 'ascending' | 'descending',
  query: { limit: number; startKey?: PageKey },
  list: PageKey,
): Page<T> {
  if (query.startKey && Object.entries(list).some(([name, value]) => query.startKey?.[name] !== value)) {
    throw foreignCursor();
  }
  if (query.limit < 1) return { items: [] };
  const start = typeof query.startKey?.sk === 'string' ? query.startKey.sk : undefined;
  const after = (item: T) =>
    start === undefined || (order === 'ascending' ? sortKey(item) > start : sortKey(item) < start);
  const sorted = items
    .filter(after)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1) * (order === 'ascending' ? 1 : -1));
  const page = sorted.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(copy),
    ...(sorted.length > query.limit && last ? { nextKey: { ...list, sk: sortKey(last) } } : {}),
  };
}

/** WebhookRepository over a Map; subscriptions are derived from active webhooks, as the real store keeps them. */
export class InMemoryWebhookRepository implements WebhookRepository {
  readonly webhooks = new Map<string, StoredWebhook>();
  isUnavailable = false;
  reads = 0;

  #key(tenantId: string, webhookId: string) {
    return `${tenantId}/${webhookId}`;
  }

  #check() {
    if (this.isUnavailable) throw outage('webhook store');
  }

  async create(webhook: StoredWebhook, options: WebhookCreateOptions = {}): Promise<void> {
    this.#check();
    const key = this.#key(webhook.tenantId, webhook.id);
    if (this.webhooks.has(key)) throw new ConflictError(`Webhook ${webhook.id} already exists`);
    // Counted and set with no await between: as atomic as the real store's guarded create.
    if (options.maxPerTenant !== undefined) {
      const held = [...this.webhooks.values()].filter(
        (stored) => stored.tenantId === webhook.tenantId,
      ).length;
      if (held >= options.maxPerTenant) throw webhookLimitReached(options.maxPerTenant);
    }
    this.webhooks.set(key, copy(webhook));
  }

  async get(tenantId: string, webhookId: string): Promise<StoredWebhook | undefined> {
    this.#check();
    this.reads++;
    const found = this.webhooks.get(this.#key(tenantId, webhookId));
    return found ? copy(found) : undefined;
  }

  batchReads = 0;

  async getMany(refs: readonly WebhookRef[]): Promise<(StoredWebhook | undefined)[]> {
    this.#check();
    this.batchReads++;
    return refs.map((ref) => {
      const found = this.webhooks.get(this.#key(ref.tenantId, ref.webhookId));
      return found ? copy(found) : undefined;
    });
  }

  async list(tenantId: string, query: WebhookListQuery): Promise<Page<StoredWebhook>> {
    this.#check();
    const matching = [...this.webhooks.values()]
      .filter((webhook) => webhook.tenantId === tenantId)
      .filter((webhook) => !query.status || webhook.status === query.status)
      .filter((webhook) => !query.brandId || webhook.brandId === query.brandId);
    // In id order, as the store keeps a tenant's webhooks.
    return pageOf(matching, (webhook) => `WH#${webhook.id}`, 'ascending', query, { pk: `T#${tenantId}` });
  }

  async update(webhook: StoredWebhook, expectedVersion: number): Promise<void> {
    this.#check();
    const key = this.#key(webhook.tenantId, webhook.id);
    const current = this.webhooks.get(key);
    if (!current) throw new NotFoundError(`Webhook ${webhook.id} not found`);
    if (current.version !== expectedVersion) throw new ConflictError(`Webhook ${webhook.id} changed`);
    this.webhooks.set(key, copy(webhook));
  }

  async delete(tenantId: string, webhookId: string): Promise<boolean> {
    this.#check();
    return this.webhooks.delete(this.#key(tenantId, webhookId));
  }

  async findSubscribers(tenantId: string, eventType: string, brandId: string | null): Promise<string[]> {
    return (await this.findSubscriptions(tenantId, eventType, brandId)).map((found) => found.webhookId);
  }

  async findSubscriptions(
    tenantId: string,
    eventType: string,
    brandId: string | null,
  ): Promise<Subscription[]> {
    this.#check();
    return [...this.webhooks.values()]
      .filter(
        (webhook) =>
          webhook.tenantId === tenantId &&
          webhook.status === 'active' &&
          webhook.events.includes(eventType) &&
          (webhook.brandId === null || webhook.brandId === brandId),
      )
      .sort((a, b) => Number(a.brandId !== null) - Number(b.brandId !== null) || (a.id < b.id ? -1 : 1))
      .map((webhook) => ({ webhookId: webhook.id, ordering: orderingOf(webhook) }));
  }
}

/** DeliveryQueue that records what was sent where. */
export class InMemoryDeliveryQueue implements DeliveryQueue {
  readonly enqueued: DeliveryTask[] = [];
  readonly delayed: { task: DeliveryTask; delaySeconds: number }[] = [];
  readonly deadLettered: DeliveryTask[] = [];
  enqueueCalls = 0;
  isUnavailable = false;

  /** Every (event, webhook) pair enqueued, a group task counted once per webhook, as single tasks. */
  get enqueuedDeliveries(): DeliveryTask[] {
    return this.enqueued.flatMap(({ webhookIds, ...task }) =>
      (webhookIds ?? [task.webhookId]).map((webhookId) => ({ ...task, webhookId })),
    );
  }

  async enqueue(tasks: DeliveryTask[]): Promise<void> {
    if (this.isUnavailable) throw outage('delivery queue');
    this.enqueueCalls++;
    this.enqueued.push(...tasks.map(copy));
  }

  async enqueueDelayed(task: DeliveryTask, delaySeconds: number): Promise<void> {
    if (this.isUnavailable) throw outage('delivery queue');
    this.delayed.push({ task: copy(task), delaySeconds });
  }

  async deadLetter(task: DeliveryTask): Promise<void> {
    if (this.isUnavailable) throw outage('dead-letter queue');
    this.deadLettered.push(copy(task));
  }
}

/** OrderedProgressStore over a map; expired progress reads as absent. */
export class InMemoryOrderedProgressStore implements OrderedProgressStore {
  readonly items = new Map<string, { progress: OrderedProgress; expiresAt: Date }>();

  constructor(private readonly clock: Clock = systemClock) {}

  async get(tenantId: string, deduplicationId: string): Promise<OrderedProgress | undefined> {
    const item = this.items.get(JSON.stringify([tenantId, deduplicationId]));
    return item && item.expiresAt > this.clock.now() ? copy(item.progress) : undefined;
  }

  async put(
    tenantId: string,
    deduplicationId: string,
    progress: OrderedProgress,
    expiresAt: Date,
  ): Promise<void> {
    this.items.set(JSON.stringify([tenantId, deduplicationId]), { progress: copy(progress), expiresAt });
  }
}

/** FailureLogRepository over an array: newest first by the ULID in the id, expired logs invisible. */
export class InMemoryFailureLogRepository implements FailureLogRepository {
  readonly logs: { log: FailureLog; expiresAt: Date }[] = [];
  isUnavailable = false;

  constructor(private readonly clock: Clock = systemClock) {}

  #isLive(expiresAt: Date): boolean {
    return expiresAt > this.clock.now();
  }

  async put(log: FailureLog, expiresAt: Date): Promise<boolean> {
    if (this.isUnavailable) throw outage('failure log store');
    if (this.logs.some((stored) => stored.log.tenantId === log.tenantId && stored.log.id === log.id))
      return false;
    this.logs.push({ log: copy(log), expiresAt });
    return true;
  }

  async get(tenantId: string, failureLogId: string): Promise<FailureLog | undefined> {
    const found = this.logs.find(({ log }) => log.tenantId === tenantId && log.id === failureLogId);
    return found && this.#isLive(found.expiresAt) ? copy(found.log) : undefined;
  }

  async list(tenantId: string, query: FailureLogQuery): Promise<Page<FailureLog>> {
    const matching = this.logs
      .filter(({ expiresAt }) => this.#isLive(expiresAt))
      .map(({ log }) => log)
      .filter((log) => log.tenantId === tenantId && (!query.webhookId || log.webhookId === query.webhookId));
    const list =
      query.webhookId === undefined
        ? { pk: `T#${tenantId}` }
        : // The index's key, and the table's too (as the adapter's key carries both).
          { pk: `T#${tenantId}`, gsi1pk: `T#${tenantId}#WH#${query.webhookId}` };
    return pageOf(matching, (log) => `FL#${sortableIdPart(log.id)}`, 'descending', query, list);
  }
}

/** DeliveryLogRepository over Maps, with the DynamoDB adapter's ordering, cursor and expiry rules. */
export class InMemoryDeliveryLogRepository implements DeliveryLogRepository {
  readonly records = new Map<string, { record: DeliveryRecord; sort: string; expiresAt: Date }>();
  readonly payloads = new Map<string, { body: string; expiresAt: Date }>();
  writes = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  async recordOutcome(outcome: DeliveryOutcome, expiresAt: Date): Promise<void> {
    this.writes++;
    const parsed = parseDeliveryId(outcome.deliveryId);
    if (!parsed) throw new Error('not a delivery id');
    const key = `${outcome.tenantId}/${outcome.deliveryId}`;
    // A first attempt that succeeded is written whole (nothing earlier can have touched its record), so
    // recording it twice leaves one attempt, as the adapter's plain put does.
    const isFirstAttemptSuccess =
      outcome.status === 'succeeded' && outcome.attemptCount === 1 && outcome.earlierAttempts.length === 0;
    const existing = isFirstAttemptSuccess ? undefined : this.records.get(key)?.record;
    if (existing && existing.attemptCount > outcome.attemptCount) return;
    const { attempt, earlierAttempts, deliveryId, eventAnchor: _anchor, ...fields } = outcome;
    const record: DeliveryRecord = {
      ...fields,
      id: deliveryId,
      createdAt: existing?.createdAt ?? outcome.createdAt,
      attempts: [...(existing?.attempts ?? earlierAttempts), ...(attempt ? [attempt] : [])],
    };
    const failureLogId = existing?.failureLogId ?? this.#links.get(key);
    if (failureLogId) record.failureLogId = failureLogId;
    this.records.set(key, { record: copy(record), sort: parsed.ulid, expiresAt });
  }

  /** Links written before their record, as the DynamoDB adapter keeps them. */
  readonly #links = new Map<string, string>();

  async linkFailureLog(tenantId: string, deliveryId: string, failureLogId: string): Promise<void> {
    const entry = this.records.get(`${tenantId}/${deliveryId}`);
    if (!entry) {
      this.#links.set(`${tenantId}/${deliveryId}`, failureLogId);
      return;
    }
    entry.record.failureLogId = failureLogId;
    entry.record.status = 'failed';
    delete entry.record.nextAttemptAt;
  }

  async putPayload(tenantId: string, eventId: string, body: string, expiresAt: Date): Promise<void> {
    this.writes++;
    this.payloads.set(`${tenantId}/${eventId}`, { body, expiresAt });
  }

  async getPayload(tenantId: string, eventId: string): Promise<string | undefined> {
    const found = this.payloads.get(`${tenantId}/${eventId}`);
    return found && found.expiresAt > this.clock.now() ? found.body : undefined;
  }

  async get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const found = this.records.get(`${tenantId}/${deliveryId}`);
    return found && found.expiresAt > this.clock.now() ? copy(found.record) : undefined;
  }

  async list(tenantId: string, query: DeliveryListQuery): Promise<Page<DeliverySummary>> {
    const rawStart = query.startKey?.sk;
    if (query.startKey && (typeof rawStart !== 'string' || !rawStart.startsWith('DL#')))
      throw foreignCursor();
    // One webhook's list is sorted by ULID; the tenant-wide and event lists by ULID then webhook, as
    // the adapter's index entries are.
    const isWebhookList = query.webhookId !== undefined && query.eventId === undefined;
    const sortOf = (sort: string, webhookId: string) => (isWebhookList ? sort : `${sort}#${webhookId}`);
    const start = typeof rawStart === 'string' ? rawStart.slice(3) : undefined;
    const lowest = query.since ? ulidBoundsOf(query.since).lowest : '';
    const highest = query.until ? `${ulidBoundsOf(query.until).highest}~` : '~';
    const matching = [...this.records.values()]
      .map((entry) => ({ ...entry, position: sortOf(entry.sort, entry.record.webhookId) }))
      .filter(({ record, position, expiresAt }) => {
        if (record.tenantId !== tenantId) return false;
        if (query.webhookId !== undefined && record.webhookId !== query.webhookId) return false;
        if (query.eventId !== undefined && record.eventId !== query.eventId) return false;
        if (expiresAt <= this.clock.now()) return false;
        if (position < lowest || position > highest || (start !== undefined && position >= start))
          return false;
        if (query.status && record.status !== query.status) return false;
        return !query.eventType || record.eventType === query.eventType;
      })
      .sort((a, b) => (a.position < b.position ? 1 : -1));
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ record }) => {
        const { attempts: _attempts, tenantId: _tenant, ...summary } = copy(record);
        return summary;
      }),
      ...(matching.length > query.limit && last ? { nextKey: { sk: `DL#${last.position}` } } : {}),
    };
  }
}

/** WebhookHealthRepository over a Map of hourly buckets. */
type HealthItem = {
  buckets: Map<number, { s: number; f: number }>;
  last?: HealthFlush['last'];
  circuitOpenUntil?: string;
  period?: FailingPeriod;
  lastSucceededAt?: string;
};

export class InMemoryWebhookHealthRepository implements WebhookHealthRepository {
  readonly items = new Map<string, HealthItem>();
  readonly hourStats = new Map<string, HourStats>();

  async stats(tenantId: string, webhookId: string, fromHour: number, toHour: number): Promise<HourStats[]> {
    return [...this.hourStats.entries()]
      .filter(
        ([key, stats]) =>
          key.startsWith(`${tenantId}/${webhookId}/`) && stats.hour >= fromHour && stats.hour <= toHour,
      )
      .map(([, stats]) => ({ ...stats, latency: [...stats.latency] }))
      .sort((a, b) => a.hour - b.hour);
  }
  writes = 0;
  /** Failing-period writes that took effect. */
  periodWrites = 0;

  async add(tenantId: string, webhookId: string, flush: HealthFlush): Promise<void> {
    this.writes++;
    const key = `${tenantId}/${webhookId}`;
    const item: HealthItem = this.items.get(key) ?? { buckets: new Map() };
    for (const count of flush.counts) {
      const key = `${tenantId}/${webhookId}/${count.hour}`;
      const stats = this.hourStats.get(key) ?? {
        hour: count.hour,
        succeeded: 0,
        failed: 0,
        latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
      };
      stats.succeeded += count.succeeded;
      stats.failed += count.failed;
      (count.latency ?? []).forEach((n, index) => {
        stats.latency[index] = (stats.latency[index] ?? 0) + n;
      });
      this.hourStats.set(key, stats);
    }
    for (const { hour, succeeded, failed } of flush.counts) {
      const bucket = item.buckets.get(hour) ?? { s: 0, f: 0 };
      bucket.s += succeeded;
      bucket.f += failed;
      item.buckets.set(hour, bucket);
    }
    if (!item.last || item.last.at <= flush.last.at) item.last = flush.last;
    if (
      flush.lastSucceededAt !== undefined &&
      (item.lastSucceededAt === undefined || item.lastSucceededAt < flush.lastSucceededAt)
    ) {
      item.lastSucceededAt = flush.lastSucceededAt;
    }
    this.items.set(key, item);
  }

  async failingPeriod(tenantId: string, webhookId: string): Promise<FailingPeriodState> {
    const item = this.items.get(`${tenantId}/${webhookId}`);
    return {
      ...(item?.period ? { period: { ...item.period } } : {}),
      ...(item?.lastSucceededAt !== undefined ? { lastSucceededAt: item.lastSucceededAt } : {}),
    };
  }

  async replaceFailingPeriod(
    tenantId: string,
    webhookId: string,
    change: { expected: FailingPeriod | undefined | 'any'; next: FailingPeriod | undefined },
    _expiresAt?: Date,
  ): Promise<boolean> {
    const key = `${tenantId}/${webhookId}`;
    const item: HealthItem = this.items.get(key) ?? { buckets: new Map() };
    const stored = item.period;
    const { expected } = change;
    const isExpected =
      expected === 'any' ||
      (expected === undefined
        ? stored === undefined
        : stored !== undefined &&
          stored.failingSince === expected.failingSince &&
          stored.failureSeenAt === expected.failureSeenAt &&
          stored.failingNoticeHours === expected.failingNoticeHours);
    if (!isExpected) return false;
    this.writes++;
    this.periodWrites++;
    if (change.next) item.period = { ...change.next };
    else delete item.period;
    this.items.set(key, item);
    return true;
  }

  async noteCircuitOpen(tenantId: string, webhookId: string, openUntil: string): Promise<void> {
    this.writes++;
    const key = `${tenantId}/${webhookId}`;
    const item: HealthItem = this.items.get(key) ?? { buckets: new Map() };
    if (item.circuitOpenUntil === undefined || item.circuitOpenUntil < openUntil)
      item.circuitOpenUntil = openUntil;
    this.items.set(key, item);
  }

  async get(tenantId: string, webhookIds: string[], now: Date): Promise<Map<string, HealthCounters>> {
    const found = new Map<string, HealthCounters>();
    const currentHour = Math.floor(now.getTime() / 3_600_000);
    for (const webhookId of webhookIds) {
      const item = this.items.get(`${tenantId}/${webhookId}`);
      if (!item) continue;
      let succeeded24h = 0;
      let failed24h = 0;
      for (const [hour, bucket] of item.buckets) {
        if (hour > currentHour - 24 && hour <= currentHour) {
          succeeded24h += bucket.s;
          failed24h += bucket.f;
        }
      }
      found.set(webhookId, {
        succeeded24h,
        failed24h,
        ...(item.last
          ? {
              lastAttemptAt: item.last.at,
              lastOutcome: item.last.outcome,
              ...(item.last.statusCode !== undefined ? { lastStatusCode: item.last.statusCode } : {}),
            }
          : {}),
        ...(item.circuitOpenUntil !== undefined ? { circuitOpenUntil: item.circuitOpenUntil } : {}),
        ...(item.period ? { failingSince: item.period.failingSince } : {}),
        ...(item.lastSucceededAt !== undefined ? { lastSucceededAt: item.lastSucceededAt } : {}),
      });
    }
    return found;
  }
}

/** EventIdRegistry over a map: a claim holds its id until its expiry, judged by the clock. */
export class InMemoryEventIdRegistry implements EventIdRegistry {
  readonly #claims = new Map<string, { fingerprint: string; busEventId?: string; expiresAt: Date }>();
  /** The payload each claim carries, with its expiry, as the claim's item holds it on DynamoDB. */
  readonly #payloads = new Map<string, { body: string; expiresAt: Date }>();

  /** `payloads`: where a claim's payload goes (the delivery log of the same store, as on DynamoDB). */
  constructor(
    private readonly clock: Clock = { now: () => new Date() },
    private readonly payloads?: Pick<DeliveryLogRepository, 'putPayload'>,
  ) {}

  async claim(claim: EventIdClaim, expiresAt: Date): Promise<EventIdClaimResult> {
    const key = JSON.stringify([claim.tenantId, claim.eventId]);
    const held = this.#claims.get(key);
    if (held !== undefined && held.expiresAt > this.clock.now()) {
      const { expiresAt: _expiry, ...holder } = held;
      return { claimed: false, holder: { ...holder } };
    }
    this.#claims.set(key, {
      fingerprint: claim.fingerprint,
      ...(claim.busEventId !== undefined ? { busEventId: claim.busEventId } : {}),
      expiresAt,
    });
    if (claim.payload) this.#payloads.set(key, { ...claim.payload });
    else this.#payloads.delete(key);
    if (claim.payload) {
      await this.payloads?.putPayload(
        claim.tenantId,
        claim.eventId,
        claim.payload.body,
        claim.payload.expiresAt,
      );
    }
    return { claimed: true };
  }

  async payloadOf(tenantId: string, eventId: string): Promise<string | undefined> {
    const held = this.#payloads.get(JSON.stringify([tenantId, eventId]));
    return held && held.expiresAt > this.clock.now() ? held.body : undefined;
  }
}

/** RejectedEventRepository over an array: newest first (by the id's ULID, else receipt time), expired ones invisible. */
export class InMemoryRejectedEventRepository implements RejectedEventRepository {
  readonly events: { event: RejectedEvent; expiresAt: Date; sort: string }[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  async put(event: RejectedEvent, expiresAt: Date): Promise<void> {
    const sort = `RJ#${sortableIdPart(event.id, event.receivedAt)}`;
    // The same id again replaces the event, as a put of the same key does.
    const index = this.events.findIndex(
      (stored) => stored.event.tenantId === event.tenantId && stored.sort === sort,
    );
    if (index >= 0) this.events.splice(index, 1);
    this.events.push({ event: copy(event), expiresAt, sort });
  }

  async list(tenantId: string, query: { limit: number; startKey?: PageKey }): Promise<Page<RejectedEvent>> {
    const now = this.clock.now();
    const matching = this.events.filter(
      ({ event, expiresAt }) => event.tenantId === tenantId && expiresAt > now,
    );
    const page = pageOf(matching, ({ sort }) => sort, 'descending', query, { pk: `T#${tenantId}` });
    return { items: page.items.map(({ event }) => event), ...(page.nextKey && { nextKey: page.nextKey }) };
  }
}

export class RecordingNoticePublisher implements NoticePublisher {
  readonly disabled: { tenantId: string; webhookId: string; reason: string; at: string }[] = [];
  readonly health: WebhookHealthNotice[] = [];

  async webhookHealthNotice(notice: WebhookHealthNotice): Promise<void> {
    this.health.push(copy(notice));
  }

  async webhookDisabled(notice: {
    tenantId: string;
    webhookId: string;
    reason: string;
    at: string;
  }): Promise<void> {
    this.disabled.push(copy(notice));
  }
}

/** A clock that moves only when told. */
/**
 * A clock that moves only when told to: `advance` and `set` run the timers that fall due on the way,
 * each at its own time and in order (a timer set by a timer runs too, if it falls due), so in-memory
 * waits are driven without sleeping.
 */
export class ManualClock implements TimerClock {
  #now: Date;
  #timers: { at: number; order: number; callback: () => void }[] = [];
  #order = 0;

  constructor(start: string | Date = '2026-03-01T12:00:00.000Z') {
    this.#now = new Date(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(at: string | Date): void {
    this.#runUntil(new Date(at).getTime());
  }

  advance(milliseconds: number): void {
    this.#runUntil(this.#now.getTime() + milliseconds);
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.#now.getTime() + Math.max(0, ms), order: this.#order++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((each) => each !== timer);
    };
  }

  /** Timers not yet run (for tests of what waits). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #runUntil(end: number): void {
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      if (due.at > this.#now.getTime()) this.#now = new Date(due.at);
      due.callback();
    }
    this.#now = new Date(end);
  }
}

/** A sender for tests that never send (fan-out, DLQ): any use is a test bug. */
export const unusedSender: DeliverySender = {
  send: async () => {
    throw new Error('this test does not deliver');
  },
};

/** The portal store in memory, with the adapter's single-use and expiry rules. */
export class InMemoryPortalSessionStore implements PortalSessionStore {
  readonly links = new Map<string, { grant: PortalGrant; expiresAt: Date }>();
  readonly sessions = new Map<string, { grant: PortalGrant; expiresAt: Date }>();
  private readonly generations = new Map<string, number>();

  async saveLink(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void> {
    this.links.set(digest, { grant: structuredClone(grant), expiresAt });
  }

  async takeLink(digest: string, now: Date): Promise<PortalGrant | undefined> {
    const link = this.links.get(digest);
    if (!link || link.expiresAt.getTime() <= now.getTime()) return undefined;
    this.links.delete(digest);
    return structuredClone(link.grant);
  }

  async saveSession(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void> {
    this.sessions.set(digest, { grant: structuredClone(grant), expiresAt });
  }

  async findSession(digest: string, now: Date): Promise<{ grant: PortalGrant; expiresAt: Date } | undefined> {
    const session = this.sessions.get(digest);
    if (!session || session.expiresAt.getTime() <= now.getTime()) return undefined;
    return structuredClone(session);
  }

  async generation(tenantId: string): Promise<number> {
    return this.generations.get(tenantId) ?? 0;
  }

  async revoke(tenantId: string): Promise<number> {
    const next = (this.generations.get(tenantId) ?? 0) + 1;
    this.generations.set(tenantId, next);
    return next;
  }
}

export interface TestServices extends Services {
  portalSessions: InMemoryPortalSessionStore;
  webhooks: InMemoryWebhookRepository;
  deliveryQueue: InMemoryDeliveryQueue;
  failureLogs: InMemoryFailureLogRepository;
  rejectedEvents: InMemoryRejectedEventRepository;
  eventIds: InMemoryEventIdRegistry;
  deliveryLog: InMemoryDeliveryLogRepository;
  webhookHealth: InMemoryWebhookHealthRepository;
  orderedProgress: InMemoryOrderedProgressStore;
  notices: RecordingNoticePublisher;
  clock: ManualClock;
}

/** Services over in-memory ports and the real AES-GCM cipher with a random key. */
export function createTestServices(
  options: { config?: Partial<Config>; sender?: DeliverySender } = {},
): TestServices {
  const masterKey = randomBytes(32);
  let sequence = 0;
  // Configured as a deployment is (environment-named overrides), turned into settings by the same code.
  const config = { ...loadConfig({}), ...options.config };
  const clock = new ManualClock();
  const settings = buildSettings(config);
  const deliveryLog = new InMemoryDeliveryLogRepository(clock);
  return {
    ...settings,
    ...buildDeliveryState(config, { ...settings, clock }),
    deliveryLog,
    webhookHealth: new InMemoryWebhookHealthRepository(),
    orderedProgress: new InMemoryOrderedProgressStore(clock),
    webhooks: new InMemoryWebhookRepository(),
    failureLogs: new InMemoryFailureLogRepository(clock),
    rejectedEvents: new InMemoryRejectedEventRepository(clock),
    eventIds: new InMemoryEventIdRegistry(clock, deliveryLog),
    deliveryQueue: new InMemoryDeliveryQueue(),
    portalSessions: new InMemoryPortalSessionStore(),
    cipher: new AesGcmSecretCipher({ getMasterKey: async () => masterKey }),
    notices: new RecordingNoticePublisher(),
    sender: options.sender ?? unusedSender,
    resolver: { resolve: async () => ['127.0.0.1'] },
    clock,
    // The middle of the jitter range: retry delays are the schedule's exactly unless a test injects another.
    random: () => 0.5,
    newId: (prefix) => `${prefix}_${String(++sequence).padStart(26, '0')}`,
  };
}

/** A stored webhook with sensible defaults; secrets must be encrypted by the caller when needed. */
export function webhookFixture(overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  return {
    id: 'wh_1',
    tenantId: 'tenant-a',
    name: 'Orders hook',
    description: '',
    brandId: null,
    events: ['message.created'],
    url: 'http://127.0.0.1:9/hook',
    status: 'active',
    authentication: null,
    signing: { enabled: false },
    signingSecrets: [],
    headers: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}
