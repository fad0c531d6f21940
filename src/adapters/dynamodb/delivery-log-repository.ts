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
 * conditions and `status`/`eventType` filters of the same Query; the tenant-wide list runs that Query
 * on each of the tenant's webhooks and merges them newest first (cost: one Query per webhook).
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
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
/** Queries of the tenant-wide list in flight at once. */
const MERGE_CONCURRENCY = 8;

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
      await this.putGrouped({
        ...fields,
        id: deliveryId,
        attempts: [attempt],
        pk: deliveryPartition(outcome.tenantId, outcome.webhookId),
        sk: `${SORT_PREFIX}${parsed.ulid}`,
        kind: 'delivery',
        [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
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
    names['#attempts'] = 'attempts';
    values[':earlier'] = outcome.earlierAttempts;
    if (outcome.attempt) {
      values[':new'] = [outcome.attempt];
      sets.push('#attempts = list_append(if_not_exists(#attempts, :earlier), :new)');
    } else {
      sets.push('#attempts = if_not_exists(#attempts, :earlier)');
    }
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
      if (!isConditionFailure(error)) throw error;
    }
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
    // One more than a page per webhook: the start position itself may come back (BETWEEN is inclusive).
    const perWebhook = query.limit + 1;
    const limit = pLimit(MERGE_CONCURRENCY);
    const pages = await Promise.all(
      [...new Set(query.webhookIds)].map((webhookId) =>
        limit(() =>
          queryPage(this.client, {
            input: {
              TableName: this.tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lowest AND :highest',
              FilterExpression: filters.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ...values, ':pk': deliveryPartition(tenantId, webhookId) },
              ScanIndexForward: false,
            },
            limit: perWebhook,
            keyAttributes: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
          }),
        ),
      ),
    );
    const merged = pages
      .flatMap((page) => page.items)
      // An item without `id` is a failure-log link whose record is not written (yet).
      .filter((item) => item.sk !== startSort && typeof item.id === 'string')
      .sort((a, b) => (String(a.sk) < String(b.sk) ? 1 : -1));
    const items = merged.slice(0, query.limit);
    const hasMore = merged.length > query.limit || pages.some((page) => page.nextKey !== undefined);
    const last = items.at(-1);
    return {
      items: items.map(toSummary),
      ...(hasMore && last ? { nextKey: { sk: last.sk } } : {}),
    };
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
