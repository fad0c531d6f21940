import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { expect, it } from 'vitest';
import { DynamoRejectedEventRepository } from '#adapters/dynamodb/rejected-event-repository';
import { UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import type { PageKey, RejectedEvent } from '#domain/model';
import type { Clock } from '#domain/ports';
import { describeEachStore } from '#test/support/dynamodb-stores';

const newUlid = monotonicFactory();
let sequence = 0;
const newTenant = () => `tenant-${Date.now().toString(36)}-${sequence++}`;

function makeRejected(tenantId: string, overrides: Partial<RejectedEvent> = {}): RejectedEvent {
  return {
    id: `rj_${newUlid()}`,
    tenantId,
    source: 'chat.platform',
    detailType: 'message.created',
    receivedAt: new Date().toISOString(),
    reason: 'Detail failed its schema',
    issues: [{ path: 'data.message', message: 'Required' }],
    detailSnippet: '{"tenantId":"t1","data":{}}',
    ...overrides,
  };
}

const inDays = (days: number, from = new Date()) => new Date(from.getTime() + days * 86_400_000);

async function listAllIds(repository: DynamoRejectedEventRepository, tenantId: string, limit: number) {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await repository.list(tenantId, { limit, ...(startKey && { startKey }) });
    ids.push(...page.items.map((event) => event.id));
    startKey = page.nextKey;
  } while (startKey);
  return ids;
}

describeEachStore('DynamoRejectedEventRepository', ({ store }) => {
  const repository = (clock?: Clock) =>
    new DynamoRejectedEventRepository(store().client, store().tableName, clock);

  it('lists a tenant’s rejected events newest first across pages, and only that tenant’s', async () => {
    const tenantId = newTenant();
    const events = Array.from({ length: 12 }, () => makeRejected(tenantId));
    for (const event of [...events].reverse()) await repository().put(event, inDays(30));
    await repository().put(makeRejected(newTenant()), inDays(30));
    const newestFirst = [...events].reverse().map((event) => event.id);
    for (const limit of [1, 5, 12, 20]) {
      expect(await listAllIds(repository(), tenantId, limit)).toEqual(newestFirst);
    }
    const page = await repository().list(tenantId, { limit: 1 });
    expect(page.items[0]).toEqual(events.at(-1));
  });

  it('keeps events without a tenant under UNREADABLE_TENANT_KEY', async () => {
    const event = makeRejected(UNREADABLE_TENANT_KEY);
    await repository().put(event, inDays(30));
    const ids = await listAllIds(repository(), UNREADABLE_TENANT_KEY, 100);
    expect(ids).toContain(event.id);
    const { Item } = await store().client.send(
      new GetCommand({
        TableName: store().tableName,
        Key: { pk: `T#${UNREADABLE_TENANT_KEY}`, sk: `RJ#${event.id.slice('rj_'.length)}` },
      }),
    );
    expect(Item?.id).toBe(event.id);
  });

  it('orders ids that carry no ULID by the time they were received', async () => {
    const tenantId = newTenant();
    const older = makeRejected(tenantId, { id: 'zzz-publisher-id', receivedAt: '2026-01-01T00:00:00.000Z' });
    const newer = makeRejected(tenantId, { id: 'aaa-publisher-id', receivedAt: '2026-01-02T00:00:00.000Z' });
    await repository().put(older, inDays(30));
    await repository().put(newer, inDays(30));
    expect(await listAllIds(repository(), tenantId, 10)).toEqual([newer.id, older.id]);
  });

  it('hides events whose retention has passed', async () => {
    const tenantId = newTenant();
    const now = new Date();
    let current = now;
    const clock: Clock = { now: () => current };
    const expiring = makeRejected(tenantId);
    const kept = makeRejected(tenantId);
    await repository(clock).put(expiring, inDays(1, now));
    await repository(clock).put(kept, inDays(30, now));
    current = inDays(2, now);
    expect(await listAllIds(repository(clock), tenantId, 1)).toEqual([kept.id]);
  });
});
