/**
 * What every RejectedEventRepository must do (src/domain/ports.ts): run against the DynamoDB adapter
 * on each store of the matrix and against the in-memory port. Item layout is the adapter's own test.
 */
import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import { UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import type { PageKey, RejectedEvent } from '#domain/model';
import type { Clock, RejectedEventRepository } from '#domain/ports';
import { FOREIGN_CURSOR, newTenant, tenantTrio } from '#test/contracts/tenants';
import { ManualClock } from '#test/support/in-memory-ports';

const newUlid = monotonicFactory();

/** A rejected event of `tenantId`, received now, with a ULID id. */
export function makeRejectedEvent(tenantId: string, overrides: Partial<RejectedEvent> = {}): RejectedEvent {
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

async function listAllIds(repository: RejectedEventRepository, tenantId: string, limit: number) {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  let pages = 0;
  do {
    const page = await repository.list(tenantId, { limit, ...(startKey && { startKey }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((event) => event.id));
    startKey = page.nextKey;
    if (pages++ > 200) throw new Error('pagination does not end');
  } while (startKey);
  return ids;
}

/**
 * Declares the RejectedEventRepository contract. `makeRepository(clock)` is called once per case and
 * must judge retention by `clock`.
 */
export function describeRejectedEventRepositoryContract(
  name: string,
  makeRepository: (clock: Clock) => RejectedEventRepository,
): void {
  describe(`${name} keeps the RejectedEventRepository contract`, () => {
    const systemTime: Clock = { now: () => new Date() };

    it('lists a tenant’s rejected events newest first across pages, and only that tenant’s', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const events = Array.from({ length: 12 }, () => makeRejectedEvent(tenantId));
      for (const event of [...events].reverse()) await repository.put(event, inDays(30));
      await repository.put(makeRejectedEvent(newTenant()), inDays(30));
      const newestFirst = [...events].reverse().map((event) => event.id);
      for (const limit of [1, 5, 12, 20]) {
        expect(await listAllIds(repository, tenantId, limit)).toEqual(newestFirst);
      }
      const page = await repository.list(tenantId, { limit: 1 });
      expect(page.items[0]).toEqual(events.at(-1));
    });

    it('keeps events without a tenant under UNREADABLE_TENANT_KEY', async () => {
      const repository = makeRepository(systemTime);
      const event = makeRejectedEvent(UNREADABLE_TENANT_KEY);
      await repository.put(event, inDays(30));
      expect(await listAllIds(repository, UNREADABLE_TENANT_KEY, 100)).toContain(event.id);
    });

    it('orders ids that carry no ULID by the time they were received', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const older = makeRejectedEvent(tenantId, {
        id: 'zzz-publisher-id',
        receivedAt: '2026-01-01T00:00:00.000Z',
      });
      const newer = makeRejectedEvent(tenantId, {
        id: 'aaa-publisher-id',
        receivedAt: '2026-01-02T00:00:00.000Z',
      });
      await repository.put(older, inDays(30));
      await repository.put(newer, inDays(30));
      expect(await listAllIds(repository, tenantId, 10)).toEqual([newer.id, older.id]);
      // Written newest first, the order is the same: it comes from the receipt time, not the write.
      const otherTenant = newTenant();
      await repository.put({ ...newer, tenantId: otherTenant }, inDays(30));
      await repository.put({ ...older, tenantId: otherTenant }, inDays(30));
      expect(await listAllIds(repository, otherTenant, 1)).toEqual([newer.id, older.id]);
    });

    it('hides events whose retention has passed', async () => {
      const now = new Date();
      const clock = new ManualClock(now);
      const repository = makeRepository(clock);
      const tenantId = newTenant();
      const expiring = makeRejectedEvent(tenantId);
      const kept = makeRejectedEvent(tenantId);
      await repository.put(expiring, inDays(1, now));
      await repository.put(kept, inDays(30, now));
      expect(await listAllIds(repository, tenantId, 10)).toEqual([kept.id, expiring.id]);
      clock.set(inDays(2, now));
      expect(await listAllIds(repository, tenantId, 1)).toEqual([kept.id]);
      expect(await listAllIds(repository, tenantId, 10)).toEqual([kept.id]);
    });

    it('keeps two tenants apart; a third reads nothing and cannot page with their cursors', async () => {
      const repository = makeRepository(systemTime);
      const { tenantA, tenantB, hostile } = tenantTrio();
      const ofA = [makeRejectedEvent(tenantA), makeRejectedEvent(tenantA)];
      const ofB = makeRejectedEvent(tenantB);
      for (const event of [...ofA, ofB]) await repository.put(event, inDays(30));
      expect(await listAllIds(repository, tenantA, 10)).toEqual([ofA[1]?.id, ofA[0]?.id]);
      expect(await listAllIds(repository, tenantB, 10)).toEqual([ofB.id]);
      expect(await listAllIds(repository, hostile, 10)).toEqual([]);
      const page = await repository.list(tenantA, { limit: 1 });
      expect(page.nextKey).toBeDefined();
      await expect(
        repository.list(hostile, { limit: 10, ...(page.nextKey && { startKey: page.nextKey }) }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repository.list(UNREADABLE_TENANT_KEY, {
          limit: 10,
          ...(page.nextKey && { startKey: page.nextKey }),
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repository.list(tenantA, { limit: 10, startKey: { ...FOREIGN_CURSOR } }),
      ).rejects.toBeInstanceOf(ValidationError);
    });

    it('hands out copies: changing what was written or read does not change the stored event', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const event = makeRejectedEvent(tenantId);
      await repository.put(event, inDays(30));
      event.reason = 'changed after put';
      const [listed] = (await repository.list(tenantId, { limit: 1 })).items;
      if (!listed) throw new Error('not listed');
      listed.issues.push({ path: 'x', message: 'changed after list' });
      const [again] = (await repository.list(tenantId, { limit: 1 })).items;
      expect(again?.reason).toBe('Detail failed its schema');
      expect(again?.issues).toHaveLength(1);
    });
  });
}
