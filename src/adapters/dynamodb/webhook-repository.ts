/**
 * Webhooks and their subscription index in the single table (see table-definition.ts).
 *
 * Write order instead of transactions: dynalite, the embedded store, has no TransactWriteItems,
 * so every write is ordered so that a crash between two steps leaves only harmless leftovers.
 * A missing subscription would silently lose deliveries; a stale one costs nothing, because the
 * delivery step re-reads the webhook and drops a delivery whose webhook is gone, inactive, or no
 * longer subscribed to that type and brand. Hence:
 * - create: subscriptions first, then the webhook item (only if the id is new);
 * - update: new subscriptions first, then the webhook item if its version is still the expected
 *   one, then the subscriptions no longer wanted;
 * - delete: the webhook item first, then its subscriptions.
 * A create bounded by the tenant's webhook limit counts and writes while it holds the tenant's create
 * lease (one conditional put, released after): creates racing at the limit take turns, so they cannot
 * both see room for one more. A crashed holder's lease lapses after CREATE_LEASE_MS.
 * Each subscription records the webhook version that wrote it, and the clean-up after an update
 * deletes one only if no newer version has (re)written it, so a slow writer cannot remove a
 * subscription that a later update wants.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { systemRandom } from '#adapters/system-random';
import { ConflictError, NotFoundError, ValidationError, webhookLimitReached } from '#domain/errors';
import { orderingOf, type Page, type StoredWebhook, type WebhookOrdering } from '#domain/model';
import type {
  RandomSource,
  Subscription,
  WebhookCreateOptions,
  WebhookListQuery,
  WebhookRef,
  WebhookRepository,
} from '#domain/ports';
import { type BatchWriteOptions, batchWrite } from './batch-write';
import { queryPage } from './paged-query';
import { TABLE_KEYS } from './table-definition';

const ALL_BRANDS = '*';
/** DynamoDB's limit of keys per BatchGetItem. */
const BATCH_GET_MAX_KEYS = 100;
/** Rounds of re-asking for keys DynamoDB left unprocessed (throttling) before the read fails. */
const BATCH_GET_MAX_ROUNDS = 5;
const KEY_ATTRIBUTES = [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey] as const;

interface ItemKey {
  pk: string;
  sk: string;
}

interface SubscriptionItem extends ItemKey {
  kind: 'subscription';
  webhookId: string;
  /** null = every brand; kept as an attribute so a brand containing `#` cannot match by prefix. */
  brandId: string | null;
  eventType: string;
  webhookVersion: number;
  /** The webhook's ordering, so fan-out routes without reading the webhook (absent: `none`). */
  ordering?: WebhookOrdering;
}

const webhookPartition = (tenantId: string) => `T#${tenantId}`;
const webhookKey = (tenantId: string, webhookId: string): ItemKey => ({
  pk: webhookPartition(tenantId),
  sk: `WH#${webhookId}`,
});
const createLeaseKey = (tenantId: string): ItemKey => ({
  pk: webhookPartition(tenantId),
  sk: 'LEASE#webhook-create',
});
/** How long a create may hold its tenant's lease before another may take it (a crash's leftover). */
const CREATE_LEASE_MS = 10_000;
/** How long a create waits for the lease before answering 409 (retry). */
const CREATE_LEASE_WAIT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const subscriptionPartition = (tenantId: string, eventType: string) => `T#${tenantId}#E#${eventType}`;
const brandPrefix = (brandId: string | null) => `B#${brandId ?? ALL_BRANDS}#`;

/** The subscription items a webhook in this state needs (none while inactive). */
function subscriptionsOf(webhook: StoredWebhook, includeInactive = false): SubscriptionItem[] {
  if (webhook.status !== 'active' && !includeInactive) return [];
  const eventTypes = [...new Set(webhook.events)];
  return eventTypes.map((eventType) => ({
    pk: subscriptionPartition(webhook.tenantId, eventType),
    sk: `${brandPrefix(webhook.brandId)}${webhook.id}`,
    kind: 'subscription',
    webhookId: webhook.id,
    brandId: webhook.brandId,
    eventType,
    webhookVersion: webhook.version,
    ...(orderingOf(webhook) === 'none' ? {} : { ordering: orderingOf(webhook) }),
  }));
}

const keyString = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

function toWebhook(item: Record<string, unknown>): StoredWebhook {
  const { pk: _pk, sk: _sk, kind: _kind, ...webhook } = item;
  return webhook as unknown as StoredWebhook;
}

