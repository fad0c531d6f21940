/**
 * The delivery log in the single table, designed so that a delivery costs one write unit:
 *
 * | item               | pk                         | sk          | written                                  |
 * |--------------------|----------------------------|-------------|------------------------------------------|
 * | delivery record    | T#<tenant>#DL#<webhookId>  | DL#<ulid>   | one write per attempt outcome (below)    |
 * | event payload      | T#<tenant>#EV#<eventId>    | PAYLOAD     | one PutItem per event (fan-out)          |
 * | webhook health     | T#<tenant>#DL#<webhookId>  | HEALTH      | see dynamodb/webhook-health-repository   |
 *
 * No item carries the gsi1 keys, so no write is doubled into the index. A webhook's deliveries are
 * one partition sorted by first-attempt time (the ULID), so `webhookId`, `since`/`until` are key
 * conditions and `status`/`eventType` filters of the same Query. The tenant-wide list and the list of
 * one event's deliveries read small index entries (`delivery-index.ts`), so their cost does not grow
 * with the number of webhooks: two per delivery record; for a delivery batch's first-attempt successes
 * (group items, `delivery-groups.ts`) one tenant entry per batch that also lists the batch's events,
 * and an event entry only for an event whose claim carries no payload or whose delivery was tried
 * outside its window (the event search reads the tenant index around the event's time instead).
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliverySummary,
  parseDeliveryId,
  ulidBoundsOf,
} from '#domain/delivery-log';
import { eventTimeOfBody } from '#domain/delivery-request';
import { ValidationError } from '#domain/errors';
import type { Page } from '#domain/model';
import {
  type Clock,
  type DeliveryListQuery,
  type DeliveryLogRepository,
  type OutcomeBatch,
  systemClock,
} from '#domain/ports';
import { batchWrite } from './batch-write';
import {
  decodeMembers,
  encodeMembers,
  eventWindowKeys,
  floorAfter,
  GROUP_ENCODING,
  GROUP_KIND,
  GROUP_MEMBERS_MAX,
  GROUP_REF_KIND,
  groupSortKey,
  isInEventWindow,
  splitBySpan,
  TENANT_REF_GROUPS_MAX,
  ulidOfId,
  widenForGroups,
} from './delivery-groups';
import {
  BATCH_GET_MAX_KEYS,
  eventIndexPartition,
  getItems,
  type IndexEntry,
  type IndexSource,
  indexEntriesOf,
  readIndex,
  TENANT_INDEX_SHARDS,
  tenantIndexPartition,
} from './delivery-index';
import { payloadOfItem } from './event-id-registry';
import { TABLE_KEYS } from './table-definition';
import { notExpiredFilter, toEpochSeconds, withoutStorageAttributes } from './ttl';

/** Partition of one webhook's delivery records (and its health item). */
export const deliveryPartition = (tenantId: string, webhookId: string) => `T#${tenantId}#DL#${webhookId}`;
const payloadKey = (tenantId: string, eventId: string) => ({
  pk: `T#${tenantId}#EV#${eventId}`,
  sk: 'PAYLOAD',
});
const SORT_PREFIX = 'DL#';
/**
 * Index entries one tenant-wide or event page reads at most: a selective `status`/`eventType` filter
 * answers a short page with a cursor instead of reading the whole log in one request.
 */
const INDEX_READ_BUDGET = 1_000;

/** How long a payload waits for others to share its BatchWriteItem, and how many share one. */
const PUT_WINDOW_MS = 3;
const GROUP_MAX = 25;
/**
 * How long a first-attempt success waits for others to share its group item (the deliveries of one
 * delivery batch end within a few ms of each other), and how many queued successes flush at once.
 */
const GROUP_WINDOW_MS = 15;
const OUTCOMES_FLUSH_AT = 500;
/**
 * How long a delivery batch's first-attempt success waits at most for the rest of its batch (the
 * batch's last report writes them all at once): as long as a settled record waits for its batch before
 * it is acknowledged on its own (app/prompt-acknowledgement.ts), so a slow webhook holds the others'
 * records no longer than it holds their acknowledgements.
 */
const BATCH_HOLD_MAX_MS = 200;

