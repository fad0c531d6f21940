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
    // Alone (low rates): its group and a tenant-index entry that lists the event; the payload rides in the claim.
    const alone = deliveryLogCost({ mode: 'all', webhooksPerEvent: 1, healthWritesPerDelivery: 0 });
    expect(alone.writeUnitsPerDelivery).toBe(2);
    // One event to 5 webhooks: 5 groups, 1 tenant entry.
    expect(groupedSuccessWriteUnits(1, 5)).toBe(6);
    const oneEvent = deliveryLogCost({ mode: 'all', webhooksPerEvent: 5, healthWritesPerDelivery: 0 });
    expect(oneEvent.writeUnitsPerDelivery).toBeCloseTo(1.2);
    // 5 events of a batch to 5 webhooks: 5 groups of 5 (under 1 KB each), 1 tenant entry listing the 5 events.
    expect(groupedSuccessWriteUnits(5, 5)).toBe(6);
    const batched = deliveryLogCost({
      mode: 'all',
      webhooksPerEvent: 5,
      eventsPerFlush: 5,
      healthWritesPerDelivery: 0,
    });
    expect(batched.writeUnitsPerDelivery).toBeCloseTo(0.24);
    expect(batched.usdPerMillionDeliveries).toBeCloseTo(0.24 * USD_PER_MILLION_WRITE_UNITS);
    // Full batches: 5 groups of 10 (2 units each), 1 tenant entry listing 10 events (under 1 KB).
    expect(groupedSuccessWriteUnits(10, 5) / 50).toBeCloseTo(0.22);
    expect(batched.readUnitsPerDelivery).toBe(0);
  });

  it('keeps an event-index entry per event for deliveries tried outside their event’s window (a backlog)', () => {
    // Every event with an entry of its own: the flush's cost before the tenant entry listed events.
    expect(groupedSuccessWriteUnits(1, 5, 1)).toBe(7);
    expect(groupedSuccessWriteUnits(5, 5, 5)).toBe(11);
    expect(groupedSuccessWriteUnits(10, 5, 10) / 50).toBeCloseTo(0.42);
    const backlogged = deliveryLogCost({
      mode: 'all',
      webhooksPerEvent: 5,
      eventsPerFlush: 5,
      eventRefShare: 1,
      healthWritesPerDelivery: 0,
    });
    expect(backlogged.writeUnitsPerDelivery).toBeCloseTo(0.44);
    // Half the events backlogged: 5 groups, 1 tenant entry, 2.5 event entries on average.
    expect(groupedSuccessWriteUnits(5, 5, 2.5)).toBeCloseTo(8.5);
  });

  it('lists at most 14 groups per tenant entry: a larger fan-out pays more tenant entries, each listing the events', () => {
    // 28 webhooks, 5 events: 28 groups, 2 tenant entries of 14 groups (2 units each with their events).
    expect(groupedSuccessWriteUnits(5, 28)).toBe(28 + 2 * 2);
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
    expect(small.writeUnitsPerDelivery).toBe(2);
    expect(large.writeUnitsPerDelivery).toBe(11);
  });
});
