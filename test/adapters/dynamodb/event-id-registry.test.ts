import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoEventIdRegistry } from '#adapters/dynamodb/event-id-registry';
import { describeEventIdRegistryContract } from '#test/contracts/event-id-registry.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore } from '#test/support/dynamodb-stores';

describeEachStore('DynamoEventIdRegistry', ({ store }) => {
  describeEventIdRegistryContract(
    'DynamoEventIdRegistry',
    (clock) => new DynamoEventIdRegistry(store().client, store().tableName, clock),
  );

  it('keeps a claim beside the event payload, T#<tenant>#EV#<id> / ID, expiring by TTL', async () => {
    const tenantId = newTenant();
    const expiresAt = new Date(Date.now() + 86_400_000);
    await new DynamoEventIdRegistry(store().client, store().tableName).claim(
      { tenantId, eventId: 'evt-1', fingerprint: 'fp', busEventId: 'bus-1' },
      expiresAt,
    );
    const { Item } = await store().client.send(
      new GetCommand({ TableName: store().tableName, Key: { pk: `T#${tenantId}#EV#evt-1`, sk: 'ID' } }),
    );
    expect(Item).toMatchObject({
      fingerprint: 'fp',
      busEventId: 'bus-1',
      expiresAt: Math.floor(+expiresAt / 1000),
    });
  });
});

it('claims with one conditional write that answers the holder, so a new event pays no read', async () => {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (sent.length === 1) return {};
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { fingerprint: { S: 'fp-first' }, busEventId: { S: 'bus-1' } },
      });
    },
  };
  const registry = new DynamoEventIdRegistry(client as never, 'table');
  const claim = { tenantId: 't1', eventId: 'e1', fingerprint: 'fp' };
  expect(await registry.claim(claim, new Date(Date.now() + 1000))).toEqual({ claimed: true });
  expect(await registry.claim(claim, new Date(Date.now() + 1000))).toEqual({
    claimed: false,
    holder: { fingerprint: 'fp-first', busEventId: 'bus-1' },
  });
  expect(sent.map(({ name }) => name)).toEqual(['PutCommand', 'PutCommand']);
  expect(sent[0]?.input).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  expect(String(sent[0]?.input.ConditionExpression)).toContain('attribute_not_exists');
});
