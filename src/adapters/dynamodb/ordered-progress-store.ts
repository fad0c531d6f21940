/**
 * The progress of ordered deliveries held in their queue, in the single table:
 * `T#<tenant>#ORD#<deduplicationId>` / `PROGRESS`, expiring through the TTL attribute. One GetItem when
 * a held delivery comes back, one PutItem each time it is held again; a delivery that ends on its first
 * try never touches it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderedProgress } from '#domain/ordering';
import { type Clock, type OrderedProgressStore, systemClock } from '#domain/ports';
import { TABLE_KEYS } from './table-definition';
import { toEpochSeconds } from './ttl';

const progressKey = (tenantId: string, deduplicationId: string) => ({
  [TABLE_KEYS.partitionKey]: `T#${tenantId}#ORD#${deduplicationId}`,
  [TABLE_KEYS.sortKey]: 'PROGRESS',
});

/** OrderedProgressStore on DynamoDB; an expired item that TTL has not removed yet reads as absent. */
export class DynamoOrderedProgressStore implements OrderedProgressStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(tenantId: string, deduplicationId: string): Promise<OrderedProgress | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: progressKey(tenantId, deduplicationId),
        // The write that held the delivery came just before; a stale read would repeat an attempt's count.
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const expiresAt = Item[TABLE_KEYS.timeToLiveAttribute];
    if (typeof expiresAt === 'number' && expiresAt <= toEpochSeconds(this.clock.now())) return undefined;
    const progress = Item.progress as OrderedProgress | undefined;
    return progress && Array.isArray(progress.attempts) ? progress : undefined;
  }

  async put(
    tenantId: string,
    deduplicationId: string,
    progress: OrderedProgress,
    expiresAt: Date,
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...progressKey(tenantId, deduplicationId),
          kind: 'orderedProgress',
          progress,
          [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
        },
      }),
    );
  }
}
