/**
 * What every WebhookHealthRepository must do (src/domain/ports.ts): run against the DynamoDB adapter on
 * each store of the matrix and against the in-memory port the use-case tests use.
 */
import { describe, expect, it } from 'vitest';
import type { FailingPeriod, WebhookHealthRepository } from '#domain/ports';
import { newTenant, tenantTrio } from '#test/contracts/tenants';

const farFuture = new Date('2100-01-01T00:00:00Z');

/** Declares the WebhookHealthRepository contract; `makeRepository` is called once per case. */
export function describeWebhookHealthRepositoryContract(
  name: string,
  makeRepository: () => WebhookHealthRepository,
): void {
  describe(`${name} keeps the WebhookHealthRepository contract`, () => {
    it('keeps hourly stats with latency histograms, adds flushes up, and reads a window of one webhook only', async () => {
      const [tenantId, otherTenant] = [newTenant(), newTenant()];
      const health = makeRepository();
      // Recent hours, so the stats' own retention (counted from the hour) keeps them.
      const hour = Math.floor(Date.now() / 3_600_000);
      const latency = (bucket: number, n: number) =>
        Array.from({ length: 11 }, (_u, i) => (i === bucket ? n : 0));
      const last = { at: new Date().toISOString(), outcome: 'succeeded' as const };
      await health.add(
        tenantId,
        'wh_1',
        { counts: [{ hour: hour - 2, succeeded: 2, failed: 1, latency: latency(2, 3) }], last },
        farFuture,
      );
      await health.add(
        tenantId,
        'wh_1',
        { counts: [{ hour: hour - 2, succeeded: 1, failed: 0, latency: latency(4, 1) }], last },
        farFuture,
      );
      await health.add(
        tenantId,
        'wh_1',
        { counts: [{ hour, succeeded: 5, failed: 0, latency: latency(0, 5) }], last },
        farFuture,
      );
      await health.add(tenantId, 'wh_2', { counts: [{ hour, succeeded: 9, failed: 9 }], last }, farFuture);
      await health.add(otherTenant, 'wh_1', { counts: [{ hour, succeeded: 9, failed: 9 }], last }, farFuture);

      expect(await health.stats(tenantId, 'wh_1', hour - 5, hour)).toEqual([
        { hour: hour - 2, succeeded: 3, failed: 1, latency: [0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0] },
        { hour, succeeded: 5, failed: 0, latency: [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      ]);
      expect(await health.stats(tenantId, 'wh_1', hour - 1, hour - 1)).toEqual([]);
      expect(await health.stats(newTenant(), 'wh_1', hour - 5, hour)).toEqual([]);
    });

    it('adds health counts by hour and reads the last 24 hours with the latest attempt', async () => {
      const tenantId = newTenant();
      const health = makeRepository();
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

    it('forgets the status code when the latest attempt had none (a network error)', async () => {
      const tenantId = newTenant();
      const health = makeRepository();
      const now = new Date('2026-11-29T10:30:00.000Z');
      const hour = Math.floor(now.getTime() / 3_600_000);
      await health.add(
        tenantId,
        'wh_1',
        {
          counts: [{ hour, succeeded: 1, failed: 0 }],
          last: { at: '2026-11-29T10:00:00.000Z', statusCode: 200, outcome: 'succeeded' },
        },
        farFuture,
      );
      await health.add(
        tenantId,
        'wh_1',
        {
          counts: [{ hour, succeeded: 0, failed: 1 }],
          last: { at: '2026-11-29T10:10:00.000Z', outcome: 'failed' },
        },
        farFuture,
      );
      expect((await health.get(tenantId, ['wh_1', 'wh_1'], now)).get('wh_1')).toEqual({
        succeeded24h: 1,
        failed24h: 1,
        lastAttemptAt: '2026-11-29T10:10:00.000Z',
        lastOutcome: 'failed',
      });
    });

    it('keeps the latest circuit opening any process noted, per tenant; a third reads none', async () => {
      const health = makeRepository();
      const { tenantA, tenantB, hostile } = tenantTrio();
      const now = new Date('2026-11-29T10:30:00.000Z');
      await health.noteCircuitOpen(tenantA, 'wh_c', '2026-11-29T10:31:00.000Z', farFuture);
      // A process whose circuit opened earlier writes later: the later opening stands.
      await health.noteCircuitOpen(tenantA, 'wh_c', '2026-11-29T10:30:30.000Z', farFuture);
      await health.noteCircuitOpen(tenantB, 'wh_c', '2026-11-29T10:40:00.000Z', farFuture);
      expect((await health.get(tenantA, ['wh_c'], now)).get('wh_c')).toMatchObject({
        circuitOpenUntil: '2026-11-29T10:31:00.000Z',
      });
      // Counts added afterwards keep the opening.
      await health.add(
        tenantA,
        'wh_c',
        {
          counts: [{ hour: Math.floor(now.getTime() / 3_600_000), succeeded: 0, failed: 1 }],
          last: { at: '2026-11-29T10:30:10.000Z', outcome: 'failed' },
        },
        farFuture,
      );
      expect((await health.get(tenantA, ['wh_c'], now)).get('wh_c')).toMatchObject({
        failed24h: 1,
        circuitOpenUntil: '2026-11-29T10:31:00.000Z',
      });
      expect((await health.get(tenantB, ['wh_c'], now)).get('wh_c')?.circuitOpenUntil).toBe(
        '2026-11-29T10:40:00.000Z',
      );
      expect((await health.get(hostile, ['wh_c'], now)).size).toBe(0);
    });

    it('keeps two tenants’ counters of the same webhook id apart; a third reads none', async () => {
      const health = makeRepository();
      const { tenantA, tenantB, hostile } = tenantTrio();
      const now = new Date('2026-11-29T10:30:00.000Z');
      const hour = Math.floor(now.getTime() / 3_600_000);
      const last = { at: '2026-11-29T10:00:00.000Z', statusCode: 200, outcome: 'succeeded' as const };
      await health.add(
        tenantA,
        'wh_shared',
        { counts: [{ hour, succeeded: 5, failed: 0 }], last },
        farFuture,
      );
      await health.add(
        tenantB,
        'wh_shared',
        { counts: [{ hour, succeeded: 0, failed: 2 }], last },
        farFuture,
      );
      expect((await health.get(tenantA, ['wh_shared'], now)).get('wh_shared')).toMatchObject({
        succeeded24h: 5,
        failed24h: 0,
      });
      expect((await health.get(tenantB, ['wh_shared'], now)).get('wh_shared')).toMatchObject({
        succeeded24h: 0,
        failed24h: 2,
      });
      expect((await health.get(hostile, ['wh_shared'], now)).size).toBe(0);
    });
    it('keeps the failing period by conditional replacement, per tenant, beside the counters; a third reads none', async () => {
      const health = makeRepository();
      const { tenantA, tenantB, hostile } = tenantTrio();
      const now = new Date('2026-11-29T10:30:00.000Z');
      const hour = Math.floor(now.getTime() / 3_600_000);
      expect(await health.failingPeriod(tenantA, 'wh_p')).toEqual({});

      const opened = { failingSince: '2026-11-29T10:00:00.000Z', failureSeenAt: '2026-11-29T10:00:00.000Z' };
      const change = (expected: FailingPeriod | undefined | 'any', next: FailingPeriod | undefined) => ({
        expected,
        next,
      });
      expect(await health.replaceFailingPeriod(tenantA, 'wh_p', change(undefined, opened), farFuture)).toBe(
        true,
      );
      // A second writer that also saw no period loses: the first one's period stands.
      const rival = { failingSince: '2026-11-29T10:00:01.000Z' };
      expect(await health.replaceFailingPeriod(tenantA, 'wh_p', change(undefined, rival), farFuture)).toBe(
        false,
      );
      expect(await health.failingPeriod(tenantA, 'wh_p')).toEqual({ period: opened });

      // A threshold claimed once: a writer holding the older copy loses.
      const noticed = { ...opened, failureSeenAt: '2026-11-29T11:00:00.000Z', failingNoticeHours: 1 };
      expect(await health.replaceFailingPeriod(tenantA, 'wh_p', change(opened, noticed), farFuture)).toBe(
        true,
      );
      expect(await health.replaceFailingPeriod(tenantA, 'wh_p', change(opened, noticed), farFuture)).toBe(
        false,
      );
      expect(await health.failingPeriod(tenantA, 'wh_p')).toEqual({ period: noticed });

      // Counts and successes keep the period, and the latest success only moves forward.
      const success = (at: string) => ({
        counts: [{ hour, succeeded: 1, failed: 0 }],
        last: { at, statusCode: 200, outcome: 'succeeded' as const },
        lastSucceededAt: at,
      });
      await health.add(tenantA, 'wh_p', success('2026-11-29T10:20:00.000Z'), farFuture);
      await health.add(tenantA, 'wh_p', success('2026-11-29T10:10:00.000Z'), farFuture);
      expect(await health.failingPeriod(tenantA, 'wh_p')).toEqual({
        period: noticed,
        lastSucceededAt: '2026-11-29T10:20:00.000Z',
      });
      expect((await health.get(tenantA, ['wh_p'], now)).get('wh_p')).toMatchObject({
        succeeded24h: 2,
        failingSince: opened.failingSince,
        lastSucceededAt: '2026-11-29T10:20:00.000Z',
      });

      // Another tenant's webhook of the same id has its own period; a third tenant reads none.
      expect(await health.replaceFailingPeriod(tenantB, 'wh_p', change(undefined, rival), farFuture)).toBe(
        true,
      );
      expect((await health.failingPeriod(tenantB, 'wh_p')).period).toEqual(rival);
      expect(await health.failingPeriod(hostile, 'wh_p')).toEqual({});

      // Ended (removed) against the copy it was read as, or whatever it is.
      expect(await health.replaceFailingPeriod(tenantA, 'wh_p', change(noticed, undefined), farFuture)).toBe(
        true,
      );
      expect((await health.failingPeriod(tenantA, 'wh_p')).period).toBeUndefined();
      expect(await health.replaceFailingPeriod(tenantB, 'wh_p', change('any', undefined), farFuture)).toBe(
        true,
      );
      expect((await health.failingPeriod(tenantB, 'wh_p')).period).toBeUndefined();
      expect((await health.get(tenantA, ['wh_p'], now)).get('wh_p')).toMatchObject({ succeeded24h: 2 });
    });
  });
}
