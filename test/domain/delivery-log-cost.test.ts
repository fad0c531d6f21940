import { describe, expect, it } from 'vitest';
import {
  deliveryLogCost,
  INDEX_WRITE_UNITS,
  recordWriteUnits,
  USD_PER_MILLION_WRITE_UNITS,
} from '#domain/delivery-log-cost';

describe('deliveryLogCost (the figures the benchmark prints)', () => {
  it('costs one write unit for a first-attempt success and two for its index entries, plus the event payload shared by its webhooks', () => {
    expect(recordWriteUnits(1)).toBe(1);
    expect(INDEX_WRITE_UNITS).toBe(2);
    const alone = deliveryLogCost({ mode: 'all', webhooksPerEvent: 1, healthWritesPerDelivery: 0 });
    expect(alone.writeUnitsPerDelivery).toBe(4);
    const shared = deliveryLogCost({ mode: 'all', webhooksPerEvent: 5, healthWritesPerDelivery: 0 });
    expect(shared.writeUnitsPerDelivery).toBeCloseTo(3.2);
    expect(shared.usdPerMillionDeliveries).toBeCloseTo(3.2 * USD_PER_MILLION_WRITE_UNITS);
    expect(shared.readUnitsPerDelivery).toBe(0);
  });

  it('in failures mode, a delivery that succeeds at once costs the log nothing; a failing one pays per attempt', () => {
    expect(deliveryLogCost({ mode: 'failures', healthWritesPerDelivery: 0 }).writeUnitsPerDelivery).toBe(0);
    const failing = deliveryLogCost({ mode: 'failures', failingShare: 1, healthWritesPerDelivery: 0 });
    // 8 growing updates (1+2+3+3+4+4+5+5 units), 2 index units each, the failure-log link, the payload.
    expect(failing.writeUnitsPerDelivery).toBe(45);
    expect(deliveryLogCost({ mode: 'off', healthWritesPerDelivery: 0 }).writeUnitsPerDelivery).toBe(0);
  });

  it('costs more the larger the payload, never less than a unit per event', () => {
    const small = deliveryLogCost({ mode: 'all', payloadBytes: 10, healthWritesPerDelivery: 0 });
    const large = deliveryLogCost({ mode: 'all', payloadBytes: 10_000, healthWritesPerDelivery: 0 });
    expect(small.writeUnitsPerDelivery).toBe(4);
    expect(large.writeUnitsPerDelivery).toBe(13);
  });
});
