/**
 * Failure logs in the single table: `T#<tenant>` / `FL#<ulid>` for the tenant's newest-first
 * list, and gsi1 `T#<tenant>#WH#<webhookId>` / `FL#<ulid>` for one webhook's. `expiresAt`
 * (epoch seconds) is the table's TTL attribute.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#domain/errors';
import type { FailureLog, Page } from '#domain/model';
import { type Clock, type FailureLogQuery, type FailureLogRepository, systemClock } from '#domain/ports';
import { queryPage } from './paged-query';
import { sortableIdPart } from './sortable-id';
import { TABLE_KEYS } from './table-definition';
import { notExpiredFilter, toEpochSeconds, withoutStorageAttributes } from './ttl';

// DynamoDB refuses items over 400 KB. An event arrives through EventBridge (256 KB per entry),
// so only pathological logs come near; leave room for attribute names and number encoding.
const ITEM_BUDGET_BYTES = 350_000;
const DATA_SNIPPET_CHARS = 16_384;
const ATTEMPT_TEXT_CHARS = 1_024;

const INDEX = TABLE_KEYS.byWebhookIndex;

const partition = (tenantId: string) => `T#${tenantId}`;
const sortKey = (failureLogId: string) => `FL#${sortableIdPart(failureLogId)}`;
const webhookPartition = (tenantId: string, webhookId: string) => `T#${tenantId}#WH#${webhookId}`;

const byteSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Keeps a log under the item size limit: first `event.data` becomes a JSON snippet
 * (`{ truncated: true, snippet }`), then each attempt's response snippet and error are cut.
 * A log so cut can no longer be redelivered byte for byte, which beats losing the log.
 */
export function fitFailureLog(failureLog: FailureLog, budgetBytes = ITEM_BUDGET_BYTES): FailureLog {
  if (byteSize(failureLog) <= budgetBytes) return failureLog;
  const withSnippet: FailureLog = {
    ...failureLog,
    event: {
      ...failureLog.event,
      data: { truncated: true, snippet: JSON.stringify(failureLog.event.data).slice(0, DATA_SNIPPET_CHARS) },
    },
  };
  if (byteSize(withSnippet) <= budgetBytes) return withSnippet;
  const cut = (text: string | undefined) => text?.slice(0, ATTEMPT_TEXT_CHARS);
  return {
    ...withSnippet,
    lastError: withSnippet.lastError === null ? null : (cut(withSnippet.lastError) ?? null),
    attempts: withSnippet.attempts.map((attempt) => ({
      ...attempt,
      error: cut(attempt.error),
      responseSnippet: cut(attempt.responseSnippet),
    })),
  };
}

/** FailureLogRepository on DynamoDB; expired logs are invisible even before TTL removes them. */
export class DynamoFailureLogRepository implements FailureLogRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async put(failureLog: FailureLog, expiresAt: Date): Promise<boolean> {
    const ulidPart = sortableIdPart(failureLog.id);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...fitFailureLog(failureLog),
            pk: partition(failureLog.tenantId),
            sk: `FL#${ulidPart}`,
            [INDEX.partitionKey]: webhookPartition(failureLog.tenantId, failureLog.webhookId),
            [INDEX.sortKey]: `FL#${ulidPart}`,
            kind: 'failureLog',
            [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
          },
          // Ids are derived from the delivery: a second write of the same log is a no-op.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(tenantId: string, failureLogId: string): Promise<FailureLog | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: partition(tenantId), sk: sortKey(failureLogId) },
        ConsistentRead: true,
      }),
    );
    if (!Item || Item.id !== failureLogId) return undefined;
    const expiresAt = Item[TABLE_KEYS.timeToLiveAttribute];
    if (typeof expiresAt === 'number' && expiresAt <= toEpochSeconds(this.clock.now())) return undefined;
    return withoutStorageAttributes(Item) as unknown as FailureLog;
  }

  async list(tenantId: string, query: FailureLogQuery): Promise<Page<FailureLog>> {
    const ttl = notExpiredFilter(this.clock.now());
    const byWebhook = query.webhookId !== undefined;
    const keyName = byWebhook ? INDEX.partitionKey : TABLE_KEYS.partitionKey;
    const keyValue = byWebhook ? webhookPartition(tenantId, query.webhookId ?? '') : partition(tenantId);
    if (query.startKey && query.startKey[keyName] !== keyValue) {
      throw new ValidationError('The page position belongs to another query', [
        { field: 'cursor', message: 'does not belong to this list' },
      ]);
    }
    const page = await queryPage(this.client, {
      input: {
        TableName: this.tableName,
        ...(byWebhook && { IndexName: INDEX.name }),
        KeyConditionExpression: '#key = :key AND begins_with(#sort, :prefix)',
        FilterExpression: ttl.expression,
        ExpressionAttributeNames: {
          '#key': keyName,
          '#sort': byWebhook ? INDEX.sortKey : TABLE_KEYS.sortKey,
          ...ttl.names,
        },
        ExpressionAttributeValues: { ':key': keyValue, ':prefix': 'FL#', ...ttl.values },
        ScanIndexForward: false,
      },
      limit: query.limit,
      ...(query.startKey && { startKey: query.startKey }),
      keyAttributes: byWebhook
        ? [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, INDEX.partitionKey, INDEX.sortKey]
        : [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
    });
    return {
      items: page.items.map((item) => withoutStorageAttributes(item) as unknown as FailureLog),
      ...(page.nextKey && { nextKey: page.nextKey }),
    };
  }
}
