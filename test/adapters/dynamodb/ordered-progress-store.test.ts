import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoOrderedProgressStore } from '#adapters/dynamodb/ordered-progress-store';
import { describeOrderedProgressStoreContract } from '#test/contracts/ordered-progress-store.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore } from '#test/support/dynamodb-stores';

describeEachStore('DynamoOrderedProgressStore', ({ store }) => {
  describeOrderedProgressStoreContract(
    'DynamoOrderedProgressStore',
    (clock) => new DynamoOrderedProgressStore(store().client, store().tableName, clock),
  );

  it('keeps progress under T#<tenant>#ORD#<deduplication id> / PROGRESS, expiring by TTL', async () => {
    const tenantId = newTenant();
    const expiresAt = new Date(Date.now() + 86_400_000);
    await new DynamoOrderedProgressStore(store().client, store().tableName).put(
      tenantId,
      'dedup-1',
      { attempts: [] },
      expiresAt,
    );
    const { Item } = await store().client.send(
      new GetCommand({
        TableName: store().tableName,
        Key: { pk: `T#${tenantId}#ORD#dedup-1`, sk: 'PROGRESS' },
      }),
    );
    expect(Item).toMatchObject({ progress: { attempts: [] }, expiresAt: Math.floor(+expiresAt / 1000) });
  });
});
