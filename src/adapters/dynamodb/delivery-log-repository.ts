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
 * one event's deliveries read two small index entries each delivery also writes (`delivery-index.ts`),
 * so their cost does not grow with the number of webhooks.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliverySummary,
  parseDeliveryId,
  ulidBoundsOf,
} from '#domain/delivery-log';
import { ValidationError } from '#domain/errors';
import type { Page } from '#domain/model';
import { type Clock, type DeliveryListQuery, type DeliveryLogRepository, systemClock } from '#domain/ports';
import { batchWrite } from './batch-write';
import {
  eventIndexPartition,
  getItems,
  indexEntriesOf,
  readIndex,
  TENANT_INDEX_SHARDS,
  tenantIndexPartition,
} from './delivery-index';
import { queryPage } from './paged-query';
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

/** How long a first-attempt record waits for others to share its BatchWriteItem, and how many share one. */
const GROUP_WINDOW_MS = 3;
const GROUP_MAX = 25;

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

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async recordOutcome(outcome: DeliveryOutcome, expiresAt: Date): Promise<void> {
    const parsed = parseDeliveryId(outcome.deliveryId);
    if (!parsed) throw new Error(`not a delivery id: ${outcome.deliveryId}`);
    if (isFirstAttemptSuccess(outcome) && outcome.attempt) {
      // The common case, and the only one no earlier write can have touched (its id carries this very
      // attempt's time; a failure-log link exists only for dead-lettered deliveries): a plain put, grouped
      // with those of concurrent deliveries into one BatchWriteItem (same write units, fewer requests).
      const { deliveryId, attempt, earlierAttempts: _none, ...fields } = outcome;
      await Promise.all([
        this.putGrouped({
          ...fields,
          id: deliveryId,
          attempts: [attempt],
          pk: deliveryPartition(outcome.tenantId, outcome.webhookId),
          sk: `${SORT_PREFIX}${parsed.ulid}`,
          kind: 'delivery',
          [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
        }),
        ...this.indexEntries(outcome, expiresAt).map((entry) => this.putGrouped(entry)),
      ]);
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
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: payloadKey(tenantId, eventId) }),
    );
    if (!Item || this.isExpired(Item)) return undefined;
    return typeof Item.body === 'string' ? Item.body : undefined;
  }

  async get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const parsed = parseDeliveryId(deliveryId);
    if (!parsed) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartition(tenantId, parsed.webhookId), sk: `${SORT_PREFIX}${parsed.ulid}` },
        ConsistentRead: true,
      }),
    );
    if (!Item || Item.id !== deliveryId || Item.tenantId !== tenantId || this.isExpired(Item))
      return undefined;
    return withoutStorageAttributes(Item) as unknown as DeliveryRecord;
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

  /** One webhook's deliveries: one Query of its partition, the filters part of it. */
  private async listWebhook(
    tenantId: string,
    webhookId: string,
    query: DeliveryListQuery,
    startSort: string | undefined,
  ): Promise<Page<DeliverySummary>> {
    const lowest = `${SORT_PREFIX}${query.since ? ulidBoundsOf(query.since).lowest : ''}`;
    const untilSort = `${SORT_PREFIX}${query.until ? ulidBoundsOf(query.until).highest : '~'}`;
    const highest = startSort !== undefined && startSort < untilSort ? startSort : untilSort;
    if (highest < lowest) return { items: [] };

    const ttl = notExpiredFilter(this.clock.now());
    const filters = [`(${ttl.expression})`];
    const names: Record<string, string> = {
      '#pk': TABLE_KEYS.partitionKey,
      '#sk': TABLE_KEYS.sortKey,
      ...ttl.names,
    };
    const values: Record<string, unknown> = { ':lowest': lowest, ':highest': highest, ...ttl.values };
    if (query.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.eventType) {
      filters.push('#eventType = :eventType');
      names['#eventType'] = 'eventType';
      values[':eventType'] = query.eventType;
    }
    // One more than a page: the start position itself may come back (BETWEEN is inclusive).
    const page = await queryPage(this.client, {
      input: {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lowest AND :highest',
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':pk': deliveryPartition(tenantId, webhookId) },
        ScanIndexForward: false,
      },
      limit: query.limit + 1,
      keyAttributes: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
    });
    const merged = page.items
      // An item without `id` is a failure-log link whose record is not written (yet).
      .filter((item) => item.sk !== startSort && typeof item.id === 'string');
    const items = merged.slice(0, query.limit);
    const hasMore = merged.length > query.limit || page.nextKey !== undefined;
    const last = items.at(-1);
    return {
      items: items.map(toSummary),
      ...(hasMore && last ? { nextKey: { sk: last.sk } } : {}),
    };
  }

  /**
   * The tenant's deliveries (the tenant index's shards) or one event's (its event index), newest first:
   * index entries are read in time order, their records fetched with BatchGetItem and filtered, until
   * the page is full or INDEX_READ_BUDGET entries were read.
   */
  private async listIndexed(
    tenantId: string,
    query: DeliveryListQuery,
    startSort: string | undefined,
  ): Promise<Page<DeliverySummary>> {
    const partitions =
      query.eventId !== undefined
        ? [eventIndexPartition(tenantId, query.eventId)]
        : Array.from({ length: TENANT_INDEX_SHARDS }, (_, shard) => tenantIndexPartition(tenantId, shard));
    const lowest = `${SORT_PREFIX}${query.since ? ulidBoundsOf(query.since).lowest : ''}`;
    // `#` sorts before every ULID character: the bound's own ULID with any webhook after it is inside.
    const highest = `${SORT_PREFIX}${query.until ? `${ulidBoundsOf(query.until).highest}~` : '~'}`;
    const now = toEpochSeconds(this.clock.now());
    const items: Record<string, unknown>[] = [];
    let before = startSort;
    let read = 0;
    for (;;) {
      const wanted = query.limit - items.length;
      const { entries, exhausted } = await readIndex(this.client, this.tableName, {
        partitions,
        lowest,
        highest,
        ...(before !== undefined ? { before } : {}),
        count: Math.min(100, Math.max(wanted, query.status || query.eventType || query.webhookId ? 50 : 0)),
      });
      const keys = entries.flatMap((entry) => {
        const parsed = parseDeliveryId(entry.id);
        return parsed
          ? [{ pk: deliveryPartition(tenantId, parsed.webhookId), sk: `${SORT_PREFIX}${parsed.ulid}` }]
          : [];
      });
      const records = await getItems(this.client, this.tableName, keys);
      for (const entry of entries) {
        before = entry.sk;
        read++;
        const parsed = parseDeliveryId(entry.id);
        const record = parsed
          ? records.get(`${deliveryPartition(tenantId, parsed.webhookId)}|${SORT_PREFIX}${parsed.ulid}`)
          : undefined;
        if (record && this.matches(record, tenantId, query, now)) items.push(record);
        if (items.length === query.limit) {
          const isLast = exhausted && entry === entries.at(-1);
          return { items: items.map(toSummary), ...(isLast ? {} : { nextKey: { sk: entry.sk } }) };
        }
      }
      if (exhausted || entries.length === 0) return { items: items.map(toSummary) };
      if (read >= INDEX_READ_BUDGET && before !== undefined) {
        return { items: items.map(toSummary), nextKey: { sk: before } };
      }
    }
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

  /** Puts `item` with the others queued within GROUP_WINDOW_MS, 25 per BatchWriteItem; resolves once written. */
  private putGrouped(item: Record<string, unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ item, resolve, reject });
      if (this.#queued.length >= GROUP_MAX) this.flushGroup();
      else this.#timer ??= setTimeout(() => this.flushGroup(), GROUP_WINDOW_MS);
    });
  }

  private flushGroup(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const group = this.#queued.splice(0, GROUP_MAX);
    if (this.#queued.length > 0) this.#timer = setTimeout(() => this.flushGroup(), 0);
    if (group.length === 0) return;
    // BatchWriteItem refuses a request that names one key twice, which would fail every record of the
    // group: a delivery recorded twice at once (a message handled twice) is one put, the later one.
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

function toSummary(item: Record<string, unknown>): DeliverySummary {
  const { attempts: _attempts, tenantId: _tenantId, ...summary } = withoutStorageAttributes(item);
  return summary as unknown as DeliverySummary;
}
