import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DynamoFailureLogRepository, fitFailureLog } from '#adapters/dynamodb/failure-log-repository';
import { ValidationError } from '#domain/errors';
import type { FailureLog, PageKey } from '#domain/model';
import type { Clock } from '#domain/ports';
import { describeEachStore } from '#test/support/dynamodb-stores';

const newUlid = monotonicFactory();
let sequence = 0;
const newTenant = () => `tenant-${Date.now().toString(36)}-${sequence++}`;

function makeLog(tenantId: string, overrides: Partial<FailureLog> = {}): FailureLog {
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

/** A clock tests can move. */
function movableClock(start: Date) {
  let now = start;
  const clock: Clock = { now: () => now };
  return { clock, set: (date: Date) => (now = date) };
}

const inDays = (days: number, from = new Date()) => new Date(from.getTime() + days * 86_400_000);

async function listAllIds(
  repository: DynamoFailureLogRepository,
  tenantId: string,
  query: { limit: number; webhookId?: string },
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await repository.list(tenantId, { ...query, ...(startKey && { startKey }) });
    ids.push(...page.items.map((log) => log.id));
    startKey = page.nextKey;
  } while (startKey);
  return ids;
}

describeEachStore('DynamoFailureLogRepository', ({ store }) => {
  const repository = (clock?: Clock) =>
    new DynamoFailureLogRepository(store().client, store().tableName, clock);

  it('stores a log with its attempts and event as native values and reads it back', async () => {
    const tenantId = newTenant();
    const log = makeLog(tenantId);
    await repository().put(log, new Date('2100-01-01T00:00:00.500Z'));
    expect(await repository().get(tenantId, log.id)).toEqual(log);

    const ulidPart = log.id.slice('fl_'.length);
    const { Item } = await store().client.send(
      new GetCommand({ TableName: store().tableName, Key: { pk: `T#${tenantId}`, sk: `FL#${ulidPart}` } }),
    );
    expect(Item?.gsi1pk).toBe(`T#${tenantId}#WH#wh_1`);
    expect(Item?.gsi1sk).toBe(`FL#${ulidPart}`);
    expect(Item?.expiresAt).toBe(4_102_444_800);
    expect(Array.isArray(Item?.attempts)).toBe(true);
  });

  it('hides a log from another tenant', async () => {
    const tenantId = newTenant();
    const log = makeLog(tenantId);
    await repository().put(log, inDays(30));
    expect(await repository().get(newTenant(), log.id)).toBeUndefined();
    expect((await repository().list(newTenant(), { limit: 10 })).items).toEqual([]);
  });

  it('answers undefined for an unknown or malformed id', async () => {
    expect(await repository().get(newTenant(), `fl_${newUlid()}`)).toBeUndefined();
    expect(await repository().get(newTenant(), 'not-an-id')).toBeUndefined();
  });

  it('lists newest first across pages, for the tenant and for one webhook', async () => {
    const tenantId = newTenant();
    const logs: FailureLog[] = [];
    for (let index = 0; index < 23; index++) {
      logs.push(makeLog(tenantId, { webhookId: index % 3 === 0 ? 'wh_a' : 'wh_b' }));
    }
    // Written out of order: the order must come from the ids, not from write time.
    for (const log of [...logs].reverse()) await repository().put(log, inDays(30));
    const newestFirst = [...logs].reverse();

    for (const limit of [1, 4, 10, 50]) {
      expect(await listAllIds(repository(), tenantId, { limit })).toEqual(newestFirst.map((log) => log.id));
      expect(await listAllIds(repository(), tenantId, { limit, webhookId: 'wh_a' })).toEqual(
        newestFirst.filter((log) => log.webhookId === 'wh_a').map((log) => log.id),
      );
    }
    expect(await listAllIds(repository(), tenantId, { limit: 5, webhookId: 'wh_none' })).toEqual([]);
  });

  it('filters out logs whose retention has passed, in get and in both lists', async () => {
    const tenantId = newTenant();
    const now = new Date();
    const { clock, set } = movableClock(now);
    const shortLived = makeLog(tenantId, { webhookId: 'wh_a' });
    const longLived = makeLog(tenantId, { webhookId: 'wh_a' });
    await repository(clock).put(shortLived, inDays(1, now));
    await repository(clock).put(longLived, inDays(30, now));

    expect(await listAllIds(repository(clock), tenantId, { limit: 10 })).toEqual([
      longLived.id,
      shortLived.id,
    ]);
    set(inDays(2, now));
    expect(await repository(clock).get(tenantId, shortLived.id)).toBeUndefined();
    expect(await repository(clock).get(tenantId, longLived.id)).toBeDefined();
    expect(await listAllIds(repository(clock), tenantId, { limit: 1 })).toEqual([longLived.id]);
    expect(await listAllIds(repository(clock), tenantId, { limit: 1, webhookId: 'wh_a' })).toEqual([
      longLived.id,
    ]);
  });

  it('refuses a start key of another list', async () => {
    const tenantId = newTenant();
    const log = makeLog(tenantId, { webhookId: 'wh_a' });
    await repository().put(log, inDays(30));
    await repository().put(makeLog(tenantId, { webhookId: 'wh_a' }), inDays(30));
    const page = await repository().list(tenantId, { limit: 1, webhookId: 'wh_a' });
    expect(page.nextKey).toBeDefined();
    await expect(
      repository().list(tenantId, {
        limit: 1,
        webhookId: 'wh_b',
        ...(page.nextKey && { startKey: page.nextKey }),
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      repository().list(newTenant(), { limit: 1, ...(page.nextKey && { startKey: page.nextKey }) }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('stores a log whose event is larger than an item may be, with the data cut to a snippet', async () => {
    const tenantId = newTenant();
    const huge = 'x'.repeat(500_000);
    const log = makeLog(tenantId);
    log.event.data = { message: { text: huge } };
    await repository().put(log, inDays(30));
    const stored = await repository().get(tenantId, log.id);
    expect(stored?.event.data.truncated).toBe(true);
    expect(String(stored?.event.data.snippet).startsWith('{"message":{"text":"xxx')).toBe(true);
    expect(stored?.attempts).toEqual(log.attempts);
  });
});

describe('fitFailureLog', () => {
  it('leaves a log within budget untouched', () => {
    const log = makeLog('t1');
    expect(fitFailureLog(log)).toBe(log);
  });

  it('cuts the data first, then attempt texts, until the log fits', () => {
    const log = makeLog('t1', {
      attempts: Array.from({ length: 8 }, () => ({
        at: '2026-01-01T00:00:00.000Z',
        durationMs: 1,
        error: 'e'.repeat(50_000),
        responseSnippet: 'r'.repeat(50_000),
      })),
      lastError: 'e'.repeat(50_000),
    });
    log.event.data = { blob: 'd'.repeat(100_000) };
    const fitted = fitFailureLog(log);
    expect(fitted.event.data.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThan(350_000);
    expect(fitted.attempts).toHaveLength(8);
    expect(fitted.attempts[0]?.error).toHaveLength(1_024);
    expect(fitted.lastError).toHaveLength(1_024);
  });
});
