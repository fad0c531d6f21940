import { describe, expect, it } from 'vitest';
import {
  HOUR_MS,
  histogramPercentile,
  LATENCY_BOUNDS_MS,
  latencyBucket,
  statsBuckets,
  statsWindow,
} from '#domain/delivery-stats';

const now = new Date('2026-12-07T10:20:00.000Z');
const empty = () => new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

describe('delivery stats', () => {
  it('puts each duration in the first bucket whose bound holds it, the slowest in the open one', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(25)).toBe(0);
    expect(latencyBucket(26)).toBe(1);
    expect(latencyBucket(999)).toBe(LATENCY_BOUNDS_MS.indexOf(1000));
    expect(latencyBucket(60_000)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('reads percentiles as the upper bound of the bucket that holds them', () => {
    const latency = empty();
    latency[latencyBucket(40)] = 90; // ≤ 50 ms
    latency[latencyBucket(800)] = 10; // ≤ 1000 ms
    expect(histogramPercentile(latency, 0.5)).toBe(50);
    expect(histogramPercentile(latency, 0.95)).toBe(1000);
    expect(histogramPercentile(empty(), 0.5)).toBeUndefined();
  });

  it('defaults to the last 24 hours or 7 days, and refuses windows over 31 days or reversed', () => {
    const hourly = statsWindow({ granularity: 'hour' }, now);
    expect('fromMs' in hourly && (hourly.toMs - hourly.fromMs) / HOUR_MS).toBe(23);
    const daily = statsWindow({ granularity: 'day' }, now);
    expect('fromMs' in daily && (daily.toMs - daily.fromMs) / (24 * HOUR_MS)).toBe(6);
    expect(
      statsWindow({ granularity: 'day', since: '2026-10-01T00:00:00Z', until: '2026-12-01T00:00:00Z' }, now),
    ).toMatchObject({ field: 'since' });
    expect(
      statsWindow({ granularity: 'hour', since: '2026-12-02T00:00:00Z', until: '2026-12-01T00:00:00Z' }, now),
    ).toMatchObject({ field: 'since', message: 'must not be after until' });
  });

  it('sums hours into every bucket of the window, empty ones included', () => {
    const window = statsWindow({ granularity: 'day', since: '2026-12-05T00:00:00Z' }, now);
    if (!('fromMs' in window)) throw new Error('window refused');
    const hourOf = (iso: string) => Math.floor(Date.parse(iso) / HOUR_MS);
    const latency = empty();
    latency[2] = 4;
    const buckets = statsBuckets(
      [
        { hour: hourOf('2026-12-05T03:00:00Z'), succeeded: 3, failed: 1, latency },
        { hour: hourOf('2026-12-05T20:00:00Z'), succeeded: 1, failed: 0, latency: empty() },
        { hour: hourOf('2026-12-07T09:00:00Z'), succeeded: 0, failed: 2, latency: empty() },
      ],
      window,
    );
    expect(buckets).toEqual([
      { start: '2026-12-05T00:00:00.000Z', succeeded: 4, failed: 1, p50Ms: 100, p95Ms: 100 },
      { start: '2026-12-06T00:00:00.000Z', succeeded: 0, failed: 0 },
      { start: '2026-12-07T00:00:00.000Z', succeeded: 0, failed: 2 },
    ]);
  });
});