function isFirstAttemptSuccess(outcome: DeliveryOutcome): boolean {
  return outcome.status === 'succeeded' && outcome.attemptCount === 1 && outcome.earlierAttempts.length === 0;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** DeliveryLogRepository on DynamoDB. */
export class DynamoDeliveryLogRepository implements DeliveryLogRepository {
  readonly #queued: {
    item: Record<string, unknown>;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outcomes: QueuedOutcome[] = [];
  #outcomeTimer: ReturnType<typeof setTimeout> | undefined;
  /** First-attempt successes held per delivery batch until its last task reports (or the cap). */
  readonly #batches = new Map<
    OutcomeBatch,
    { queued: QueuedOutcome[]; timer: ReturnType<typeof setTimeout> }
  >();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async recordOutcome(outcome: DeliveryOutcome, expiresAt: Date, batch?: OutcomeBatch): Promise<void> {
    const parsed = parseDeliveryId(outcome.deliveryId);
    if (!parsed) throw new Error(`not a delivery id: ${outcome.deliveryId}`);
    if (isFirstAttemptSuccess(outcome) && outcome.attempt) {
      // The common case, and the only one no earlier write can have touched (its id carries this very
      // attempt's time; a failure-log link exists only for dead-lettered deliveries): stored with the
      // first-attempt successes of the moment, many to an item (delivery-groups.ts).
      const { deliveryId, attempt, earlierAttempts: _none, eventAnchor, ...fields } = outcome;
      const record: DeliveryRecord = { ...fields, id: deliveryId, attempts: [attempt] };
      const eventAtMs = eventAnchor === undefined ? Number.NaN : Date.parse(eventAnchor);
      await new Promise<void>((resolve, reject) => {
        const queued: QueuedOutcome = {
          record,
          ulid: parsed.ulid,
          expiresAt: toEpochSeconds(expiresAt),
          ...(Number.isFinite(eventAtMs) ? { eventAtMs } : {}),
          resolve,
          reject,
        };
        if (batch) {
          this.holdForBatch(batch, queued);
          return;
        }
        this.#outcomes.push(queued);
        if (this.#outcomes.length >= OUTCOMES_FLUSH_AT) this.flushOutcomes();
        else this.#outcomeTimer ??= setTimeout(() => this.flushOutcomes(), GROUP_WINDOW_MS);
      });
      return;
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    const set = (attribute: string, value: unknown, expression?: string) => {
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      sets.push(`#${attribute} = ${expression ?? `:${attribute}`}`);
    };
    const setOrRemove = (attribute: string, value: unknown) => {
      if (value === undefined) {
        names[`#${attribute}`] = attribute;
        removes.push(`#${attribute}`);
      } else set(attribute, value);
    };
    set('id', outcome.deliveryId);
    set('tenantId', outcome.tenantId);
    set('webhookId', outcome.webhookId);
    set('eventId', outcome.eventId);
    set('eventType', outcome.eventType);
    set('status', outcome.status);
    set('attemptCount', outcome.attemptCount);
    set('createdAt', outcome.createdAt, 'if_not_exists(#createdAt, :createdAt)');
    set('updatedAt', outcome.updatedAt);
    set('kind', 'delivery');
    set(TABLE_KEYS.timeToLiveAttribute, toEpochSeconds(expiresAt));
    setOrRemove('lastStatusCode', outcome.lastStatusCode);
    setOrRemove('lastError', outcome.lastError);
    setOrRemove('nextAttemptAt', outcome.nextAttemptAt);
    if (outcome.redeliveryOf !== undefined) set('redeliveryOf', outcome.redeliveryOf);
    if (outcome.test) set('test', true);
    names['#attempts'] = 'attempts';
    values[':earlier'] = outcome.earlierAttempts;
    if (outcome.attempt) {
      values[':new'] = [outcome.attempt];
      sets.push('#attempts = list_append(if_not_exists(#attempts, :earlier), :new)');
    } else {
      sets.push('#attempts = if_not_exists(#attempts, :earlier)');
    }
    // The index entries are written on every update too (idempotent puts): a record whose first write
    // was lost (a log write failing is only a warning) must still reach the tenant-wide list.
    const indexed = batchWrite(
      this.client,
      this.tableName,
      this.indexEntries(outcome, expiresAt).map((Item) => ({ PutRequest: { Item } })),
    );
    // Sent beside the update and awaited after it: a handler now, or its failure (a socket hung up)
    // arriving while the update is still out would be a rejection nobody awaits, which ends a Lambda
    // environment or a local delivery thread. It is still awaited (and thrown) below.
    indexed.catch(() => undefined);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: {
            pk: deliveryPartition(outcome.tenantId, outcome.webhookId),
            sk: `${SORT_PREFIX}${parsed.ulid}`,
          },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          // A late duplicate (a message processed twice after a crash) never rewinds a newer outcome.
          ConditionExpression: 'attribute_not_exists(#attemptCount) OR #attemptCount <= :attemptCount',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) {
        await indexed.catch(() => undefined);
        throw error;
      }
    }
    await indexed;
  }

  private indexEntries(outcome: DeliveryOutcome, expiresAt: Date): Record<string, unknown>[] {
    return indexEntriesOf({
      tenantId: outcome.tenantId,
      eventId: outcome.eventId,
      deliveryId: outcome.deliveryId,
      expiresAtSeconds: toEpochSeconds(expiresAt),
    });
  }

  async linkFailureLog(
    tenantId: string,
    deliveryId: string,
    failureLogId: string,
    expiresAt: Date,
  ): Promise<void> {
    const parsed = parseDeliveryId(deliveryId);
    if (!parsed) return;
    // No condition: the DLQ processor may get here before the delivery step has written the record (it
    // writes after dead-lettering). The record's own write is an update too, so it keeps this link; a
    // link whose record never comes has no `id` and is never listed, and expires like a record.
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartition(tenantId, parsed.webhookId), sk: `${SORT_PREFIX}${parsed.ulid}` },
        UpdateExpression:
          'SET #failureLogId = :failureLogId, #status = :failed, #expiresAt = if_not_exists(#expiresAt, :expiresAt) REMOVE #nextAttemptAt',
        ExpressionAttributeNames: {
          '#failureLogId': 'failureLogId',
          '#status': 'status',
          '#nextAttemptAt': 'nextAttemptAt',
          '#expiresAt': TABLE_KEYS.timeToLiveAttribute,
        },
        ExpressionAttributeValues: {
          ':failureLogId': failureLogId,
          ':failed': 'failed',
          ':expiresAt': toEpochSeconds(expiresAt),
        },
      }),
    );
  }

  async putPayload(tenantId: string, eventId: string, body: string, expiresAt: Date): Promise<void> {
    // Grouped with the payloads of concurrent fan-outs (and first-attempt records) into one
    // BatchWriteItem: the same write units, a fraction of the requests.
    await this.putGrouped({
      ...payloadKey(tenantId, eventId),
      body,
      kind: 'payload',
      [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
    });
  }

  async getPayload(tenantId: string, eventId: string): Promise<string | undefined> {
    // Fan-out stores the body with the event's id claim (`ID`, event-id-registry.ts); a failure's first
    // record or a redelivery stores it on its own (`PAYLOAD`). One BatchGetItem reads both.
    const claimKey = { pk: payloadKey(tenantId, eventId).pk, sk: 'ID' };
    const found = await getItems(this.client, this.tableName, [payloadKey(tenantId, eventId), claimKey]);
    const now = toEpochSeconds(this.clock.now());
    const fromClaim = payloadOfItem(found.get(`${claimKey.pk}|${claimKey.sk}`), now);
    if (fromClaim !== undefined) return fromClaim;
    const Item = found.get(`${claimKey.pk}|PAYLOAD`);
    if (!Item || this.isExpired(Item)) return undefined;
    return typeof Item.body === 'string' ? Item.body : undefined;
  }

  async get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const parsed = parseDeliveryId(deliveryId);
    if (!parsed) return undefined;
    // The record itself sorts first; else the group that holds it, whose key is at most GROUP_SPAN_MS above.
    const lowest = `${SORT_PREFIX}${parsed.ulid}`;
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lowest AND :highest',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: {
            ':pk': deliveryPartition(tenantId, parsed.webhookId),
            ':lowest': lowest,
            ':highest': widenForGroups(lowest),
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const found = this.membersOf(item, tenantId).find((member) => member.id === deliveryId);
        if (!found) continue;
        if (this.isExpired(found)) return undefined;
        return withoutStorageAttributes(found) as unknown as DeliveryRecord;
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return undefined;
  }

  /** The records an item holds: itself (a record), its members (a group), or none (a bare failure-log link). */
  private membersOf(item: Record<string, unknown>, tenantId: string): Record<string, unknown>[] {
    if (item.kind === GROUP_KIND) {
      const encoded = item.members;
      if (!(encoded instanceof Uint8Array)) return [];
      const webhookId = String(item.pk).slice(deliveryPartition(tenantId, '').length);
      return decodeMembers(encoded).map((member) => ({
        ...member,
        tenantId,
        webhookId,
        [TABLE_KEYS.timeToLiveAttribute]: item[TABLE_KEYS.timeToLiveAttribute],
      }));
    }
    if (typeof item.id !== 'string' || item.tenantId !== tenantId) return [];
    return [item];
  }

  async list(tenantId: string, query: DeliveryListQuery): Promise<Page<DeliverySummary>> {
    const rawStart = query.startKey?.sk;
    const startSort = typeof rawStart === 'string' ? rawStart : undefined;
    if (query.startKey && (startSort === undefined || !startSort.startsWith(SORT_PREFIX))) {
      throw new ValidationError('The page position belongs to another query', [
        { field: 'cursor', message: 'does not belong to this list' },
      ]);
    }
    if (query.webhookId !== undefined && query.eventId === undefined) {
      return this.listWebhook(tenantId, query.webhookId, query, startSort);
    }
    return this.listIndexed(tenantId, query, startSort);
  }

  /**
   * One webhook's deliveries: its partition read newest first (records and groups), the filters part of
   * the Query where the items carry them and checked again on each group's members; a member is handed
   * out once no unread item can hold a newer one.
   */
  private async listWebhook(
    tenantId: string,
    webhookId: string,
    query: DeliveryListQuery,
    startSort: string | undefined,
  ): Promise<Page<DeliverySummary>> {
    const lowest = `${SORT_PREFIX}${query.since ? ulidBoundsOf(query.since).lowest : ''}`;
    const untilSort = `${SORT_PREFIX}${query.until ? ulidBoundsOf(query.until).highest : '~'}`;
    const upper = startSort !== undefined && startSort <= untilSort ? startSort : untilSort;
    const highest = widenForGroups(upper);
    if (highest < lowest) return { items: [] };
    const inRange = (key: string) =>
      key >= lowest && key <= untilSort && (startSort === undefined || key < startSort);

    const now = this.clock.now();
    const ttl = notExpiredFilter(now);
    const filters = [`(${ttl.expression})`];
    const names: Record<string, string> = {
      '#pk': TABLE_KEYS.partitionKey,
      '#sk': TABLE_KEYS.sortKey,
      ...ttl.names,
    };
    const values: Record<string, unknown> = { ':lowest': lowest, ':highest': highest, ...ttl.values };
    if (query.status) {
      // A group's items all succeeded at once: it says so on itself.
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.eventType) {
      filters.push('(#eventType = :eventType OR contains(#eventTypes, :eventType))');
      names['#eventType'] = 'eventType';
      names['#eventTypes'] = 'eventTypes';
      values[':eventType'] = query.eventType;
    }
    const nowSeconds = toEpochSeconds(now);
    const pending: { key: string; record: Record<string, unknown> }[] = [];
    const out: { key: string; record: Record<string, unknown> }[] = [];
    const emit = (floor: string | undefined) => {
      pending.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
      while (pending.length > 0 && out.length <= query.limit) {
        const next = pending[0];
        if (!next || (floor !== undefined && next.key < floor)) break;
        pending.shift();
        if (out.at(-1)?.key !== next.key) out.push(next);
      }
    };
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lowest AND :highest',
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':pk': deliveryPartition(tenantId, webhookId) },
          ScanIndexForward: false,
          Limit: Math.max(query.limit + 1, 50),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        for (const record of this.membersOf(item, tenantId)) {
          const key = `${SORT_PREFIX}${ulidOfId(String(record.id))}`;
          if (inRange(key) && this.matches(record, tenantId, query, nowSeconds))
            pending.push({ key, record });
        }
        emit(floorAfter(String(item.sk)));
        if (out.length > query.limit) break;
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey && out.length <= query.limit);
    if (out.length <= query.limit) emit(undefined);
    const items = out.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(({ record }) => toSummary(record)),
      ...(out.length > query.limit && last ? { nextKey: { sk: last.key } } : {}),
    };
  }

  /**
   * The tenant's deliveries (the tenant index's shards) or one event's (its event index), newest first:
   * index entries are read in time order, the records and groups they point at fetched with
   * BatchGetItem and filtered, until the page is full or INDEX_READ_BUDGET deliveries were looked at.
   * A delivery is handed out once nothing unread (entry, record or group) can hold a newer one.
   */
  private async listIndexed(
    tenantId: string,
    query: DeliveryListQuery,
    startSort: string | undefined,
  ): Promise<Page<DeliverySummary>> {
    const shards = Array.from({ length: TENANT_INDEX_SHARDS }, (_, shard) =>
      tenantIndexPartition(tenantId, shard),
    );
    const sources: IndexSource[] =
      query.eventId !== undefined
        ? [
            { pk: eventIndexPartition(tenantId, query.eventId) },
            // The event's first-attempt successes listed by tenant refs instead: around its time(s).
            ...(await this.eventTimes(tenantId, query.eventId)).flatMap((eventAtMs) =>
              shards.map((pk) => ({ pk, ...eventWindowKeys(eventAtMs), eventId: query.eventId })),
            ),
          ]
        : shards.map((pk) => ({ pk }));
    const lowest = `${SORT_PREFIX}${query.since ? ulidBoundsOf(query.since).lowest : ''}`;
    // `#` sorts before every ULID character: the bound's own ULID with any webhook after it is inside.
    const untilSort = `${SORT_PREFIX}${query.until ? `${ulidBoundsOf(query.until).highest}~` : '~'}`;
    const upper = startSort !== undefined && startSort <= untilSort ? startSort : untilSort;
    const inRange = (key: string) =>
      key >= lowest && key <= untilSort && (startSort === undefined || key < startSort);
    const now = toEpochSeconds(this.clock.now());
    const candidates: Candidate[] = [];
    const items: Record<string, unknown>[] = [];
    let lastKey: string | undefined;
    let before: string | undefined;
    let highest = widenForGroups(upper);
    let floor = '~';
    let exhausted = false;
    let looked = 0;
    const byBoundDescending = (a: Candidate, b: Candidate) =>
      a.bound < b.bound ? 1 : a.bound > b.bound ? -1 : 0;
    for (;;) {
      candidates.sort(byBoundDescending);
      const top = candidates[0];
      if (top && (exhausted || top.bound >= floor)) {
        if (top.record) {
          candidates.shift();
          looked++;
          const key = top.bound;
          if (key !== lastKey && inRange(key) && this.matches(top.record, tenantId, query, now)) {
            items.push(top.record);
            if (items.length === query.limit) {
              const hasMore = candidates.length > 0 || !exhausted;
              return { items: items.map(toSummary), ...(hasMore ? { nextKey: { sk: key } } : {}) };
            }
          }
          lastKey = key;
          if (looked >= INDEX_READ_BUDGET && (candidates.length > 0 || !exhausted)) {
            return { items: items.map(toSummary), nextKey: { sk: key } };
          }
          continue;
        }
        // Fetch the newest unfetched candidates that are in order, as many as the page still needs.
        const wanted = Math.max(1, Math.min(BATCH_GET_MAX_KEYS, query.limit - items.length));
        const toFetch = candidates
          .filter((candidate) => candidate.fetch && (exhausted || candidate.bound >= floor))
          .slice(0, wanted);
        const fetched = await getItems(
          this.client,
          this.tableName,
          toFetch.flatMap((candidate) => (candidate.fetch ? [candidate.fetch] : [])),
        );
        for (const candidate of toFetch) {
          candidates.splice(candidates.indexOf(candidate), 1);
          const { fetch } = candidate;
          if (!fetch) continue;
          const item = fetched.get(`${fetch.pk}|${fetch.sk}`);
          if (!item) continue;
          for (const record of this.membersOf(item, tenantId)) {
            const ulid = ulidOfId(String(record.id));
            if (fetch.ulid !== undefined && ulid !== fetch.ulid) continue;
            candidates.push({ bound: `${SORT_PREFIX}${ulid}#${String(record.webhookId)}`, record });
          }
        }
        continue;
      }
      if (exhausted) return { items: items.map(toSummary) };
      const wanted = query.limit - items.length;
      const read = await readIndex(this.client, this.tableName, {
        sources,
        lowest,
        highest,
        ...(before !== undefined ? { before } : {}),
        count: Math.min(100, Math.max(wanted, query.status || query.eventType || query.webhookId ? 50 : 0)),
      });
      for (const entry of read.entries) candidates.push(...candidatesOf(entry, tenantId));
      const last = read.entries.at(-1);
      if (last) {
        before = last.sk;
        highest = last.sk;
        floor = floorAfter(last.sk, '#~');
      }
      exhausted = read.exhausted || read.entries.length === 0;
    }
  }

  /**
   * The times (epoch ms) around which an event's first-attempt successes may be listed by tenant refs
   * instead of event refs: its id claim's payload's time, and those of earlier events that held the same
   * id (kept on the claim when it was taken over). None when no claim carries a payload.
   */
  private async eventTimes(tenantId: string, eventId: string): Promise<number[]> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: eventIndexPartition(tenantId, eventId), sk: 'ID' },
        ProjectionExpression: '#body, #anchors',
        ExpressionAttributeNames: { '#body': 'body', '#anchors': 'anchors' },
      }),
    );
    const times = [
      ...(typeof Item?.body === 'string' ? [eventTimeOfBody(Item.body)] : []),
      ...(Array.isArray(Item?.anchors) ? Item.anchors.map((anchor) => Date.parse(String(anchor))) : []),
    ];
    return [...new Set(times.filter((time): time is number => time !== undefined && Number.isFinite(time)))];
  }

  private matches(
    record: Record<string, unknown>,
    tenantId: string,
    query: DeliveryListQuery,
    nowSeconds: number,
  ): boolean {
    // An item without `id` is a failure-log link whose record is not written (yet).
    if (typeof record.id !== 'string' || record.tenantId !== tenantId) return false;
    const expiresAt = record[TABLE_KEYS.timeToLiveAttribute];
    if (typeof expiresAt === 'number' && expiresAt <= nowSeconds) return false;
    if (query.webhookId !== undefined && record.webhookId !== query.webhookId) return false;
    if (query.eventId !== undefined && record.eventId !== query.eventId) return false;
    if (query.status !== undefined && record.status !== query.status) return false;
    return query.eventType === undefined || record.eventType === query.eventType;
  }

  /**
   * Holds a batch's first-attempt success until the batch's last task has reported, or BATCH_HOLD_MAX_MS
   * after the first one held (a slow webhook in the batch), then writes what the batch holds in one flush.
   */
  private holdForBatch(batch: OutcomeBatch, queued: QueuedOutcome): void {
    const held = this.#batches.get(batch);
    if (held) {
      held.queued.push(queued);
      if (held.queued.length >= OUTCOMES_FLUSH_AT) this.flushBatch(batch);
      return;
    }
    this.#batches.set(batch, {
      queued: [queued],
      timer: setTimeout(() => this.flushBatch(batch), BATCH_HOLD_MAX_MS),
    });
    batch.onComplete(() => this.flushBatch(batch));
  }

  private flushBatch(batch: OutcomeBatch): void {
    const held = this.#batches.get(batch);
    if (!held) return;
    clearTimeout(held.timer);
    this.#batches.delete(batch);
    this.writeOutcomes(held.queued);
  }

  /** Writes the first-attempt successes queued within GROUP_WINDOW_MS (outside a delivery batch). */
  private flushOutcomes(): void {
    if (this.#outcomeTimer) clearTimeout(this.#outcomeTimer);
    this.#outcomeTimer = undefined;
    this.writeOutcomes(this.#outcomes.splice(0));
  }

  /**
   * Writes first-attempt successes held together: per tenant, one group item per
   * webhook (members within GROUP_SPAN_MS), refs to those groups in the tenant index, and one ref per
   * event in the event's partition, all in BatchWriteItem requests. Each queued record resolves once
   * every item of the flush is written.
   */
  private writeOutcomes(queued: QueuedOutcome[]): void {
    if (queued.length === 0) return;
    const flush = randomFlushId();
    const items: Record<string, unknown>[] = [];
    const byTenant = new Map<string, Map<string, QueuedOutcome>>();
    for (const entry of queued) {
      const tenant = byTenant.get(entry.record.tenantId) ?? new Map<string, QueuedOutcome>();
      byTenant.set(entry.record.tenantId, tenant);
      // A delivery recorded twice at once (a message handled twice) is stored once, the later one.
      tenant.set(entry.record.id, entry);
    }
    for (const [tenantId, outcomes] of byTenant) {
      const byWebhook = new Map<string, QueuedOutcome[]>();
      for (const entry of outcomes.values()) {
        const list = byWebhook.get(entry.record.webhookId) ?? [];
        list.push(entry);
        byWebhook.set(entry.record.webhookId, list);
      }
      const groups: { webhookId: string; maxUlid: string; expiresAt: number }[] = [];
      const refsByEvent = new Map<
        string,
        { refs: string[][]; maxUlid: string; expiresAt: number; inWindow: boolean; groups: Set<string> }
      >();
      for (const [webhookId, list] of byWebhook) {
        list.sort((a, b) => (a.ulid < b.ulid ? -1 : a.ulid > b.ulid ? 1 : 0));
        for (const run of splitBySpan(list, (entry) => entry.ulid, GROUP_MEMBERS_MAX)) {
          const maxUlid = run.at(-1)?.ulid ?? '';
          const expiresAt = Math.max(...run.map((entry) => entry.expiresAt));
          items.push({
            pk: deliveryPartition(tenantId, webhookId),
            sk: groupSortKey(maxUlid, flush),
            kind: GROUP_KIND,
            status: 'succeeded',
            eventTypes: [...new Set(run.map((entry) => entry.record.eventType))],
            encoding: GROUP_ENCODING,
            members: encodeMembers(
              run.map(({ record }) => {
                const { tenantId: _tenant, webhookId: _webhook, ...member } = record;
                return member;
              }),
            ),
            [TABLE_KEYS.timeToLiveAttribute]: expiresAt,
          });
          groups.push({ webhookId, maxUlid, expiresAt });
          for (const entry of run) {
            const byEvent = refsByEvent.get(entry.record.eventId) ?? {
              refs: [],
              maxUlid: '',
              expiresAt: 0,
              inWindow: true,
              groups: new Set<string>(),
            };
            byEvent.refs.push([webhookId, entry.ulid, maxUlid]);
            if (entry.ulid > byEvent.maxUlid) byEvent.maxUlid = entry.ulid;
            byEvent.expiresAt = Math.max(byEvent.expiresAt, expiresAt);
            byEvent.inWindow &&=
              entry.eventAtMs !== undefined && isInEventWindow(entry.ulid, entry.eventAtMs);
            byEvent.groups.add(`${webhookId}|${maxUlid}`);
            refsByEvent.set(entry.record.eventId, byEvent);
          }
        }
      }
      groups.sort((a, b) => (a.maxUlid < b.maxUlid ? -1 : a.maxUlid > b.maxUlid ? 1 : 0));
      const tenantRefs = splitBySpan(groups, (group) => group.maxUlid, TENANT_REF_GROUPS_MAX);
      // An event all of whose deliveries here lie in its window is listed by the tenant refs of its
      // groups instead of an event ref of its own: one write per flush instead of one per event.
      const refOfGroup = new Map<string, number>();
      tenantRefs.forEach((run, index) => {
        for (const group of run) refOfGroup.set(`${group.webhookId}|${group.maxUlid}`, index);
      });
      const eventsOfRef = tenantRefs.map(() => new Set<string>());
      for (const [eventId, byEvent] of refsByEvent) {
        if (!byEvent.inWindow) continue;
        for (const group of byEvent.groups) eventsOfRef[refOfGroup.get(group) ?? 0]?.add(eventId);
      }
      tenantRefs.forEach((run, index) => {
        const maxUlid = run.at(-1)?.maxUlid ?? '';
        const events = [...(eventsOfRef[index] ?? [])];
        items.push({
          pk: tenantIndexPartition(tenantId, shardOfFlush(flush, index)),
          sk: groupSortKey(maxUlid, flush),
          kind: GROUP_REF_KIND,
          flush,
          groups: run.map((group) => [group.webhookId, group.maxUlid]),
          ...(events.length > 0 ? { events } : {}),
          [TABLE_KEYS.timeToLiveAttribute]: Math.max(...run.map((group) => group.expiresAt)),
        });
      });
      for (const [eventId, { refs, maxUlid, expiresAt, inWindow }] of refsByEvent) {
        if (inWindow) continue;
        items.push({
          pk: eventIndexPartition(tenantId, eventId),
          sk: groupSortKey(maxUlid, flush),
          kind: GROUP_REF_KIND,
          flush,
          refs,
          [TABLE_KEYS.timeToLiveAttribute]: expiresAt,
        });
      }
    }
    // Through the shared request queue: the same items and write units, but the flushes of batches
    // that end at once (concurrent pollers locally) share BatchWriteItem requests, as payloads do.
    Promise.all(items.map((item) => this.putGrouped(item))).then(
      () => {
        for (const { resolve } of queued) resolve();
      },
      (error: unknown) => {
        for (const { reject } of queued) reject(error);
      },
    );
  }

  /** Puts `item` with the others queued within GROUP_WINDOW_MS, 25 per BatchWriteItem; resolves once written. */
  private putGrouped(item: Record<string, unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ item, resolve, reject });
      if (this.#queued.length >= GROUP_MAX) this.flushGroup();
      else this.#timer ??= setTimeout(() => this.flushGroup(), PUT_WINDOW_MS);
    });
  }

  private flushGroup(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const group = this.#queued.splice(0, GROUP_MAX);
    if (this.#queued.length > 0) this.#timer = setTimeout(() => this.flushGroup(), 0);
    if (group.length === 0) return;
    // BatchWriteItem refuses a request that names one key twice, which would fail every item of the
    // group: an item put twice at once is one put, the later one.
    const byKey = new Map(group.map(({ item }) => [`${item.pk}\u0000${item.sk}`, item]));
    batchWrite(
      this.client,
      this.tableName,
      [...byKey.values()].map((item) => ({ PutRequest: { Item: item } })),
    ).then(
      () => {
        for (const { resolve } of group) resolve();
      },
      (error: unknown) => {
        for (const { reject } of group) reject(error);
      },
    );
  }

  private isExpired(item: Record<string, unknown>): boolean {
    const expiresAt = item[TABLE_KEYS.timeToLiveAttribute];
    return typeof expiresAt === 'number' && expiresAt <= toEpochSeconds(this.clock.now());
  }
}

