/**
 * The delivery log's two tenant-level indexes, so that listing a tenant's deliveries, or one event's,
 * costs the same whatever the number of the tenant's webhooks (one Query per webhook did not: 500
 * webhooks made a page 500 Queries and slowed every other tenant's API calls):
 *
 * | item              | pk                          | sk                      | answers                          |
 * |-------------------|-----------------------------|-------------------------|----------------------------------|
 * | tenant index      | T#<tenant>#DLI#<shard 0..3> | DL#<ulid>#<webhookId>   | the tenant's deliveries by time  |
 * | event index       | T#<tenant>#EV#<eventId>     | DL#<ulid>#<webhookId>   | every delivery of one event      |
 *
 * Each entry holds only the delivery id (under 200 bytes: one write unit), written with the record
 * (grouped into the same BatchWriteItem for a first-attempt success). A list page reads the entries
 * (one Query per shard: 4 whatever the webhooks, or 1 for an event) and then the page's records with
 * BatchGetItem; `status`/`eventType` are checked on the records. The tenant index is split over
 * TENANT_INDEX_SHARDS partitions by the delivery's ULID (random part = hash of event and webhook), so
 * one tenant's write rate is not capped by one partition's 1,000 writes/s.
 * A plain DynamoDB GSI would do the same work, but adding a GSI to a deployed table is one index per
 * CloudFormation update and a backfill; these items need neither, and expire with the records (TTL).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseDeliveryId } from '#domain/delivery-log';
import { queryPage } from './paged-query';
import { TABLE_KEYS } from './table-definition';

/** Partitions of the tenant index; a tenant-wide page runs one Query on each. */
export const TENANT_INDEX_SHARDS = 4;
const SORT_PREFIX = 'DL#';
export const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_MAX_ROUNDS = 6;

/** The tenant-index partition of one shard. */
export const tenantIndexPartition = (tenantId: string, shard: number) => `T#${tenantId}#DLI#${shard}`;
/** The event-index partition (beside the event's payload item, `sk = PAYLOAD`). */
export const eventIndexPartition = (tenantId: string, eventId: string) => `T#${tenantId}#EV#${eventId}`;

function shardOf(ulid: string): number {
  return ulid.charCodeAt(ulid.length - 1) % TENANT_INDEX_SHARDS;
}

/** Sort key of a delivery's entries: by first-attempt time, then webhook (so unique per delivery). */
export function indexSortKey(ulid: string, webhookId: string): string {
  return `${SORT_PREFIX}${ulid}#${webhookId}`;
}

/** The two index entries of one delivery, as items to put. */
export function indexEntriesOf(input: {
  tenantId: string;
  eventId: string;
  deliveryId: string;
  expiresAtSeconds: number;
}): Record<string, unknown>[] {
  const parsed = parseDeliveryId(input.deliveryId);
  if (!parsed) throw new Error(`not a delivery id: ${input.deliveryId}`);
  const sk = indexSortKey(parsed.ulid, parsed.webhookId);
  const common = {
    sk,
    id: input.deliveryId,
    kind: 'delivery-index',
    [TABLE_KEYS.timeToLiveAttribute]: input.expiresAtSeconds,
  };
  return [
    { pk: tenantIndexPartition(input.tenantId, shardOf(parsed.ulid)), ...common },
    { pk: eventIndexPartition(input.tenantId, input.eventId), ...common },
  ];
}

/** An index entry as read: one delivery's (`id`), or a flush's refs to groups (`groups`) or members (`refs`). */
export interface IndexEntry {
  sk: string;
  id?: string;
  flush?: string;
  groups?: unknown[];
  refs?: unknown[];
}

/**
 * One partition an index read walks: its whole key range, or (`lowest`/`highest`) part of it, and
 * (`eventId`) only the tenant-index entries whose flush names that event (`events`).
 */
export interface IndexSource {
  pk: string;
  lowest?: string;
  highest?: string;
  eventId?: string;
}

/**
 * Up to `count` index entries (delivery ids with their sort keys), newest first, across `sources`,
 * with sort keys in [lowest, highest] (and each source's own range) and below `before` (exclusive)
 * when given; `exhausted` when nothing older is left.
 */
export async function readIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: { sources: IndexSource[]; lowest: string; highest: string; before?: string; count: number },
): Promise<{ entries: IndexEntry[]; exhausted: boolean }> {
  const highest = input.before !== undefined && input.before < input.highest ? input.before : input.highest;
  const pages = await Promise.all(
    input.sources.map((source) => {
      const low = source.lowest !== undefined && source.lowest > input.lowest ? source.lowest : input.lowest;
      const high = source.highest !== undefined && source.highest < highest ? source.highest : highest;
      if (high < low) return { items: [] as Record<string, unknown>[], nextKey: undefined };
      return queryPage(client, {
        input: {
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lowest AND :highest',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#sk': TABLE_KEYS.sortKey,
            '#id': 'id',
            '#flush': 'flush',
            '#groups': 'groups',
            '#refs': 'refs',
            ...(source.eventId !== undefined ? { '#events': 'events' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': source.pk,
            ':lowest': low,
            ':highest': high,
            ...(source.eventId !== undefined ? { ':event': source.eventId } : {}),
          },
          ...(source.eventId !== undefined ? { FilterExpression: 'contains(#events, :event)' } : {}),
          ProjectionExpression: '#sk, #id, #flush, #groups, #refs',
          ScanIndexForward: false,
        },
        // One more: BETWEEN is inclusive, so the `before` position itself may come back.
        limit: input.count + 1,
        keyAttributes: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
      });
    }),
  );
  const merged = pages
    .flatMap((page) => page.items)
    .filter(
      (item) =>
        item.sk !== input.before &&
        typeof item.sk === 'string' &&
        (typeof item.id === 'string' || typeof item.flush === 'string'),
    )
    .map((item) => item as unknown as IndexEntry)
    .sort((a, b) => (a.sk < b.sk ? 1 : -1));
  const entries = merged.slice(0, input.count);
  const exhausted = merged.length <= input.count && pages.every((page) => page.nextKey === undefined);
  return { entries, exhausted };
}

/** The stored items at `keys` (eventually consistent BatchGetItem, 100 keys a request), by `pk|sk`. */
export async function getItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: { pk: string; sk: string }[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const distinct = [...new Map(keys.map((key) => [`${key.pk}|${key.sk}`, key])).values()];
  const chunks: { pk: string; sk: string }[][] = [];
  for (let start = 0; start < distinct.length; start += BATCH_GET_MAX_KEYS) {
    chunks.push(distinct.slice(start, start + BATCH_GET_MAX_KEYS));
  }
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: Record<string, unknown>[] = chunk.map((key) => ({ pk: key.pk, sk: key.sk }));
      for (let round = 0; pending.length > 0; round++) {
        if (round >= BATCH_GET_MAX_ROUNDS) {
          throw new Error(`${pending.length} delivery reads left unprocessed by the store (throttled)`);
        }
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
        const { Responses, UnprocessedKeys } = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
        );
        for (const item of Responses?.[tableName] ?? []) found.set(`${item.pk}|${item.sk}`, item);
        pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
    }),
  );
  return found;
}
