/**
 * What every FailureLogRepository must do (src/domain/ports.ts): run against the DynamoDB adapter on
 * each store of the matrix and against the in-memory port. Item layout and the cut of logs too large
 * for a DynamoDB item are the adapter's own tests.
 */
import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors';
import type { FailureLog, PageKey } from '#domain/model';
import type { Clock, FailureLogRepository } from '#domain/ports';
import { FOREIGN_CURSOR, newTenant, tenantTrio } from '#test/contracts/tenants';
import { ManualClock } from '#test/support/in-memory-ports';

const newUlid = monotonicFactory();

/** A failure log of `tenantId` with two attempts and a nested event. */
export function makeFailureLog(tenantId: string, overrides: Partial<FailureLog> = {}): FailureLog {
  return {
    id: `fl_${newUlid()}`,
    tenantId,
    webhookId: 'wh_1',
    webhookName: 'CRM',
    eventId: `evt_${newUlid()}`,
    eventType: 'message.created',
    url: 'https://hooks.example.com/in',
    attempts: [
      { at: '2026-01-01T00:00:00.000Z', statusCode: 500, durationMs: 12, responseSnippet: 'oops' },
      { at: '2026-01-01T00:00:05.000Z', error: 'ECONNRESET', durationMs: 3 },
    ],
    attemptCount: 2,
    lastStatusCode: null,
    lastError: 'ECONNRESET',
    firstAttemptAt: '2026-01-01T00:00:00.000Z',
    failedAt: '2026-01-01T00:00:05.000Z',
    event: {
      id: 'evt_1',
      type: 'message.created',
      timestamp: '2026-01-01T00:00:00.000Z',
      tenantId,
      brandId: null,
      data: { conversationId: 'c1', message: { id: 'm1', text: 'hello', nested: [1, { deep: true }] } },
    },
    ...overrides,
  };
}

const inDays = (days: number, from = new Date()) => new Date(from.getTime() + days * 86_400_000);

async function listAllIds(
  repository: FailureLogRepository,
  tenantId: string,
  query: { limit: number; webhookId?: string },
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  let pages = 0;
  do {
    const page = await repository.list(tenantId, { ...query, ...(startKey && { startKey }) });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((log) => log.id));
    startKey = page.nextKey;
    if (pages++ > 200) throw new Error('pagination does not end');
  } while (startKey);
  return ids;
}

/**
 * Declares the FailureLogRepository contract. `makeRepository(clock)` is called once per case and
 * must judge retention by `clock`; it may hold other cases' logs (each case has tenants of its own).
 */
