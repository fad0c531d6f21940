/**
 * Event id claims in the single table: `T#<tenant>#EV#<eventId>` / `ID`, beside the event's payload
 * item, expiring through the TTL attribute. A claim is one conditional PutItem whose failure answers
 * the holder's attributes (ReturnValuesOnConditionCheckFailure), so no event pays a read: only a
 * duplicate reads, and only on a store that does not return the old item (dynalite).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { eventTimeOfBody } from '#domain/delivery-request';
import type { EventIdClaim, EventIdClaimResult, EventIdRegistry } from '#domain/ports';
import { type Clock, systemClock } from '#domain/ports';
import { TABLE_KEYS } from './table-definition';
import { toEpochSeconds } from './ttl';

const claimKey = (tenantId: string, eventId: string) => ({
  [TABLE_KEYS.partitionKey]: `T#${tenantId}#EV#${eventId}`,
  [TABLE_KEYS.sortKey]: 'ID',
});

/** EventIdRegistry on DynamoDB. An expired claim that TTL has not removed yet is taken over. */
export class DynamoEventIdRegistry implements EventIdRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * When an expired claim is taken over (the id reused after its window), the times of the events that
   * held it before stay on the new claim (`anchors`), with the later of the two expiries: the delivery
   * log's event search finds an event's first-attempt successes around its time, named by the claim's
   * payload (delivery-log-repository.ts), and an earlier event's may still be in the log. One update,
   * only on a takeover.
   */
  private async keepEventTimes(
    key: Record<string, string>,
    replaced: Record<string, unknown>,
    itemExpiry: number,
  ): Promise<void> {
    const earlierTime = typeof replaced.body === 'string' ? eventTimeOfBody(replaced.body) : undefined;
    const anchors = [
      ...(Array.isArray(replaced.anchors) ? replaced.anchors.map(String) : []),
      ...(earlierTime !== undefined ? [new Date(earlierTime).toISOString()] : []),
    ];
    if (anchors.length === 0) return;
    const earlierExpiry = replaced[TABLE_KEYS.timeToLiveAttribute];
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #anchors = :anchors, #expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#anchors': 'anchors', '#expiresAt': TABLE_KEYS.timeToLiveAttribute },
        ExpressionAttributeValues: {
          ':anchors': anchors,
          ':expiresAt': Math.max(typeof earlierExpiry === 'number' ? earlierExpiry : 0, itemExpiry),
        },
      }),
    );
  }

  async claim(claim: EventIdClaim, expiresAt: Date): Promise<EventIdClaimResult> {
    const key = claimKey(claim.tenantId, claim.eventId);
    const itemExpiry = toEpochSeconds(
      claim.payload && claim.payload.expiresAt > expiresAt ? claim.payload.expiresAt : expiresAt,
    );
    try {
      const { Attributes: replaced } = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            kind: 'eventId',
            fingerprint: claim.fingerprint,
            ...(claim.busEventId !== undefined ? { busEventId: claim.busEventId } : {}),
            // The claim holds the id until `claimUntil`; the item lives on while the payload it carries does.
            claimUntil: toEpochSeconds(expiresAt),
            ...(claim.payload
              ? { body: claim.payload.body, payloadUntil: toEpochSeconds(claim.payload.expiresAt) }
              : {}),
            [TABLE_KEYS.timeToLiveAttribute]: itemExpiry,
          },
          // Claims written before `claimUntil` existed hold their id until the item's expiry.
          ConditionExpression:
            'attribute_not_exists(#pk) OR #claimUntil <= :now OR (attribute_not_exists(#claimUntil) AND #expiresAt <= :now)',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#claimUntil': 'claimUntil',
            '#expiresAt': TABLE_KEYS.timeToLiveAttribute,
          },
          ExpressionAttributeValues: { ':now': toEpochSeconds(this.clock.now()) },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      if (replaced) await this.keepEventTimes(key, replaced, itemExpiry);
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const returned = error.Item;
      if (returned?.fingerprint?.S !== undefined) {
        return holderOf({ fingerprint: returned.fingerprint.S, busEventId: returned.busEventId?.S });
      }
      // A store that does not return the old item: read it (a duplicate's cost, never a new event's).
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      if (typeof Item?.fingerprint !== 'string') throw error;
      return holderOf({
        fingerprint: Item.fingerprint,
        busEventId: typeof Item.busEventId === 'string' ? Item.busEventId : undefined,
      });
    }
  }

  async payloadOf(tenantId: string, eventId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: claimKey(tenantId, eventId),
        ConsistentRead: true,
        ProjectionExpression: '#body, #payloadUntil',
        ExpressionAttributeNames: { '#body': 'body', '#payloadUntil': 'payloadUntil' },
      }),
    );
    return payloadOfItem(Item, toEpochSeconds(this.clock.now()));
  }
}

/** The claim's payload while `payloadUntil` (epoch seconds) is ahead (TTL removes expired items late): the one reading of a claim item's body, for the registry and the delivery log. */
export function payloadOfItem(
  item: Record<string, unknown> | undefined,
  nowSeconds: number,
): string | undefined {
  if (typeof item?.body !== 'string') return undefined;
  return typeof item.payloadUntil === 'number' && item.payloadUntil > nowSeconds ? item.body : undefined;
}

function holderOf(holder: { fingerprint: string; busEventId: string | undefined }): EventIdClaimResult {
  return {
    claimed: false,
    holder: {
      fingerprint: holder.fingerprint,
      ...(holder.busEventId !== undefined ? { busEventId: holder.busEventId } : {}),
    },
  };
}
