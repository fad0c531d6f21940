/**
 * Portal links and sessions in the single table, keyed by their token's digest:
 *
 * | item                  | pk                 | sk                  |
 * |-----------------------|--------------------|---------------------|
 * | portal link           | `PL#<digest>`      | `PORTAL_LINK`       |
 * | portal session        | `PS#<digest>`      | `PORTAL_SESSION`    |
 * | revocation generation | `T#<tenant>`       | `PORTAL#GENERATION` |
 *
 * A link is taken with one conditional delete, so a replayed or concurrently doubled exchange finds
 * nothing. Links and sessions expire through the TTL attribute and are refused past it on read.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PortalCapability, PortalGrant } from '#domain/portal';
import type { PortalSessionStore } from '#domain/ports';
import { TABLE_KEYS } from './table-definition';
import { toEpochSeconds } from './ttl';

const LINK_SORT_KEY = 'PORTAL_LINK';
const SESSION_SORT_KEY = 'PORTAL_SESSION';
const GENERATION_SORT_KEY = 'PORTAL#GENERATION';

const linkKey = (digest: string) => ({
  [TABLE_KEYS.partitionKey]: `PL#${digest}`,
  [TABLE_KEYS.sortKey]: LINK_SORT_KEY,
});
const sessionKey = (digest: string) => ({
  [TABLE_KEYS.partitionKey]: `PS#${digest}`,
  [TABLE_KEYS.sortKey]: SESSION_SORT_KEY,
});
const generationKey = (tenantId: string) => ({
  [TABLE_KEYS.partitionKey]: `T#${tenantId}`,
  [TABLE_KEYS.sortKey]: GENERATION_SORT_KEY,
});

function grantItem(grant: PortalGrant, expiresAt: Date): Record<string, unknown> {
  return {
    tenantId: grant.tenantId,
    capabilities: grant.capabilities,
    brandIds: grant.brandIds,
    sessionSeconds: grant.sessionSeconds,
    generation: grant.generation,
    [TABLE_KEYS.timeToLiveAttribute]: toEpochSeconds(expiresAt),
    expiresAtMs: expiresAt.getTime(),
  };
}

function toGrant(item: Record<string, unknown>): PortalGrant {
  return {
    tenantId: String(item.tenantId),
    capabilities: [...(item.capabilities as PortalCapability[])],
    brandIds: Array.isArray(item.brandIds) ? [...(item.brandIds as string[])] : null,
    sessionSeconds: Number(item.sessionSeconds),
    generation: Number(item.generation),
  };
}

/** PortalSessionStore on DynamoDB. */
export class DynamoPortalSessionStore implements PortalSessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async saveLink(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void> {
    await this.put(linkKey(digest), 'portalLink', grant, expiresAt);
  }

  async takeLink(digest: string, now: Date): Promise<PortalGrant | undefined> {
    try {
      const result = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: linkKey(digest),
          // Only a link still there and unexpired is taken; the delete is the single use.
          ConditionExpression: 'attribute_exists(#pk) AND #expiresAtMs > :now',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#expiresAtMs': 'expiresAtMs' },
          ExpressionAttributeValues: { ':now': now.getTime() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? toGrant(result.Attributes) : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  async saveSession(digest: string, grant: PortalGrant, expiresAt: Date): Promise<void> {
    await this.put(sessionKey(digest), 'portalSession', grant, expiresAt);
  }

  async findSession(digest: string, now: Date): Promise<{ grant: PortalGrant; expiresAt: Date } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: sessionKey(digest), ConsistentRead: true }),
    );
    if (!Item || !(Number(Item.expiresAtMs) > now.getTime())) return undefined;
    return { grant: toGrant(Item), expiresAt: new Date(Number(Item.expiresAtMs)) };
  }

  async generation(tenantId: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: generationKey(tenantId), ConsistentRead: true }),
    );
    return Item ? Number(Item.generation) : 0;
  }

  async revoke(tenantId: string): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: generationKey(tenantId),
        UpdateExpression: 'ADD #generation :one SET #kind = :kind',
        ExpressionAttributeNames: { '#generation': 'generation', '#kind': 'kind' },
        ExpressionAttributeValues: { ':one': 1, ':kind': 'portalGeneration' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.generation);
  }

  private async put(
    key: Record<string, string>,
    kind: string,
    grant: PortalGrant,
    expiresAt: Date,
  ): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key, kind, ...grantItem(grant, expiresAt) },
        // A digest of 256 random bits never repeats; the condition makes an impossible clash loud.
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
      }),
    );
  }
}