export function describeFailureLogRepositoryContract(
  name: string,
  makeRepository: (clock: Clock) => FailureLogRepository,
): void {
  describe(`${name} keeps the FailureLogRepository contract`, () => {
    const systemTime: Clock = { now: () => new Date() };

    it('stores a log with its attempts and event and reads it back', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const log = makeFailureLog(tenantId);
      expect(await repository.put(log, new Date('2100-01-01T00:00:00.500Z'))).toBe(true);
      expect(await repository.get(tenantId, log.id)).toEqual(log);
    });

    it('writes a log once: a second put of the same id answers false and keeps the first', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const log = makeFailureLog(tenantId);
      expect(await repository.put(log, inDays(30))).toBe(true);
      expect(await repository.put({ ...log, webhookName: 'Second write' }, inDays(30))).toBe(false);
      expect((await repository.get(tenantId, log.id))?.webhookName).toBe('CRM');
      expect(await listAllIds(repository, tenantId, { limit: 10 })).toEqual([log.id]);
    });

    it('hands out copies: changing what was written or read does not change the stored log', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const log = makeFailureLog(tenantId);
      await repository.put(log, inDays(30));
      log.webhookName = 'changed after put';
      const read = await repository.get(tenantId, log.id);
      if (!read) throw new Error('not stored');
      read.attempts.pop();
      const [listed] = (await repository.list(tenantId, { limit: 1 })).items;
      if (!listed) throw new Error('not listed');
      listed.event.data = {};
      const stored = await repository.get(tenantId, log.id);
      expect(stored?.webhookName).toBe('CRM');
      expect(stored?.attempts).toHaveLength(2);
      expect(stored?.event.data).toEqual(makeFailureLog(tenantId).event.data);
    });

    it('hides a log from another tenant', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const log = makeFailureLog(tenantId);
      await repository.put(log, inDays(30));
      expect(await repository.get(newTenant(), log.id)).toBeUndefined();
      expect((await repository.list(newTenant(), { limit: 10 })).items).toEqual([]);
    });

    it('keeps two tenants’ logs apart, and a third that knows their ids and cursors reads none', async () => {
      const repository = makeRepository(systemTime);
      const { tenantA, tenantB, hostile } = tenantTrio();
      const ofA = [
        makeFailureLog(tenantA, { webhookId: 'wh_a' }),
        makeFailureLog(tenantA, { webhookId: 'wh_a' }),
      ];
      const ofB = makeFailureLog(tenantB, { webhookId: 'wh_a' });
      for (const log of [...ofA, ofB]) await repository.put(log, inDays(30));

      expect(await listAllIds(repository, tenantA, { limit: 10 })).toEqual([ofA[1]?.id, ofA[0]?.id]);
      expect(await listAllIds(repository, tenantB, { limit: 10, webhookId: 'wh_a' })).toEqual([ofB.id]);
      expect(await repository.get(tenantB, ofA[0]?.id ?? '')).toBeUndefined();

      for (const log of [...ofA, ofB]) expect(await repository.get(hostile, log.id)).toBeUndefined();
      expect((await repository.list(hostile, { limit: 10 })).items).toEqual([]);
      expect((await repository.list(hostile, { limit: 10, webhookId: 'wh_a' })).items).toEqual([]);
      const pageOfA = await repository.list(tenantA, { limit: 1 });
      const pageOfAHook = await repository.list(tenantA, { limit: 1, webhookId: 'wh_a' });
      expect(pageOfA.nextKey).toBeDefined();
      expect(pageOfAHook.nextKey).toBeDefined();
      await expect(
        repository.list(hostile, { limit: 10, ...(pageOfA.nextKey && { startKey: pageOfA.nextKey }) }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repository.list(hostile, {
          limit: 10,
          webhookId: 'wh_a',
          ...(pageOfAHook.nextKey && { startKey: pageOfAHook.nextKey }),
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      // A second write of A's id by B is B's own log, not a duplicate of A's.
      expect(await repository.put({ ...ofA[0]!, tenantId: tenantB }, inDays(30))).toBe(true);
      expect((await repository.get(tenantA, ofA[0]?.id ?? ''))?.tenantId).toBe(tenantA);
    });

    it('answers undefined for an unknown or malformed id', async () => {
      const repository = makeRepository(systemTime);
      expect(await repository.get(newTenant(), `fl_${newUlid()}`)).toBeUndefined();
      expect(await repository.get(newTenant(), 'not-an-id')).toBeUndefined();
    });

    it('lists newest first across pages, for the tenant and for one webhook', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const logs: FailureLog[] = [];
      for (let index = 0; index < 23; index++) {
        logs.push(makeFailureLog(tenantId, { webhookId: index % 3 === 0 ? 'wh_a' : 'wh_b' }));
      }
      // Written out of order: the order must come from the ids, not from write time.
      for (const log of [...logs].reverse()) await repository.put(log, inDays(30));
      const newestFirst = [...logs].reverse();

      for (const limit of [1, 4, 10, 50]) {
        expect(await listAllIds(repository, tenantId, { limit })).toEqual(newestFirst.map((log) => log.id));
        expect(await listAllIds(repository, tenantId, { limit, webhookId: 'wh_a' })).toEqual(
          newestFirst.filter((log) => log.webhookId === 'wh_a').map((log) => log.id),
        );
      }
      expect(await listAllIds(repository, tenantId, { limit: 5, webhookId: 'wh_none' })).toEqual([]);
    });

    it('filters out logs whose retention has passed, in get and in both lists', async () => {
      const now = new Date();
      const clock = new ManualClock(now);
      const repository = makeRepository(clock);
      const tenantId = newTenant();
      const shortLived = makeFailureLog(tenantId, { webhookId: 'wh_a' });
      const longLived = makeFailureLog(tenantId, { webhookId: 'wh_a' });
      await repository.put(shortLived, inDays(1, now));
      await repository.put(longLived, inDays(30, now));

      expect(await listAllIds(repository, tenantId, { limit: 10 })).toEqual([longLived.id, shortLived.id]);
      clock.set(inDays(2, now));
      expect(await repository.get(tenantId, shortLived.id)).toBeUndefined();
      expect(await repository.get(tenantId, longLived.id)).toBeDefined();
      expect(await listAllIds(repository, tenantId, { limit: 1 })).toEqual([longLived.id]);
      expect(await listAllIds(repository, tenantId, { limit: 1, webhookId: 'wh_a' })).toEqual([longLived.id]);
    });

    it('refuses a start key of another list, or one it never handed out', async () => {
      const repository = makeRepository(systemTime);
      const tenantId = newTenant();
      const log = makeFailureLog(tenantId, { webhookId: 'wh_a' });
      await repository.put(log, inDays(30));
      await repository.put(makeFailureLog(tenantId, { webhookId: 'wh_a' }), inDays(30));
      const page = await repository.list(tenantId, { limit: 1, webhookId: 'wh_a' });
      expect(page.nextKey).toBeDefined();
      await expect(
        repository.list(tenantId, {
          limit: 1,
          webhookId: 'wh_b',
          ...(page.nextKey && { startKey: page.nextKey }),
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repository.list(newTenant(), { limit: 1, ...(page.nextKey && { startKey: page.nextKey }) }),
      ).rejects.toBeInstanceOf(ValidationError);
      const tenantPage = await repository.list(tenantId, { limit: 1 });
      expect(tenantPage.nextKey).toBeDefined();
      await expect(
        repository.list(tenantId, {
          limit: 1,
          webhookId: 'wh_a',
          ...(tenantPage.nextKey && { startKey: tenantPage.nextKey }),
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repository.list(tenantId, { limit: 1, startKey: { ...FOREIGN_CURSOR } }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
