/**
 * The delivery log's storage contract, run against the DynamoDB adapter on every store of the matrix
 * and against the in-memory port the use-case tests rely on, so the fake cannot drift from the adapter.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { DynamoWebhookHealthRepository } from '#adapters/dynamodb/webhook-health-repository';
import { type DeliveryOutcome, deliveryIdOf } from '#domain/delivery-log';
import { ATTEMPT_BYTES, RECORD_BASE_BYTES } from '#domain/delivery-log-cost';
import type { PageKey } from '#domain/model';
import type { Clock, DeliveryLogRepository, WebhookHealthRepository } from '#domain/ports';
import { describeEachStore } from '#test/support/dynamodb-stores';
import {
  InMemoryDeliveryLogRepository,
  InMemoryWebhookHealthRepository,
  ManualClock,
} from '#test/support/in-memory-ports';

let sequence = 0;
const newTenant = () => `tenant-${Date.now().toString(36)}-${sequence++}`;
const DAY_MS = 86_400_000;
const farFuture = new Date('2100-01-01T00:00:00Z');

function outcome(
  tenantId: string,
  overrides: Partial<DeliveryOutcome> & { firstAttemptAt?: string } = {},
): DeliveryOutcome {
  const { firstAttemptAt = '2026-11-29T10:00:00.000Z', ...rest } = overrides;
  const webhookId = rest.webhookId ?? 'wh_01JAAAAAAAAAAAAAAAAAAAAAAA';
  const eventId = rest.eventId ?? `evt_${sequence++}`;
  return {
    tenantId,
    deliveryId: deliveryIdOf({ eventId, webhookId, firstAttemptAt }),
    webhookId,
    eventId,
    eventType: 'message.created',
    status: 'succeeded',
    attemptCount: 1,
    attempt: {
      at: firstAttemptAt,
      statusCode: 200,
      durationMs: 12,
      requestHeaders: {
        'content-type': 'application/json',
        'user-agent': 'chat-webhooks/0.1.0',
        'webhook-id': eventId,
        'webhook-timestamp': '1795000000',
        'webhook-signature': `v1,${'A'.repeat(43)}=`,
        authorization: 'Bearer ****',
      },
      responseSnippet: 'ok',
    },
    earlierAttempts: [],
    lastStatusCode: 200,
    createdAt: firstAttemptAt,
    updatedAt: firstAttemptAt,
    ...rest,
  };
}

interface Subject {
  log: (clock?: Clock) => DeliveryLogRepository;
  health: () => WebhookHealthRepository;
}

function contract(subject: () => Subject): void {
  it('updates one record per delivery: attempts appended, status and next attempt follow the latest outcome', async () => {
    const tenantId = newTenant();
    const log = subject().log();
    const first = outcome(tenantId, {
      status: 'pending',
      lastStatusCode: 503,
      lastError: 'HTTP 503',
      nextAttemptAt: '2026-11-29T10:00:05.000Z',
    });
    await log.recordOutcome(first, farFuture);
    const pending = await log.get(tenantId, first.deliveryId);
    expect(pending).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: '2026-11-29T10:00:05.000Z',
    });

    const second = {
      ...first,
      status: 'succeeded' as const,
      attemptCount: 2,
      attempt: { ...first.attempt!, at: '2026-11-29T10:00:05.100Z' },
      lastStatusCode: 200,
      updatedAt: '2026-11-29T10:00:05.200Z',
      createdAt: '2026-11-29T10:00:05.100Z',
    };
    delete (second as Partial<DeliveryOutcome>).lastError;
    delete (second as Partial<DeliveryOutcome>).nextAttemptAt;
    await log.recordOutcome(second, farFuture);
    const done = await log.get(tenantId, first.deliveryId);
    expect(done).toMatchObject({
      status: 'succeeded',
      attemptCount: 2,
      lastStatusCode: 200,
      createdAt: first.createdAt,
    });
    expect(done?.attempts.map((attempt) => attempt.at)).toEqual([
      first.attempt?.at,
      '2026-11-29T10:00:05.100Z',
    ]);
    expect(done?.nextAttemptAt).toBeUndefined();
    expect(done?.lastError).toBeUndefined();

    // A late duplicate of attempt 1 never rewinds it.
    await log.recordOutcome({ ...first }, farFuture);
    expect((await log.get(tenantId, first.deliveryId))?.status).toBe('succeeded');
  });

  it('keeps the attempts a task carried when the record was never written (a crash lost it)', async () => {
    const tenantId = newTenant();
    const log = subject().log();
    const base = outcome(tenantId);
    const earlier = { at: base.createdAt, statusCode: 500, durationMs: 5, requestHeaders: {} };
    await log.recordOutcome({ ...base, attemptCount: 2, earlierAttempts: [earlier] }, farFuture);
    const record = await log.get(tenantId, base.deliveryId);
    expect(record?.attempts).toHaveLength(2);
    expect(record?.attempts[0]).toMatchObject({ statusCode: 500 });
  });

  it('lists newest first across webhooks, every filter combined, each item on exactly one page under concurrent writes', async () => {
    const tenantId = newTenant();
    const log = subject().log();
    const webhooks = ['wh_01JAAAAAAAAAAAAAAAAAAAAAAA', 'wh_01JBBBBBBBBBBBBBBBBBBBBBBB'];
    const written: DeliveryOutcome[] = [];
    for (let index = 0; index < 12; index++) {
      const at = new Date(Date.parse('2026-11-29T10:00:00.000Z') + index * 60_000).toISOString();
      const record = outcome(tenantId, {
        webhookId: webhooks[index % 2],
        firstAttemptAt: at,
        status: index % 3 === 0 ? 'failed' : 'succeeded',
        eventType: index % 4 === 0 ? 'conversation.created' : 'message.created',
      });
      written.push(record);
      await log.recordOutcome(record, farFuture);
    }
    const seen: string[] = [];
    let startKey: PageKey | undefined;
    let pages = 0;
    do {
      const page = await log.list(tenantId, {
        webhookIds: webhooks,
        limit: 5,
        ...(startKey ? { startKey } : {}),
      });
      seen.push(...page.items.map((item) => item.id));
      startKey = page.nextKey;
      if (pages++ === 0) {
        // A delivery recorded while the admin pages: newer than the first page, so it shows on none of the rest.
        await log.recordOutcome(
          outcome(tenantId, { webhookId: webhooks[0], firstAttemptAt: '2026-11-29T11:00:00.000Z' }),
          farFuture,
        );
      }
    } while (startKey);
    const expected = [...written]
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .map((record) => record.deliveryId);
    expect(seen).toEqual(expected);

    const filtered = await log.list(tenantId, {
      webhookIds: [webhooks[0]!],
      status: 'failed',
      eventType: 'conversation.created',
      since: new Date('2026-11-29T10:00:00.000Z'),
      until: new Date('2026-11-29T10:08:00.000Z'),
      limit: 20,
    });
    const want = written.filter(
      (record) =>
        record.webhookId === webhooks[0] &&
        record.status === 'failed' &&
        record.eventType === 'conversation.created' &&
        record.createdAt <= '2026-11-29T10:08:00.000Z',
    );
    expect(want.length).toBeGreaterThan(0);
    expect(filtered.items.map((item) => item.id).sort()).toEqual(
      want.map((record) => record.deliveryId).sort(),
    );
    expect(filtered.items[0]).not.toHaveProperty('attempts');
  });

  it('hides records and payloads past their retention, though the store deletes them late', async () => {
    const tenantId = newTenant();
    const clock = new ManualClock('2026-11-29T10:00:00.000Z');
    const log = subject().log(clock);
    const record = outcome(tenantId);
    await log.recordOutcome(record, new Date('2026-12-02T10:00:00.000Z'));
    await log.putPayload(tenantId, record.eventId, '{"id":"x"}', new Date('2026-12-02T10:00:00.000Z'));
    expect(await log.get(tenantId, record.deliveryId)).toBeDefined();
    expect(await log.getPayload(tenantId, record.eventId)).toBe('{"id":"x"}');
    clock.advance(3 * DAY_MS + 1000);
    expect(await log.get(tenantId, record.deliveryId)).toBeUndefined();
    expect(await log.getPayload(tenantId, record.eventId)).toBeUndefined();
    expect((await log.list(tenantId, { webhookIds: [record.webhookId], limit: 10 })).items).toEqual([]);
  });

  it('answers nothing for another tenant, and links a failure log', async () => {
    const tenantId = newTenant();
    const log = subject().log();
    const record = outcome(tenantId, { status: 'failed' });
    await log.recordOutcome(record, farFuture);
    expect(await log.get(newTenant(), record.deliveryId)).toBeUndefined();
    expect((await log.list(newTenant(), { webhookIds: [record.webhookId], limit: 10 })).items).toEqual([]);
    await log.linkFailureLog(tenantId, record.deliveryId, 'fl_1', farFuture);
    expect(await log.get(tenantId, record.deliveryId)).toMatchObject({
      failureLogId: 'fl_1',
      status: 'failed',
    });
  });

  it('keeps a failure-log link that arrives before its record (the DLQ processor can be faster)', async () => {
    const tenantId = newTenant();
    const log = subject().log();
    const record = outcome(tenantId, { status: 'failed' });
    await log.linkFailureLog(tenantId, record.deliveryId, 'fl_early', farFuture);
    expect((await log.list(tenantId, { webhookIds: [record.webhookId], limit: 10 })).items).toEqual([]);
    await log.recordOutcome(record, farFuture);
    expect(await log.get(tenantId, record.deliveryId)).toMatchObject({
      failureLogId: 'fl_early',
      status: 'failed',
    });
  });

  it('adds health counts by hour and reads the last 24 hours with the latest attempt', async () => {
    const tenantId = newTenant();
    const health = subject().health();
    const now = new Date('2026-11-29T10:30:00.000Z');
    const hour = Math.floor(now.getTime() / 3_600_000);
    await health.add(
      tenantId,
      'wh_1',
      {
        counts: [{ hour: hour - 30, succeeded: 7, failed: 7 }],
        last: { at: '2026-11-28T04:00:00.000Z', statusCode: 200, outcome: 'succeeded' },
      },
      farFuture,
    );
    await health.add(
      tenantId,
      'wh_1',
      {
        counts: [{ hour: hour - 1, succeeded: 3, failed: 1 }],
        last: { at: '2026-11-29T09:10:00.000Z', statusCode: 200, outcome: 'succeeded' },
      },
      farFuture,
    );
    await health.add(
      tenantId,
      'wh_1',
      {
        counts: [{ hour, succeeded: 0, failed: 2 }],
        last: { at: '2026-11-29T10:20:00.000Z', statusCode: 404, outcome: 'failed' },
      },
      farFuture,
    );
    // An older "latest" from a slower process never wins.
    await health.add(
      tenantId,
      'wh_1',
      {
        counts: [{ hour, succeeded: 1, failed: 0 }],
        last: { at: '2026-11-29T10:00:00.000Z', statusCode: 200, outcome: 'succeeded' },
      },
      farFuture,
    );
    const read = await health.get(tenantId, ['wh_1', 'wh_none'], now);
    expect(read.get('wh_1')).toEqual({
      succeeded24h: 4,
      failed24h: 3,
      lastAttemptAt: '2026-11-29T10:20:00.000Z',
      lastStatusCode: 404,
      lastOutcome: 'failed',
    });
    expect(read.has('wh_none')).toBe(false);
  });
}

describeEachStore('DynamoDeliveryLogRepository', ({ store }) => {
  contract(() => ({
    log: (clock?: Clock) => new DynamoDeliveryLogRepository(store().client, store().tableName, clock),
    health: () => new DynamoWebhookHealthRepository(store().client, store().tableName),
  }));

  it('stores a first-attempt record under 1 KB (one write unit), within the cost model figures', async () => {
    const tenantId = newTenant();
    const record = outcome(tenantId, {
      webhookId: 'wh_01JCCCCCCCCCCCCCCCCCCCCCCC',
      responseSnippet: undefined,
    } as never);
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
});

describe('InMemoryDeliveryLogRepository (the fake the use-case tests use)', () => {
  contract(() => ({
    log: (clock?: Clock) =>
      new InMemoryDeliveryLogRepository(clock ?? { now: () => new Date('2026-11-29T12:00:00.000Z') }),
    health: () => new InMemoryWebhookHealthRepository(),
  }));
});

/** DynamoDB's item size rule: attribute names plus values (strings UTF-8, numbers ~1 byte per 2 digits + 1, 3 bytes per map or list plus 1 per element). */
function itemBytes(value: unknown, name = ''): number {
  const nameBytes = Buffer.byteLength(name);
  if (typeof value === 'string') return nameBytes + Buffer.byteLength(value);
  if (typeof value === 'number')
    return nameBytes + Math.ceil(String(value).replace(/[^0-9]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return nameBytes + 1;
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
