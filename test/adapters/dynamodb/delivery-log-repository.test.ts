/**
 * The DynamoDB delivery log and webhook health: the ports' contracts (test/contracts) on every store of
 * the matrix, and what is DynamoDB's own (an item's size in write units, its key layout).
 */
import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { TENANT_INDEX_SHARDS } from '#adapters/dynamodb/delivery-index';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { DynamoWebhookHealthRepository } from '#adapters/dynamodb/webhook-health-repository';
import { ATTEMPT_BYTES, RECORD_BASE_BYTES } from '#domain/delivery-log-cost';
import {
  describeDeliveryLogRepositoryContract,
  outcome,
} from '#test/contracts/delivery-log-repository.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeWebhookHealthRepositoryContract } from '#test/contracts/webhook-health-repository.contract';
import { describeEachStore, recordingBatchWrites } from '#test/support/dynamodb-stores';

const farFuture = new Date('2100-01-01T00:00:00Z');

describeEachStore('DynamoDeliveryLogRepository', ({ store }) => {
  describeDeliveryLogRepositoryContract(
    'DynamoDeliveryLogRepository',
    (clock) => new DynamoDeliveryLogRepository(store().client, store().tableName, clock),
  );
  describeWebhookHealthRepositoryContract(
    'DynamoWebhookHealthRepository',
    () => new DynamoWebhookHealthRepository(store().client, store().tableName),
  );

  it('stores a record with one attempt under 1 KB (one write unit), within the cost model figures', async () => {
    const tenantId = newTenant();
    // A failed attempt: its record is an item of its own (later attempts update it).
    const record = outcome(tenantId, {
      webhookId: 'wh_01JCCCCCCCCCCCCCCCCCCCCCCC',
      status: 'failed',
      lastStatusCode: 503,
    });
    const attempt = { ...record.attempt!, responseSnippet: 'x'.repeat(256) };
    await new DynamoDeliveryLogRepository(store().client, store().tableName).recordOutcome(
      { ...record, attempt },
      farFuture,
    );
    const { Item } = await store().client.send(
      new GetCommand({
        TableName: store().tableName,
        Key: { pk: `T#${tenantId}#DL#${record.webhookId}`, sk: `DL#${record.deliveryId.slice(4, 30)}` },
      }),
    );
    expect(Item).toBeDefined();
    const bytes = itemBytes(Item as Record<string, unknown>);
    expect(bytes).toBeLessThanOrEqual(1024);
    expect(bytes).toBeLessThanOrEqual(RECORD_BASE_BYTES + ATTEMPT_BYTES);
  });

  it('stores first-attempt successes many to an item: under half a write unit per delivery at a fan-out of 5', async () => {
    const tenantId = newTenant();
    const written: Record<string, unknown>[] = [];
    const recording = recordingBatchWrites(store().client, written);
    const log = new DynamoDeliveryLogRepository(recording, store().tableName);
    const webhooks = Array.from({ length: 5 }, (_, index) => `wh_01JFAN${String(index).padStart(20, 'A')}`);
    const deliveries = Array.from({ length: 10 }, (_, event) => {
      const eventId = `evt_${randomBytes(12).toString('hex')}`;
      return webhooks.map((webhookId, index) => {
        const at = new Date(Date.parse('2026-11-29T10:00:00.000Z') + event * 7 + index).toISOString();
        const base = outcome(tenantId, { webhookId, eventId, firstAttemptAt: at });
        const attempt = {
          ...base.attempt!,
          durationMs: 200 + index,
          host: `127.0.0.1:${41000 + index}`,
          requestHeaders: {
            ...base.attempt!.requestHeaders,
            'webhook-timestamp': String(Math.floor(Date.parse(at) / 1000)),
            // Signatures are random: what cannot be compressed.
            'webhook-signature': `v1,${randomBytes(32).toString('base64')}`,
          },
        };
        return { ...base, attempt };
      });
    }).flat();
    await Promise.all(deliveries.map((delivery) => log.recordOutcome(delivery, farFuture)));

    const units = written.reduce(
      (total: number, item) => total + Math.max(1, Math.ceil(itemBytes(item) / 1024)),
      0,
    );
    expect(units / deliveries.length).toBeLessThanOrEqual(0.5);
    // Every delivery reads back exactly as written: by id, in its webhook's list, in its event's.
    for (const delivery of deliveries) {
      const { deliveryId, attempt, earlierAttempts: _none, ...fields } = delivery;
      expect(await log.get(tenantId, deliveryId)).toEqual({ ...fields, id: deliveryId, attempts: [attempt] });
    }
    const ofWebhook = await log.list(tenantId, { webhookId: webhooks[2]!, limit: 100 });
    expect(ofWebhook.items.map((item) => item.id)).toEqual(
      deliveries
        .filter((delivery) => delivery.webhookId === webhooks[2])
        .reverse()
        .map((delivery) => delivery.deliveryId),
    );
  });

  it('lists the tenant and one event with a number of requests that does not grow with the webhooks', async () => {
    const tenantId = newTenant();
    const writer = new DynamoDeliveryLogRepository(store().client, store().tableName);
    const webhookCount = 120;
    const eventId = `evt_many_${tenantId}`;
    await Promise.all(
      Array.from({ length: webhookCount }, (_, index) =>
        writer.recordOutcome(
          outcome(tenantId, { webhookId: `wh_01JMANY${String(index).padStart(18, '0')}`, eventId }),
          farFuture,
        ),
      ),
    );
    const sent: string[] = [];
    const counting = new Proxy(store().client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          return target.send(command as never);
        };
      },
    });
    const reader = new DynamoDeliveryLogRepository(counting, store().tableName);

    const page = await reader.list(tenantId, { limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(page.nextKey).toBeDefined();
    // One Query per index shard and one BatchGetItem for the page's records, not one Query per webhook.
    expect(sent.filter((name) => name === 'QueryCommand').length).toBeLessThanOrEqual(TENANT_INDEX_SHARDS);
    expect(sent.filter((name) => name === 'BatchGetCommand')).toHaveLength(1);

    sent.length = 0;
    const ofEvent = await reader.list(tenantId, { eventId, limit: 100 });
    expect(ofEvent.items).toHaveLength(100);
    expect(sent.filter((name) => name === 'QueryCommand')).toHaveLength(1);
    expect(sent.filter((name) => name === 'BatchGetCommand')).toHaveLength(1);
  });
});

/** DynamoDB's item size rule: attribute names plus values (strings UTF-8, numbers ~1 byte per 2 digits + 1, 3 bytes per map or list plus 1 per element). */
function itemBytes(value: unknown, name = ''): number {
  const nameBytes = Buffer.byteLength(name);
  if (typeof value === 'string') return nameBytes + Buffer.byteLength(value);
  if (typeof value === 'number')
    return nameBytes + Math.ceil(String(value).replace(/[^0-9]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return nameBytes + 1;
  if (value instanceof Uint8Array) return nameBytes + value.byteLength;
  if (Array.isArray(value))
    return nameBytes + 3 + value.reduce((total: number, item) => total + 1 + itemBytes(item), 0);
  if (typeof value === 'object') {
    return (
      nameBytes +
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (total, [key, item]) => total + 1 + itemBytes(item, key),
        0,
      )
    );
  }
  return nameBytes;
}
