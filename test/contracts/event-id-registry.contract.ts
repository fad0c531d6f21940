/**
 * What every EventIdRegistry must do (src/domain/ports.ts): run against the DynamoDB adapter on each
 * store of the matrix and against the in-memory port.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, EventIdRegistry } from '#domain/ports';
import { tenantTrio } from '#test/contracts/tenants';
import { ManualClock } from '#test/support/in-memory-ports';

const inHours = (hours: number, from: Date) => new Date(from.getTime() + hours * 3_600_000);

/**
 * Declares the EventIdRegistry contract. `makeRegistry(clock)` is called once per case and must judge
 * expiry by `clock`.
 */
export function describeEventIdRegistryContract(
  name: string,
  makeRegistry: (clock: Clock) => EventIdRegistry,
) {
  describe(`${name} (EventIdRegistry contract)`, () => {
    it('takes a free id once and answers the holder to every later claim, without replacing it', async () => {
      const clock = new ManualClock(new Date());
      const registry = makeRegistry(clock);
      const { tenantA } = tenantTrio();
      const first = { tenantId: tenantA, eventId: 'dup-1', fingerprint: 'fp-created', busEventId: 'bus-1' };
      expect(await registry.claim(first, inHours(24, clock.now()))).toEqual({ claimed: true });
      const second = { tenantId: tenantA, eventId: 'dup-1', fingerprint: 'fp-deleted', busEventId: 'bus-2' };
      const holder = { fingerprint: 'fp-created', busEventId: 'bus-1' };
      expect(await registry.claim(second, inHours(24, clock.now()))).toEqual({ claimed: false, holder });
      // The losing claim wrote nothing: the first still holds the id.
      expect(await registry.claim({ ...second, busEventId: 'bus-3' }, inHours(24, clock.now()))).toEqual({
        claimed: false,
        holder,
      });
    });

    it('answers a holder without a bus event id as such', async () => {
      const clock = new ManualClock(new Date());
      const registry = makeRegistry(clock);
      const { tenantA } = tenantTrio();
      const claim = { tenantId: tenantA, eventId: 'no-bus', fingerprint: 'fp' };
      expect(await registry.claim(claim, inHours(24, clock.now()))).toEqual({ claimed: true });
      expect(await registry.claim(claim, inHours(24, clock.now()))).toEqual({
        claimed: false,
        holder: { fingerprint: 'fp' },
      });
    });

    it('keeps tenants apart: the same id is free in every other tenant, a hostile one included', async () => {
      const clock = new ManualClock(new Date());
      const registry = makeRegistry(clock);
      const { tenantA, tenantB, hostile } = tenantTrio();
      for (const tenantId of [tenantA, tenantB, hostile]) {
        const claim = { tenantId, eventId: 'shared-id', fingerprint: `fp-${tenantId}` };
        expect(await registry.claim(claim, inHours(24, clock.now()))).toEqual({ claimed: true });
      }
    });

    it('frees an id once its claim has expired, even before the store removes it', async () => {
      const clock = new ManualClock(new Date());
      const registry = makeRegistry(clock);
      const { tenantA } = tenantTrio();
      const claim = { tenantId: tenantA, eventId: 'old-id', fingerprint: 'fp-1' };
      expect(await registry.claim(claim, inHours(24, clock.now()))).toEqual({ claimed: true });
      clock.advance(23 * 3_600_000);
      expect(
        (await registry.claim({ ...claim, fingerprint: 'fp-2' }, inHours(24, clock.now()))).claimed,
      ).toBe(false);
      clock.advance(2 * 3_600_000);
      expect(await registry.claim({ ...claim, fingerprint: 'fp-2' }, inHours(24, clock.now()))).toEqual({
        claimed: true,
      });
      expect(await registry.claim(claim, inHours(24, clock.now()))).toEqual({
        claimed: false,
        holder: { fingerprint: 'fp-2' },
      });
    });

    it('answers the payload a claim carries until the payload expires, past the claim, to its own tenant only', async () => {
      const clock = new ManualClock(new Date());
      const registry = makeRegistry(clock);
      const { tenantA, tenantB } = tenantTrio();
      const body = '{"id":"big-1","data":{"text":"é ✓"}}';
      const claim = { tenantId: tenantA, eventId: 'big-1', fingerprint: 'fp-big' };
      const payload = { body, expiresAt: inHours(24 * 30, clock.now()) };
      expect(await registry.claim({ ...claim, payload }, inHours(24, clock.now()))).toEqual({
        claimed: true,
      });
      expect(await registry.payloadOf(tenantA, 'big-1')).toBe(body);
      expect(await registry.payloadOf(tenantB, 'big-1')).toBeUndefined();
      // A claim without a payload answers none.
      await registry.claim({ ...claim, eventId: 'small-1' }, inHours(24, clock.now()));
      expect(await registry.payloadOf(tenantA, 'small-1')).toBeUndefined();
      clock.advance(24 * 29 * 3_600_000);
      expect(await registry.payloadOf(tenantA, 'big-1')).toBe(body);
      clock.advance(24 * 2 * 3_600_000);
      expect(await registry.payloadOf(tenantA, 'big-1')).toBeUndefined();
    });
  });
}
