/**
 * What every OrderedProgressStore must do (src/domain/ports.ts): run against the DynamoDB adapter on
 * each store of the matrix and against the in-memory port.
 */
import { describe, expect, it } from 'vitest';
import type { OrderedProgress } from '#domain/ordering';
import type { Clock, OrderedProgressStore } from '#domain/ports';
import { tenantTrio } from '#test/contracts/tenants';
import { ManualClock } from '#test/support/in-memory-ports';

const inHours = (hours: number, from: Date) => new Date(from.getTime() + hours * 3_600_000);

const progress: OrderedProgress = {
  attempts: [{ at: '2026-12-01T10:00:00.000Z', host: 'hooks.example.com', statusCode: 503, durationMs: 12 }],
  firstTriedAt: '2026-12-01T10:00:00.000Z',
  slotPostponements: 2,
  notBefore: '2026-12-01T10:00:05.000Z',
};

/** Declares the OrderedProgressStore contract; `makeStore(clock)` must judge expiry by `clock`. */
export function describeOrderedProgressStoreContract(
  name: string,
  makeStore: (clock: Clock) => OrderedProgressStore,
) {
  describe(`${name} (OrderedProgressStore contract)`, () => {
    it('answers nothing before a put, then the latest progress put, as written', async () => {
      const clock = new ManualClock(new Date());
      const store = makeStore(clock);
      const { tenantA } = tenantTrio();
      expect(await store.get(tenantA, 'dedup-1')).toBeUndefined();
      await store.put(tenantA, 'dedup-1', { attempts: [] }, inHours(30, clock.now()));
      await store.put(tenantA, 'dedup-1', progress, inHours(30, clock.now()));
      expect(await store.get(tenantA, 'dedup-1')).toEqual(progress);
    });

    it('keeps tenants apart: the same id of another tenant, or a third’s, is not found', async () => {
      const clock = new ManualClock(new Date());
      const store = makeStore(clock);
      const { tenantA, tenantB, hostile } = tenantTrio();
      await store.put(tenantA, 'shared', progress, inHours(30, clock.now()));
      await store.put(tenantB, 'shared', { attempts: [] }, inHours(30, clock.now()));
      expect(await store.get(tenantB, 'shared')).toEqual({ attempts: [] });
      expect(await store.get(hostile, 'shared')).toBeUndefined();
      expect(await store.get(tenantA, 'shared')).toEqual(progress);
    });

    it('forgets progress once it expires', async () => {
      const clock = new ManualClock(new Date());
      const store = makeStore(clock);
      const { tenantA } = tenantTrio();
      await store.put(tenantA, 'short', progress, inHours(1, clock.now()));
      clock.advance(2 * 3_600_000);
      expect(await store.get(tenantA, 'short')).toBeUndefined();
    });
  });
}
