import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { DynamoEventIdRegistry } from '#adapters/dynamodb/event-id-registry';
import { describeEventIdRegistryContract } from '#test/contracts/event-id-registry.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore } from '#test/support/dynamodb-stores';
import { ManualClock } from '#test/support/in-memory-ports';

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

  it('carries the delivery log’s payload in the claim item (one write per event), which outlives the claim', async () => {
    const tenantId = newTenant();
    const clock = new ManualClock('2026-11-29T10:00:00.000Z');
    const registry = new DynamoEventIdRegistry(store().client, store().tableName, clock);
    const log = new DynamoDeliveryLogRepository(store().client, store().tableName, clock);
    const claimUntil = new Date('2026-11-30T10:00:00.000Z');
    const payloadUntil = new Date('2026-12-05T10:00:00.000Z');
    const claim = { tenantId, eventId: 'evt-p', fingerprint: 'fp' };
    expect(
      await registry.claim(
        { ...claim, payload: { body: '{"of":"first"}', expiresAt: payloadUntil } },
        claimUntil,
      ),
    ).toEqual({ claimed: true });
    expect(await log.getPayload(tenantId, 'evt-p')).toBe('{"of":"first"}');
    // A third tenant that knows the id reads nothing.
    expect(await log.getPayload(newTenant(), 'evt-p')).toBeUndefined();
    // Held: nothing of the second claim is written.
    expect(
      await registry.claim(
        { ...claim, payload: { body: '{"of":"second"}', expiresAt: payloadUntil } },
        claimUntil,
      ),
    ).toMatchObject({ claimed: false });
    expect(await log.getPayload(tenantId, 'evt-p')).toBe('{"of":"first"}');
    // Past the claim's window the id is free again, though the item lives on for its payload.
    clock.advance(2 * 86_400_000);
    expect(await log.getPayload(tenantId, 'evt-p')).toBe('{"of":"first"}');
    expect(await registry.claim(claim, new Date('2026-12-02T10:00:00.000Z'))).toEqual({ claimed: true });
    clock.advance(10 * 86_400_000);
    expect(await log.getPayload(tenantId, 'evt-p')).toBeUndefined();
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
