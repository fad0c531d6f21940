import { describe, expect, it } from 'vitest';
import {
  deliveryLogCost,
  groupedSuccessWriteUnits,
  INDEX_WRITE_UNITS,
  recordWriteUnits,
  USD_PER_MILLION_WRITE_UNITS,
} from '#domain/delivery-log-cost';

describe('deliveryLogCost (the figures the benchmark prints)', () => {
  it('stores first-attempt successes many to an item: fewer write units than deliveries once a batch holds several events', () => {
    expect(recordWriteUnits(1)).toBe(1);
    expect(INDEX_WRITE_UNITS).toBe(2);
    // Alone (low rates): its group, a tenant-index entry and an event entry; the payload rides in the claim.
    const alone = deliveryLogCost({ mode: 'all', webhooksPerEvent: 1, healthWritesPerDelivery: 0 });
    expect(alone.writeUnitsPerDelivery).toBe(3);
    // One event to 5 webhooks: 5 groups, 1 tenant entry, 1 event entry.
    expect(groupedSuccessWriteUnits(1, 5)).toBe(7);
    const oneEvent = deliveryLogCost({ mode: 'all', webhooksPerEvent: 5, healthWritesPerDelivery: 0 });
    expect(oneEvent.writeUnitsPerDelivery).toBeCloseTo(1.4);
    // 5 events of a batch to 5 webhooks: 5 groups of 5 (under 1 KB each), 1 tenant entry, 5 event entries.
    expect(groupedSuccessWriteUnits(5, 5)).toBe(11);
    const batched = deliveryLogCost({
      mode: 'all',
      webhooksPerEvent: 5,
      eventsPerFlush: 5,
      healthWritesPerDelivery: 0,
    });
    expect(batched.writeUnitsPerDelivery).toBeCloseTo(0.44);
    expect(batched.usdPerMillionDeliveries).toBeCloseTo(0.44 * USD_PER_MILLION_WRITE_UNITS);
    // Full batches: 5 groups of 10 (2 units each), 1 tenant entry, 10 event entries.
    expect(groupedSuccessWriteUnits(10, 5) / 50).toBeCloseTo(0.42);
    expect(batched.readUnitsPerDelivery).toBe(0);
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
    // 10 bytes fit the claim's unit; 10,000 make it 10 units instead of 1.
    expect(small.writeUnitsPerDelivery).toBe(3);
    expect(large.writeUnitsPerDelivery).toBe(12);
  });
});
