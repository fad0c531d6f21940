import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoWebhookRepository } from '#adapters/dynamodb/webhook-repository';
import { ValidationError } from '#domain/errors';
import { newTenant } from '#test/contracts/tenants';
import { describeWebhookRepositoryContract, makeWebhook } from '#test/contracts/webhook-repository.contract';
import { describeEachStore } from '#test/support/dynamodb-stores';

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

  describe('read-your-writes (docs/contract.md#read-your-writes)', () => {
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

  describeWebhookRepositoryContract('DynamoWebhookRepository', repository);

  // The rest is DynamoDB's own: where items live and how subscriptions are kept as items.
  describe('storage layout', () => {
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

    it('writes one subscription per event type for an active webhook, none for an inactive one', async () => {
      const tenantId = newTenant();
      const active = makeWebhook(tenantId, { events: ['message.created', 'conversation.created'] });
      const inactive = makeWebhook(tenantId, { events: ['message.created'], status: 'inactive' });
      await repository().create(active);
      await repository().create(inactive);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#*#${active.id}`]);
      expect(await subscriptionKeys(tenantId, 'conversation.created')).toEqual([`B#*#${active.id}`]);
    });

    it('refuses a hand-made start key naming another tenant’s partition', async () => {
      const tenantId = newTenant();
      await expect(
        repository().list(tenantId, { limit: 5, startKey: { pk: `T#${newTenant()}`, sk: 'WH#wh_1' } }),
      ).rejects.toBeInstanceOf(ValidationError);
    });

    it('drops every subscription item on deactivation', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.edited'] });
      await repository().create(webhook);
      await repository().update({ ...webhook, status: 'inactive', version: 2 }, 1);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([]);
      expect(await subscriptionKeys(tenantId, 'message.edited')).toEqual([]);
    });

    it('follows a change of events with the subscription items', async () => {
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

    it('follows a change of brand with the subscription items, in both directions', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, { brandId: null });
      await repository().create(webhook);
      await repository().update({ ...webhook, brandId: 'brand-1', version: 2 }, 1);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#brand-1#${webhook.id}`]);
      await repository().update({ ...webhook, brandId: 'brand-2', version: 3 }, 2);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#brand-2#${webhook.id}`]);
      await repository().update({ ...webhook, brandId: null, version: 4 }, 3);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([`B#*#${webhook.id}`]);
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

    it('removes the subscription items of a deleted webhook', async () => {
      const tenantId = newTenant();
      const webhook = makeWebhook(tenantId, {
        events: ['message.created', 'message.retracted'],
        brandId: 'b1',
      });
      await repository().create(webhook);
      expect(await repository().delete(tenantId, webhook.id)).toBe(true);
      expect(await subscriptionKeys(tenantId, 'message.created')).toEqual([]);
      expect(await subscriptionKeys(tenantId, 'message.retracted')).toEqual([]);
    });
  });
});