/** A first-attempt success waiting for its flush. */
interface QueuedOutcome {
  record: DeliveryRecord;
  ulid: string;
  expiresAt: number;
  /** The event's time when its id claim carries the payload (DeliveryOutcome.eventAnchor), epoch ms. */
  eventAtMs?: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Something a tenant-wide or event page may hand out: a record (or group member) read, or an item to
 * fetch; `bound` is the highest list key (`DL#<ulid>#<webhookId>`) it can yield.
 */
interface Candidate {
  bound: string;
  record?: Record<string, unknown>;
  /** The item to fetch, and (a ref to one delivery in a group) the member's ULID. */
  fetch?: { pk: string; sk: string; ulid?: string };
}

/** What one index entry points at: a delivery's record, or (refs of a flush) groups or group members. */
function candidatesOf(entry: IndexEntry, tenantId: string): Candidate[] {
  if (typeof entry.id === 'string') {
    const parsed = parseDeliveryId(entry.id);
    if (!parsed) return [];
    return [
      {
        bound: entry.sk,
        fetch: { pk: deliveryPartition(tenantId, parsed.webhookId), sk: `${SORT_PREFIX}${parsed.ulid}` },
      },
    ];
  }
  const flush = typeof entry.flush === 'string' ? entry.flush : '';
  const candidates: Candidate[] = [];
  for (const group of Array.isArray(entry.groups) ? entry.groups : []) {
    const [webhookId, maxUlid] = group as unknown[];
    if (typeof webhookId !== 'string' || typeof maxUlid !== 'string') continue;
    candidates.push({
      bound: `${SORT_PREFIX}${maxUlid}#${webhookId}`,
      fetch: { pk: deliveryPartition(tenantId, webhookId), sk: groupSortKey(maxUlid, flush) },
    });
  }
  for (const ref of Array.isArray(entry.refs) ? entry.refs : []) {
    const [webhookId, ulid, maxUlid] = ref as unknown[];
    if (typeof webhookId !== 'string' || typeof ulid !== 'string' || typeof maxUlid !== 'string') continue;
    candidates.push({
      bound: `${SORT_PREFIX}${ulid}#${webhookId}`,
      fetch: { pk: deliveryPartition(tenantId, webhookId), sk: groupSortKey(maxUlid, flush), ulid },
    });
  }
  return candidates;
}

/** The tenant-index shard of a flush's `index`-th ref: spread, so one tenant's writes are not one partition's. */
function shardOfFlush(flush: string, index: number): number {
  return (flush.charCodeAt(0) + index) % TENANT_INDEX_SHARDS;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Six random characters naming one flush (with the group's newest ULID, its items' sort keys). */
function randomFlushId(): string {
  let id = '';
  for (const byte of randomBytes(6)) id += CROCKFORD[byte % 32];
  return id;
}

function toSummary(item: Record<string, unknown>): DeliverySummary {
  const { attempts: _attempts, tenantId: _tenantId, ...summary } = withoutStorageAttributes(item);
  return summary as unknown as DeliverySummary;
}