const isConditionFailure = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** WebhookRepository on DynamoDB (or dynalite, or DynamoDB Local). */
export class DynamoWebhookRepository implements WebhookRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly batchOptions: BatchWriteOptions = {},
    /** The create lease's backoff jitter (the random port). */
    private readonly random: RandomSource = systemRandom,
  ) {}

  async create(webhook: StoredWebhook, options: WebhookCreateOptions = {}): Promise<void> {
    const limit = options.maxPerTenant;
    if (limit === undefined) return this.createUnbounded(webhook);
    const lease = await this.acquireCreateLease(webhook.tenantId);
    try {
      if ((await this.countWebhooks(webhook.tenantId)) >= limit) throw webhookLimitReached(limit);
      await this.createUnbounded(webhook);
    } finally {
      await this.releaseCreateLease(webhook.tenantId, lease);
    }
  }

  /** Waits for the tenant's create lease (a conditional put); the token it answers releases it. */
  private async acquireCreateLease(tenantId: string): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + CREATE_LEASE_WAIT_MS;
    for (let round = 0; ; round += 1) {
      const now = Date.now();
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...createLeaseKey(tenantId),
              kind: 'webhook-create-lease',
              token,
              leaseUntil: now + CREATE_LEASE_MS,
              // TTL removes a crashed holder's item eventually; the condition never waits for it.
              [TABLE_KEYS.timeToLiveAttribute]: Math.ceil((now + CREATE_LEASE_MS) / 1000) + 60,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return token;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      if (Date.now() > deadline) {
        throw new ConflictError('Another webhook of this tenant is being created; retry in a moment');
      }
      // Jittered, growing waits: a create holds the lease for a count and a few writes.
      await sleep(Math.min(200, 5 * 2 ** Math.min(round, 6)) * (0.5 + this.random()));
    }
  }

  private async releaseCreateLease(tenantId: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: createLeaseKey(tenantId),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      // Lapsed and taken by another create: that one releases it.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The tenant's webhooks, counted by the store (Select COUNT, strongly consistent). */
  private async countWebhooks(tenantId: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': webhookPartition(tenantId), ':prefix': 'WH#' },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  private async createUnbounded(webhook: StoredWebhook): Promise<void> {
    await this.putSubscriptions(subscriptionsOf(webhook));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...webhook, ...webhookKey(webhook.tenantId, webhook.id), kind: 'webhook' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`Webhook ${webhook.id} already exists`);
      throw error;
    }
  }

  async get(tenantId: string, webhookId: string): Promise<StoredWebhook | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: webhookKey(tenantId, webhookId),
        ConsistentRead: true,
      }),
    );
    return Item ? toWebhook(Item) : undefined;
  }

  /**
   * One consistent GetItem for a single webhook; otherwise consistent BatchGetItem requests of up to
   * 100 keys each, in parallel (each item is billed as a consistent GetItem: 1 read unit per 4 KB).
   * Keys DynamoDB leaves unprocessed are asked again after a short back-off; throws when some are
   * still unprocessed after BATCH_GET_MAX_ROUNDS, so no caller mistakes a throttled key for a deletion.
   */
  async getMany(refs: readonly WebhookRef[]): Promise<(StoredWebhook | undefined)[]> {
    const distinct = [
      ...new Map(refs.map((ref) => [keyString(webhookKey(ref.tenantId, ref.webhookId)), ref])).values(),
    ];
    if (distinct.length === 0) return [];
    if (distinct.length === 1) {
      const [only] = distinct as [WebhookRef];
      const webhook = await this.get(only.tenantId, only.webhookId);
      return refs.map(() => webhook);
    }
    const found = new Map<string, StoredWebhook>();
    const chunks: ItemKey[][] = [];
    for (let start = 0; start < distinct.length; start += BATCH_GET_MAX_KEYS) {
      chunks.push(
        distinct
          .slice(start, start + BATCH_GET_MAX_KEYS)
          .map((ref) => webhookKey(ref.tenantId, ref.webhookId)),
      );
    }
    await Promise.all(chunks.map((chunk) => this.batchGet(chunk, found)));
    // Callers asking for one webhook share its object, as callers of one coalesced `get` always have.
    return refs.map((ref) => found.get(keyString(webhookKey(ref.tenantId, ref.webhookId))));
  }

  private async batchGet(keys: ItemKey[], found: Map<string, StoredWebhook>): Promise<void> {
    let pending: Record<string, unknown>[] = keys.map((key) => ({ ...key }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= BATCH_GET_MAX_ROUNDS) {
        throw new Error(`${pending.length} webhook reads left unprocessed by the store (throttled)`);
      }
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) {
        found.set(keyString({ pk: String(item.pk), sk: String(item.sk) }), toWebhook(item));
      }
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
  }

  async list(tenantId: string, query: WebhookListQuery): Promise<Page<StoredWebhook>> {
    const partition = webhookPartition(tenantId);
    if (query.startKey && query.startKey[TABLE_KEYS.partitionKey] !== partition) {
      throw new ValidationError('The page position belongs to another query', [
        { field: 'cursor', message: 'does not belong to this list' },
      ]);
    }
    const filters: string[] = [];
    const names: Record<string, string> = { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey };
    const values: Record<string, unknown> = { ':pk': partition, ':prefix': 'WH#' };
    if (query.status !== undefined) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.brandId !== undefined) {
      filters.push('#brandId = :brandId');
      names['#brandId'] = 'brandId';
      values[':brandId'] = query.brandId;
    }
    const page = await queryPage(this.client, {
      input: {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
      },
      limit: query.limit,
      ...(query.startKey && { startKey: query.startKey }),
      keyAttributes: KEY_ATTRIBUTES,
    });
    return { items: page.items.map(toWebhook), ...(page.nextKey && { nextKey: page.nextKey }) };
  }

  async update(webhook: StoredWebhook, expectedVersion: number): Promise<void> {
    const current = await this.get(webhook.tenantId, webhook.id);
    if (!current) throw new NotFoundError(`Webhook ${webhook.id} not found`);
    if (current.version !== expectedVersion) {
      throw new ConflictError(`Webhook ${webhook.id} was changed concurrently; re-read and retry`);
    }
    const wanted = subscriptionsOf(webhook);
    await this.putSubscriptions(wanted);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...webhook, ...webhookKey(webhook.tenantId, webhook.id), kind: 'webhook' },
          ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expectedVersion': expectedVersion },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const latest = await this.get(webhook.tenantId, webhook.id);
      if (!latest) throw new NotFoundError(`Webhook ${webhook.id} not found`);
      throw new ConflictError(`Webhook ${webhook.id} was changed concurrently; re-read and retry`);
    }
    // Every key the old state could have left behind (inactive ones too: a crash may have kept them).
    const wantedKeys = new Set(wanted.map(keyString));
    const unwanted = subscriptionsOf(current, true).filter((item) => !wantedKeys.has(keyString(item)));
    await Promise.all(unwanted.map((item) => this.deleteSubscriptionUpTo(item, webhook.version)));
  }

  async delete(tenantId: string, webhookId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: webhookKey(tenantId, webhookId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return false;
    const leftovers = subscriptionsOf(toWebhook(Attributes), true);
    await batchWrite(
      this.client,
      this.tableName,
      leftovers.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
      this.batchOptions,
    );
    return true;
  }

  async findSubscribers(tenantId: string, eventType: string, brandId: string | null): Promise<string[]> {
    return (await this.findSubscriptions(tenantId, eventType, brandId)).map((found) => found.webhookId);
  }

  async findSubscriptions(
    tenantId: string,
    eventType: string,
    brandId: string | null,
  ): Promise<Subscription[]> {
    const brands = brandId === null ? [null] : [null, brandId];
    const found = await Promise.all(
      brands.map((brand) => this.querySubscriptions(subscriptionPartition(tenantId, eventType), brand)),
    );
    const byWebhook = new Map<string, Subscription>();
    for (const subscription of found.flat()) {
      if (!byWebhook.has(subscription.webhookId)) byWebhook.set(subscription.webhookId, subscription);
    }
    return [...byWebhook.values()];
  }

  private async querySubscriptions(partition: string, brandId: string | null): Promise<Subscription[]> {
    const subscriptions: Subscription[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': partition, ':prefix': brandPrefix(brandId) },
          ProjectionExpression: 'webhookId, brandId, ordering',
          // Read-your-writes (docs/contract.md#read-your-writes): a subscription written before the event was published must
          // be found. The subscriptions live in the base table, where strong consistency is possible.
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        // The prefix of brand "a" also matches brand "a#b"; the attribute settles it exactly.
        if ((item.brandId ?? null) === brandId && typeof item.webhookId === 'string') {
          subscriptions.push({
            webhookId: item.webhookId,
            ordering: item.ordering === 'conversation' ? 'conversation' : 'none',
          });
        }
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return subscriptions;
  }

  private async putSubscriptions(items: SubscriptionItem[]): Promise<void> {
    await batchWrite(
      this.client,
      this.tableName,
      items.map((item) => ({ PutRequest: { Item: { ...item } } })),
      this.batchOptions,
    );
  }

  private async deleteSubscriptionUpTo(item: SubscriptionItem, version: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          ConditionExpression: 'attribute_not_exists(webhookVersion) OR webhookVersion <= :version',
          ExpressionAttributeValues: { ':version': version },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
