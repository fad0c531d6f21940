import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoWebhookRepository } from '#adapters/dynamodb/webhook-repository';
import { ConflictError, NotFoundError, ValidationError } from '#domain/errors';
import type { PageKey, StoredWebhook } from '#domain/model';
import type { WebhookListQuery } from '#domain/ports';
import { describeEachStore } from '#test/support/dynamodb-stores';

let sequence = 0;
/** A unique tenant per test keeps tests independent on one shared table. */
const newTenant = () => `tenant-${Date.now().toString(36)}-${sequence++}`;

function makeWebhook(tenantId: string, overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  const id = overrides.id ?? `wh_${(sequence++).toString().padStart(6, '0')}`;
  return {
    id,
    tenantId,
    name: `Webhook ${id}`,
    description: '',
    brandId: null,
    events: ['message.created'],
    url: 'https://hooks.example.com/in',
    status: 'active',
    authentication: null,
    signing: { enabled: true },
    signingSecrets: [{ encryptedSecret: 'ciphertext', createdAt: '2026-01-01T00:00:00.000Z' }],
    headers: { 'x-team': 'support' },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

/** Reads every page of a list query, returning the ids in order and the page count. */
async function listAll(
  repository: DynamoWebhookRepository,
  tenantId: string,
  query: Omit<WebhookListQuery, 'startKey'>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  let pages = 0;
  do {
    const page = await repository.list(tenantId, { ...query, ...(startKey && { startKey }) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    if (page.nextKey) expect(page.items.length).toBe(query.limit);
    ids.push(...page.items.map((webhook) => webhook.id));
    startKey = page.nextKey;
    if (pages > 200) throw new Error('pagination does not end');
  } while (startKey);
  return { ids, pages };
}

describeEachStore('DynamoWebhookRepository', ({ store }) => {
  const repository = () => new DynamoWebhookRepository(store().client, store().tableName);

  /** The subscription items actually stored for a tenant and event type. */
  async function subscriptionKeys(tenantId: string, eventType: string): Promise<string[]> {
    const { Items } = await store().client.send(
      new QueryCommand({
        TableName: store().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `T#${tenantId}#E#${eventType}` },
      }),
    );
    return (Items ?? []).map((item) => String(item.sk));
  }

  describe('read-your-writes (SPEC 6.1)', () => {
    // The embedded stores always read their own writes, so what proves DynamoDB would too is the flag.
    it('reads the webhook and its subscribers with ConsistentRead, the delivery path’s two reads', async () => {
      const sent: { name: string; input: Record<string, unknown> }[] = [];
      const client = store().client;
      const recording = {
        send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          sent.push({ name: command.constructor.name, input: command.input });
          return client.send(command as never);
        },
      } as unknown as typeof client;
      const recorded = new DynamoWebhookRepository(recording, store().tableName);
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { brandId: 'brand-1' });
      await repository().create(webhook);

      expect(await recorded.get(tenantId, webhook.id)).toBeDefined();
      expect(await recorded.findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([webhook.id]);
      expect(await recorded.findSubscribers(tenantId, 'message.created', null)).toEqual([]);

      expect(sent.map((call) => call.name)).toEqual([
        'GetCommand',
        'QueryCommand',
        'QueryCommand',
        'QueryCommand',
      ]);
      for (const call of sent) expect(call.input.ConsistentRead, call.name).toBe(true);
    });

    it('reads several webhooks in one consistent BatchGetItem, in the order asked, a missing one undefined', async () => {
      const sent: { name: string; input: Record<string, unknown> }[] = [];
      const client = store().client;
      const recording = {
        send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          sent.push({ name: command.constructor.name, input: command.input });
          return client.send(command as never);
        },
      } as unknown as typeof client;
      const recorded = new DynamoWebhookRepository(recording, store().tableName);
      const tenantA = newTenant();
      const tenantB = newTenant();
      const first = makeWebhook(tenantA);
      const second = makeWebhook(tenantB, { name: 'second' });
      await repository().create(first);
      await repository().create(second);

      const found = await recorded.getMany([
        { tenantId: tenantB, webhookId: second.id },
        { tenantId: tenantA, webhookId: 'wh_missing' },
        { tenantId: tenantA, webhookId: first.id },
        { tenantId: tenantB, webhookId: second.id },
        // The same id under another tenant is another webhook: it does not exist.
        { tenantId: tenantA, webhookId: second.id },
      ]);
      expect(found.map((webhook) => webhook?.name)).toEqual([
        'second',
        undefined,
        first.name,
        'second',
        undefined,
      ]);
      expect(found[0]).toEqual(second);
      expect(sent.map((call) => call.name)).toEqual(['BatchGetCommand']);
      const request = sent[0]?.input.RequestItems as Record<
        string,
        { Keys: unknown[]; ConsistentRead: boolean }
      >;
      expect(request[store().tableName]?.ConsistentRead).toBe(true);
      expect(request[store().tableName]?.Keys).toHaveLength(4);

      // One webhook (even asked twice) is one consistent GetItem.
      sent.length = 0;
      expect(
        (await recorded.getMany([{ tenantId: tenantA, webhookId: first.id }])).map((w) => w?.id),
      ).toEqual([first.id]);
      expect(sent.map((call) => [call.name, call.input.ConsistentRead])).toEqual([['GetCommand', true]]);
      expect(await recorded.getMany([])).toEqual([]);
    });

    it('reads more than 100 webhooks in requests of at most 100 keys', async () => {
      const keysPerRequest: number[] = [];
      const client = store().client;
      const recording = {
        send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          if (command.constructor.name === 'BatchGetCommand') {
            const items = command.input.RequestItems as Record<string, { Keys: unknown[] }>;
            keysPerRequest.push(items[store().tableName]?.Keys.length ?? 0);
          }
          return client.send(command as never);
        },
      } as unknown as typeof client;
      const tenantId = newTenant();
      const stored = makeWebhook(tenantId);
      await repository().create(stored);
      const refs = Array.from({ length: 150 }, (_, index) => ({ tenantId, webhookId: `wh_none_${index}` }));
      refs.push({ tenantId, webhookId: stored.id });
      const found = await new DynamoWebhookRepository(recording, store().tableName).getMany(refs);
      expect(found.filter(Boolean).map((webhook) => webhook?.id)).toEqual([stored.id]);
      expect(found.at(-1)?.id).toBe(stored.id);
      expect(keysPerRequest.sort((a, b) => a - b)).toEqual([51, 100]);
    });
  });

  describe('create and get', () => {
    it('stores every field and reads it back', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, {
        brandId: 'brand-1',
        description: 'Sends chats to the CRM',
        authentication: { type: 'basic', username: 'crm', encryptedPassword: 'cipher' },
        failingSince: '2026-01-02T00:00:00.000Z',
        disabledReason: undefined,
      });
      await repository().create(webhook);
      const { disabledReason: _unset, ...expected } = webhook;
      expect(await repository().get(tenantId, webhook.id)).toEqual(expected);
    });

    it('stores custom headers whose names are also Object.prototype names', async () => {
      const tenantId = newTenant();
      const headers = { constructor: ' ', toString: 'x', hasOwnProperty: 'y' };
      const webhook = makeWebhook(tenantId, { headers });
      await repository().create(webhook);
      expect((await repository().get(tenantId, webhook.id))?.headers).toEqual(headers);
    });

    it('stores the webhook item under T#<tenant> / WH#<id> with kind webhook', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId);
      await repository().create(webhook);
      const { Item } = await store().client.send(
        new GetCommand({
          TableName: store().tableName,
          Key: { pk: `T#${tenantId}`, sk: `WH#${webhook.id}` },
        }),
      );
      expect(Item?.kind).toBe('webhook');
      expect(Item?.name).toBe(webhook.name);
    });

    it('refuses a second create with the same id', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId);
      await repository().create(webhook);
      await expect(repository().create({ ...webhook, name: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect((await repository().get(tenantId, webhook.id))?.name).toBe(webhook.name);
    });

    it('answers undefined for an unknown id', async () => {
      expect(await repository().get(newTenant(), 'wh_missing')).toBeUndefined();
    });

    it('writes one subscription per event type for an active webhook, none for an inactive one', async () => {
      const tenantId = newTenant();
      const active = makeWebhook(tenantId, { events: ['message.created', 'conversation.created'] });
      const inactive = makeWebhook(tenantId, { events: ['message.created'], status: 'inactive' });
      await repository().create(active);
      await repository().create(inactive);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#*#${active.id}`]);
      expect(await subscriptionKeys(tenantId, 'conversation.created')).toEqual([`B#*#${active.id}`]);
    });
  });

  describe('tenant isolation', () => {
    it('does not show, update, delete or match another tenant’s webhook', async () => {
      const owner = newTenant();
      const stranger = newTenant();
      const webhook = makeWebhook(owner);
      await repository().create(webhook);

      expect(await repository().get(stranger, webhook.id)).toBeUndefined();
      expect((await repository().list(stranger, { limit: 10 })).items).toEqual([]);
      expect(await repository().findSubscribers(stranger, 'message.created', null)).toEqual([]);
      expect(await repository().delete(stranger, webhook.id)).toBe(false);
      await expect(
        repository().update({ ...webhook, tenantId: stranger, version: 2 }, 1),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await repository().get(owner, webhook.id)).toBeDefined();
      expect(await repository().findSubscribers(owner, 'message.created', null)).toEqual([webhook.id]);
    });

    it('refuses a start key from another tenant’s list', async () => {
      const tenantId = newTenant();
      await expect(
        repository().list(tenantId, { limit: 5, startKey: { pk: `T#${newTenant()}`, sk: 'WH#wh_1' } }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('update', () => {
    it('replaces the webhook when the version matches', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId);
      await repository().create(webhook);
      await repository().update({ ...webhook, name: 'Renamed', version: 2 }, 1);
      const stored = await repository().get(tenantId, webhook.id);
      expect(stored?.name).toBe('Renamed');
      expect(stored?.version).toBe(2);
    });

    it('throws ConflictError on a stale version and keeps the stored one', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId);
      await repository().create(webhook);
      await repository().update({ ...webhook, name: 'First', version: 2 }, 1);
      await expect(repository().update({ ...webhook, name: 'Second', version: 2 }, 1)).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await repository().get(tenantId, webhook.id))?.name).toBe('First');
    });

    it('lets exactly one of two concurrent updates of the same version win', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId);
      await repository().create(webhook);
      const results = await Promise.allSettled([
        repository().update({ ...webhook, name: 'A', version: 2 }, 1),
        repository().update({ ...webhook, name: 'B', version: 2 }, 1),
      ]);
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    });

    it('throws NotFoundError for a missing webhook', async () => {
      const webhook = makeWebhook(newTenant());
      await expect(repository().update({ ...webhook, version: 2 }, 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('drops every subscription on deactivation and restores them on activation', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.edited'] });
      await repository().create(webhook);
      await repository().update({ ...webhook, status: 'inactive', version: 2 }, 1);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([]);
      expect(await subscriptionKeys(tenantId, 'message.edited')).toEqual([]);
      expect(await repository().findSubscribers(tenantId, 'message.created', null)).toEqual([]);

      await repository().update({ ...webhook, status: 'active', version: 3 }, 2);
      expect(await repository().findSubscribers(tenantId, 'message.created', null)).toEqual([webhook.id]);
      expect(await repository().findSubscribers(tenantId, 'message.edited', null)).toEqual([webhook.id]);
    });

    it('follows a change of events: adds the new types and removes the dropped ones', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.edited'] });
      await repository().create(webhook);
      await repository().update(
        { ...webhook, events: ['message.edited', 'conversation.deleted'], version: 2 },
        1,
      );
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([]);
      expect(await subscriptionKeys(tenantId, 'message.edited')).toEqual([`B#*#${webhook.id}`]);
      expect(await subscriptionKeys(tenantId, 'conversation.deleted')).toEqual([`B#*#${webhook.id}`]);
    });

    it('follows a change of brand in both directions', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { brandId: null });
      await repository().create(webhook);

      await repository().update({ ...webhook, brandId: 'brand-1', version: 2 }, 1);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#brand-1#${webhook.id}`]);
      expect(await repository().findSubscribers(tenantId, 'message.created', 'brand-2')).toEqual([]);
      expect(await repository().findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([
        webhook.id,
      ]);

      await repository().update({ ...webhook, brandId: 'brand-2', version: 3 }, 2);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#brand-2#${webhook.id}`]);

      await repository().update({ ...webhook, brandId: null, version: 4 }, 3);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#*#${webhook.id}`]);
      expect(await repository().findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([
        webhook.id,
      ]);
    });

    it('keeps a subscription that a newer version wrote while an older update cleans up', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { events: ['message.created'] });
      await repository().create(webhook);
      // Version 3 wants message.created again; a slow clean-up from version 2 must not remove it.
      await repository().update({ ...webhook, events: ['message.edited'], version: 2 }, 1);
      await repository().update({ ...webhook, events: ['message.created'], version: 3 }, 2);
      const repositoryInternals = repository() as unknown as {
        deleteSubscriptionUpTo(item: { pk: string; sk: string }, version: number): Promise<void>;
      };
      await repositoryInternals.deleteSubscriptionUpTo(
        { pk: `T#${tenantId}#E#message.created`, sk: `B#*#${webhook.id}` },
        2,
      );
      expect(await repository().findSubscribers(tenantId, 'message.created', null)).toEqual([webhook.id]);
    });
  });

  describe('delete', () => {
    it('removes the webhook and all its subscriptions, and says whether it existed', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, {
        events: ['message.created', 'message.retracted'],
        brandId: 'b1',
      });
      await repository().create(webhook);
      expect(await repository().delete(tenantId, webhook.id)).toBe(true);
      expect(await repository().get(tenantId, webhook.id)).toBeUndefined();
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([]);
      expect(await subscriptionKeys(tenantId, 'message.retracted')).toEqual([]);
      expect(await repository().delete(tenantId, webhook.id)).toBe(false);
    });
  });

  describe('findSubscribers', () => {
    it('matches all-brands webhooks for every brand and brand webhooks for their brand only', async () => {
      const tenantId = newTenant();
      const allBrands = makeWebhook(tenantId, { brandId: null });
      const brandOne = makeWebhook(tenantId, { brandId: 'brand-1' });
      const brandTwo = makeWebhook(tenantId, { brandId: 'brand-2' });
      const otherType = makeWebhook(tenantId, { brandId: null, events: ['message.edited'] });
      const inactive = makeWebhook(tenantId, { brandId: 'brand-1', status: 'inactive' });
      for (const webhook of [allBrands, brandOne, brandTwo, otherType, inactive]) {
        await repository().create(webhook);
      }
      const sorted = (ids: string[]) => [...ids].sort();
      expect(sorted(await repository().findSubscribers(tenantId, 'message.created', 'brand-1'))).toEqual(
        sorted([allBrands.id, brandOne.id]),
      );
      expect(sorted(await repository().findSubscribers(tenantId, 'message.created', 'brand-3'))).toEqual([
        allBrands.id,
      ]);
      // An event without a brand reaches only the webhooks that take every brand.
      expect(await repository().findSubscribers(tenantId, 'message.created', null)).toEqual([allBrands.id]);
      expect(await repository().findSubscribers(tenantId, 'message.edited', 'brand-1')).toEqual([
        otherType.id,
      ]);
      expect(await repository().findSubscribers(tenantId, 'conversation.created', 'brand-1')).toEqual([]);
    });

    it('does not confuse a brand with another that starts with it and a #', async () => {
      const tenantId = newTenant();
      const prefixed = makeWebhook(tenantId, { brandId: 'a#b' });
      const plain = makeWebhook(tenantId, { brandId: 'a' });
      await repository().create(prefixed);
      await repository().create(plain);
      expect(await repository().findSubscribers(tenantId, 'message.created', 'a')).toEqual([plain.id]);
      expect(await repository().findSubscribers(tenantId, 'message.created', 'a#b')).toEqual([prefixed.id]);
    });
  });

  describe('list', () => {
    it('returns every webhook exactly once across pages, with and without filters', async () => {
      const tenantId = newTenant();
      const webhooks: StoredWebhook[] = [];
      for (let index = 0; index < 55; index++) {
        webhooks.push(
          makeWebhook(tenantId, {
            id: `wh_${index.toString().padStart(3, '0')}`,
            status: index % 3 === 0 ? 'inactive' : 'active',
            brandId: index % 5 === 0 ? 'brand-x' : index % 2 === 0 ? 'brand-y' : null,
          }),
        );
      }
      await Promise.all(webhooks.map((webhook) => repository().create(webhook)));
      // A neighbour tenant's webhooks must not leak into the pages.
      await repository().create(makeWebhook(newTenant()));

      const expectIds = (predicate: (webhook: StoredWebhook) => boolean) =>
        webhooks.filter(predicate).map((webhook) => webhook.id);

      for (const limit of [1, 7, 10, 25, 55, 100]) {
        const all = await listAll(repository(), tenantId, { limit });
        expect(all.ids).toEqual(expectIds(() => true));
        // The look-ahead read means no trailing empty page.
        expect(all.pages).toBe(Math.ceil(55 / limit));

        const inactive = await listAll(repository(), tenantId, { limit, status: 'inactive' });
        expect(inactive.ids).toEqual(expectIds((webhook) => webhook.status === 'inactive'));

        const brandX = await listAll(repository(), tenantId, { limit, brandId: 'brand-x' });
        expect(brandX.ids).toEqual(expectIds((webhook) => webhook.brandId === 'brand-x'));

        const activeBrandY = await listAll(repository(), tenantId, {
          limit,
          status: 'active',
          brandId: 'brand-y',
        });
        expect(activeBrandY.ids).toEqual(
          expectIds((webhook) => webhook.status === 'active' && webhook.brandId === 'brand-y'),
        );
      }
    });

    it('does not return an empty filtered page while matches remain further on', async () => {
      const tenantId = newTenant();
      for (let index = 0; index < 30; index++) {
        await repository().create(
          makeWebhook(tenantId, { id: `wh_${index.toString().padStart(3, '0')}`, status: 'inactive' }),
        );
      }
      const last = makeWebhook(tenantId, { id: 'wh_999', status: 'active' });
      await repository().create(last);
      const page = await repository().list(tenantId, { limit: 2, status: 'active' });
      expect(page.items.map((webhook) => webhook.id)).toEqual([last.id]);
      expect(page.nextKey).toBeUndefined();
    });

    it('gives no next key on the last page', async () => {
      const tenantId = newTenant();
      await repository().create(makeWebhook(tenantId));
      await repository().create(makeWebhook(tenantId));
      const page = await repository().list(tenantId, { limit: 5 });
      expect(page.items).toHaveLength(2);
      expect(page.nextKey).toBeUndefined();
    });
  });
});
