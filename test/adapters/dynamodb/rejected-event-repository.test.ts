import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoRejectedEventRepository } from '#adapters/dynamodb/rejected-event-repository';
import { UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import {
  describeRejectedEventRepositoryContract,
  makeRejectedEvent,
} from '#test/contracts/rejected-event-repository.contract';
import { describeEachStore } from '#test/support/dynamodb-stores';

const inDays = (days: number, from = new Date()) => new Date(from.getTime() + days * 86_400_000);

describeEachStore('DynamoRejectedEventRepository', ({ store }) => {
  describeRejectedEventRepositoryContract(
    'DynamoRejectedEventRepository',
    (clock) => new DynamoRejectedEventRepository(store().client, store().tableName, clock),
  );

  it('keeps events without a tenant in the T#(unreadable) partition, sorted by their ULID', async () => {
    const event = makeRejectedEvent(UNREADABLE_TENANT_KEY);
    await new DynamoRejectedEventRepository(store().client, store().tableName).put(event, inDays(30));
    const { Item } = await store().client.send(
      new GetCommand({
        TableName: store().tableName,
        Key: { pk: `T#${UNREADABLE_TENANT_KEY}`, sk: `RJ#${event.id.slice('rj_'.length)}` },
      }),
    );
    expect(Item?.id).toBe(event.id);
  });
});
