/**
 * Rejected chat events in the single table: `T#<tenant or (unreadable)>` / `RJ#<ulid>`, newest
 * first, expiring through the TTL attribute.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#domain/errors';
import type { Page, PageKey, RejectedEvent } from '#domain/model';
import { type Clock, type RejectedEventRepository, systemClock } from '#domain/ports';
import { queryPage } from './paged-query';
import { sortableIdPart } from './sortable-id';
import { TABLE_KEYS } from './table-definition';
import { notExpiredFilter, toEpochSeconds, withoutStorageAttributes } from './ttl';

const partition = (tenantId: string) => `T#${tenantId}`;

/** RejectedEventRepository on DynamoDB; expired records are invisible even before TTL removes them. */
export class DynamoRejectedEventRepository implements RejectedEventRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async put(event: RejectedEvent, expiresAt: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...event,
          pk: partition(event.tenantId),
          // The publisher may choose event ids; the receipt time keeps the order newest first.
          sk: `RJ#${sortableIdPart(event.id, event.receivedAt)}`,
          kind: 'rejectedEvent',
          [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
        },
      }),
    );
  }

  async list(tenantId: string, query: { limit: number; startKey?: PageKey }): Promise<Page<RejectedEvent>> {
    if (query.startKey && query.startKey[TABLE_KEYS.partitionKey] !== partition(tenantId)) {
      throw new ValidationError('The page position belongs to another query', [
        { field: 'cursor', message: 'does not belong to this list' },
      ]);
    }
    const ttl = notExpiredFilter(this.clock.now());
    const page = await queryPage(this.client, {
      input: {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        FilterExpression: ttl.expression,
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey, ...ttl.names },
        ExpressionAttributeValues: { ':pk': partition(tenantId), ':prefix': 'RJ#', ...ttl.values },
        ScanIndexForward: false,
      },
      limit: query.limit,
      ...(query.startKey && { startKey: query.startKey }),
      keyAttributes: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
    });
    return {
      items: page.items.map((item) => withoutStorageAttributes(item) as unknown as RejectedEvent),
      ...(page.nextKey && { nextKey: page.nextKey }),
    };
  }
}
