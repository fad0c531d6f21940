/**
 * What every DeliveryLogRepository must do (src/domain/ports.ts, docs/contract.md#delivery-log): run against the
 * DynamoDB adapter on each store of the matrix and against the in-memory port the use-case tests use,
 * so the fake cannot drift from the adapter. Item sizes and layout are the adapter's own tests.
 */
import { describe, expect, it } from 'vitest';
import { type DeliveryOutcome, deliveryIdOf } from '#domain/delivery-log';
import { ValidationError } from '#domain/errors';
import type { PageKey } from '#domain/model';
import type { Clock, DeliveryLogRepository } from '#domain/ports';
import { FOREIGN_CURSOR, newTenant, tenantTrio } from '#test/contracts/tenants';
import { ManualClock } from '#test/support/in-memory-ports';

let sequence = 0;
const DAY_MS = 86_400_000;
const farFuture = new Date('2100-01-01T00:00:00Z');

/** One attempt's outcome of a delivery of `tenantId` (a first attempt that succeeded unless overridden). */
export function outcome(
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

/**
 * Declares the DeliveryLogRepository contract. `makeRepository(clock)` is called once per case and must
 * judge retention by `clock`; it may hold other cases' records (each case has tenants of its own).
 */
export function describeDeliveryLogRepositoryContract(
  name: string,
  makeRepository: (clock: Clock) => DeliveryLogRepository,
): void {
  describe(`${name} keeps the DeliveryLogRepository contract`, () => {
    const systemTime: Clock = { now: () => new Date() };

    it('updates one record per delivery: attempts appended, status and next attempt follow the latest outcome', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
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
      const log = makeRepository(systemTime);
      const base = outcome(tenantId);
      const earlier = { at: base.createdAt, statusCode: 500, durationMs: 5, requestHeaders: {} };
      await log.recordOutcome({ ...base, attemptCount: 2, earlierAttempts: [earlier] }, farFuture);
      const record = await log.get(tenantId, base.deliveryId);
      expect(record?.attempts).toHaveLength(2);
      expect(record?.attempts[0]).toMatchObject({ statusCode: 500 });
    });

    it('lists newest first across webhooks, every filter combined, each item on exactly one page under concurrent writes', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
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
        webhookId: webhooks[0!],
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
      const log = makeRepository(clock);
      const record = outcome(tenantId);
      await log.recordOutcome(record, new Date('2026-12-02T10:00:00.000Z'));
      await log.putPayload(tenantId, record.eventId, '{"id":"x"}', new Date('2026-12-02T10:00:00.000Z'));
      expect(await log.get(tenantId, record.deliveryId)).toBeDefined();
      expect(await log.getPayload(tenantId, record.eventId)).toBe('{"id":"x"}');
      clock.advance(3 * DAY_MS + 1000);
      expect(await log.get(tenantId, record.deliveryId)).toBeUndefined();
      expect(await log.getPayload(tenantId, record.eventId)).toBeUndefined();
      expect((await log.list(tenantId, { webhookId: record.webhookId, limit: 10 })).items).toEqual([]);
    });

    it('answers nothing for another tenant, and links a failure log', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
      const record = outcome(tenantId, { status: 'failed' });
      await log.recordOutcome(record, farFuture);
      expect(await log.get(newTenant(), record.deliveryId)).toBeUndefined();
      expect((await log.list(newTenant(), { webhookId: record.webhookId, limit: 10 })).items).toEqual([]);
      await log.linkFailureLog(tenantId, record.deliveryId, 'fl_1', farFuture);
      expect(await log.get(tenantId, record.deliveryId)).toMatchObject({
        failureLogId: 'fl_1',
        status: 'failed',
      });
    });

    it('keeps a failure-log link that arrives before its record (the DLQ processor can be faster)', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
      const record = outcome(tenantId, { status: 'failed' });
      await log.linkFailureLog(tenantId, record.deliveryId, 'fl_early', farFuture);
      expect((await log.list(tenantId, { webhookId: record.webhookId, limit: 10 })).items).toEqual([]);
      await log.recordOutcome(record, farFuture);
      expect(await log.get(tenantId, record.deliveryId)).toMatchObject({
        failureLogId: 'fl_early',
        status: 'failed',
      });
    });

    it('records a first attempt’s success once though it is recorded twice (a message processed again)', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
      const record = outcome(tenantId);
      await log.recordOutcome(record, farFuture);
      await log.recordOutcome({ ...record }, farFuture);
      const stored = await log.get(tenantId, record.deliveryId);
      expect(stored?.attempts).toEqual([record.attempt]);
      expect(stored?.attemptCount).toBe(1);
    });

    it('records a first attempt’s success recorded twice at once, and the deliveries written beside it', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
      const record = outcome(tenantId);
      const neighbours = [1, 2, 3].map((index) =>
        outcome(tenantId, { eventId: `evt_beside_${index}_${sequence++}` }),
      );
      await Promise.all([
        log.recordOutcome(record, farFuture),
        log.recordOutcome({ ...record }, farFuture),
        ...neighbours.map((neighbour) => log.recordOutcome(neighbour, farFuture)),
      ]);
      expect((await log.get(tenantId, record.deliveryId))?.attempts).toEqual([record.attempt]);
      for (const neighbour of neighbours) {
        expect((await log.get(tenantId, neighbour.deliveryId))?.status).toBe('succeeded');
      }
    });

    it('hands out copies: changing what was read does not change the stored record', async () => {
      const tenantId = newTenant();
      const log = makeRepository(systemTime);
      const record = outcome(tenantId, { status: 'failed' });
      await log.recordOutcome(record, farFuture);
      const read = await log.get(tenantId, record.deliveryId);
      if (!read) throw new Error('not stored');
      read.status = 'succeeded';
      read.attempts.length = 0;
      const [listed] = (await log.list(tenantId, { webhookId: record.webhookId, limit: 1 })).items;
      if (!listed) throw new Error('not listed');
      listed.status = 'pending';
      const stored = await log.get(tenantId, record.deliveryId);
      expect(stored?.status).toBe('failed');
      expect(stored?.attempts).toHaveLength(1);
    });

    it('keeps two tenants apart; a third that knows their ids and cursors reads and changes nothing', async () => {
      const log = makeRepository(systemTime);
      const { tenantA, tenantB, hostile } = tenantTrio();
      const webhookId = 'wh_01JSAMEAAAAAAAAAAAAAAAAAAA';
      const ofA = [0, 1].map((minute) =>
        outcome(tenantA, {
          webhookId,
          eventId: `evt_shared_${minute}`,
          firstAttemptAt: `2026-11-29T10:0${minute}:00.000Z`,
          status: 'failed',
        }),
      );
      const ofB = outcome(tenantB, {
        webhookId,
        eventId: 'evt_shared_0',
        firstAttemptAt: '2026-11-29T10:00:00.000Z',
      });
      for (const record of [...ofA, ofB]) await log.recordOutcome(record, farFuture);
      await log.putPayload(tenantA, 'evt_shared_0', '{"of":"A"}', farFuture);
      await log.putPayload(tenantB, 'evt_shared_0', '{"of":"B"}', farFuture);

      // The same event and webhook ids in two tenants are two deliveries.
      expect(ofB.deliveryId).toBe(ofA[0]?.deliveryId);
      expect((await log.get(tenantA, ofB.deliveryId))?.status).toBe('failed');
      expect((await log.get(tenantB, ofB.deliveryId))?.status).toBe('succeeded');
      expect(await log.getPayload(tenantA, 'evt_shared_0')).toBe('{"of":"A"}');
      expect(await log.getPayload(tenantB, 'evt_shared_0')).toBe('{"of":"B"}');
      expect(
        (await log.list(tenantB, { webhookId: webhookId, limit: 10 })).items.map((item) => item.id),
      ).toEqual([ofB.deliveryId]);

      for (const record of ofA) expect(await log.get(hostile, record.deliveryId)).toBeUndefined();
      expect(await log.getPayload(hostile, 'evt_shared_0')).toBeUndefined();
      expect(await log.list(hostile, { webhookId: webhookId, limit: 10 })).toEqual({ items: [] });
      const pageOfA = await log.list(tenantA, { webhookId: webhookId, limit: 1 });
      expect(pageOfA.nextKey).toBeDefined();
      expect(
        (
          await log.list(hostile, {
            webhookId: webhookId,
            limit: 10,
            ...(pageOfA.nextKey && { startKey: pageOfA.nextKey }),
          })
        ).items,
      ).toEqual([]);
      // A link the hostile tenant writes under A's delivery id stays the hostile tenant's.
      await log.linkFailureLog(hostile, ofB.deliveryId, 'fl_hostile', farFuture);
      expect(await log.get(tenantA, ofB.deliveryId)).not.toHaveProperty('failureLogId');
      expect(await log.get(tenantB, ofB.deliveryId)).toMatchObject({ status: 'succeeded' });
      expect(await log.get(tenantB, ofB.deliveryId)).not.toHaveProperty('failureLogId');
    });

    it('lists one event’s deliveries across its webhooks, and the tenant’s whatever the number of webhooks', async () => {
      const log = makeRepository(systemTime);
      const { tenantA, tenantB, hostile } = tenantTrio();
      const webhooks = Array.from({ length: 30 }, (_, index) => `wh_01JEV${String(index).padStart(21, 'A')}`);
      const eventId = `evt_where_${sequence++}`;
      const ofEvent = webhooks.map((webhookId, index) =>
        outcome(tenantA, {
          webhookId,
          eventId,
          firstAttemptAt: new Date(Date.parse('2026-11-29T12:00:00.000Z') + index).toISOString(),
          status: index % 5 === 0 ? 'failed' : 'succeeded',
        }),
      );
      const others = webhooks.map((webhookId) => outcome(tenantA, { webhookId }));
      const sameIdInB = outcome(tenantB, { webhookId: webhooks[0]!, eventId });
      await Promise.all(
        [...ofEvent, ...others, sameIdInB].map((record) => log.recordOutcome(record, farFuture)),
      );

      const seen: string[] = [];
      let startKey: PageKey | undefined;
      do {
        const page = await log.list(tenantA, { eventId, limit: 7, ...(startKey ? { startKey } : {}) });
        seen.push(...page.items.map((item) => item.id));
        startKey = page.nextKey;
      } while (startKey);
      expect(seen).toEqual([...ofEvent].reverse().map((record) => record.deliveryId));

      const failedOfEvent = await log.list(tenantA, { eventId, status: 'failed', limit: 100 });
      expect(failedOfEvent.items.map((item) => item.id).sort()).toEqual(
        ofEvent
          .filter((record) => record.status === 'failed')
          .map((record) => record.deliveryId)
          .sort(),
      );
      const oneWebhook = await log.list(tenantA, { eventId, webhookId: webhooks[3]!, limit: 10 });
      expect(oneWebhook.items.map((item) => item.id)).toEqual([ofEvent[3]!.deliveryId]);

      const tenantWide = await log.list(tenantA, { limit: 100 });
      expect(tenantWide.items).toHaveLength(60);
      expect(tenantWide.nextKey).toBeUndefined();

      expect((await log.list(tenantB, { eventId, limit: 100 })).items.map((item) => item.id)).toEqual([
        sameIdInB.deliveryId,
      ]);
      expect(await log.list(hostile, { eventId, limit: 100 })).toEqual({ items: [] });
      expect(await log.list(hostile, { limit: 100 })).toEqual({ items: [] });
    });

    it('refuses a page position it never handed out', async () => {
      const log = makeRepository(systemTime);
      const tenantId = newTenant();
      const record = outcome(tenantId);
      await log.recordOutcome(record, farFuture);
      await expect(
        log.list(tenantId, { webhookId: record.webhookId, limit: 10, startKey: { ...FOREIGN_CURSOR } }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        log.list(tenantId, { webhookId: record.webhookId, limit: 10, startKey: {} as PageKey }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
