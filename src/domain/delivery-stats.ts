/**
 * Delivery statistics per webhook (`GET /v1/webhooks/{id}/stats`): succeeded and failed attempts and
 * latency percentiles per hour or day, from counters the delivery step keeps beside the webhook's
 * health (one small item per webhook and hour), never from the delivery records.
 *
 * Latency is kept as a histogram with fixed bounds, so counters from any number of processes add up
 * with a plain ADD; a percentile is the upper bound of the bucket that holds it (an over-estimate by
 * at most one bucket's width, which is what a chart of "p95 under 250 ms" needs).
 */
import { z } from 'zod';
import { DAY_MS } from './durations';
import { isoDateTimeSchema } from './event-catalogue';

export const HOUR_MS = 3_600_000;
/** Upper bounds (ms) of the latency buckets; one more bucket holds everything slower. */
export const LATENCY_BOUNDS_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000] as const;
/** The widest window one request may ask for. */
export const MAX_STATS_DAYS = 31;
/** How long the hourly counters are kept: the widest window plus a day. */
export const STATS_RETENTION_DAYS = MAX_STATS_DAYS + 1;

/** One hour's counters of one webhook; `latency[i]` counts attempts in bucket `i` of LATENCY_BOUNDS_MS (+1). */
export interface HourStats {
  /** Epoch hours (Math.floor(ms / 3_600_000)). */
  hour: number;
  succeeded: number;
  failed: number;
  latency: number[];
}

/** One bucket of the answer. */
export interface StatsBucket {
  start: string;
  succeeded: number;
  failed: number;
  p50Ms?: number;
  p95Ms?: number;
}

export const statsBucketSchema = z.object({
  start: isoDateTimeSchema.describe('Start of the bucket (UTC hour or day)'),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  p50Ms: z.number().optional().describe('Median attempt duration: upper bound of its latency bucket'),
  p95Ms: z
    .number()
    .optional()
    .describe('95th percentile attempt duration: upper bound of its latency bucket'),
});

export const webhookStatsSchema = z.object({
  granularity: z.enum(['hour', 'day']),
  buckets: z.array(statsBucketSchema),
});

/** The histogram bucket of an attempt that took `durationMs`. */
export function latencyBucket(durationMs: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/** The `fraction` percentile of a histogram (its bucket's upper bound), or undefined when it is empty. */
export function histogramPercentile(latency: readonly number[], fraction: number): number | undefined {
  const total = latency.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil(fraction * total);
  let seen = 0;
  for (let index = 0; index < latency.length; index++) {
    seen += latency[index] ?? 0;
    // The open-ended last bucket reports the largest bound: "slower than 30 s" as 30 s.
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(index, LATENCY_BOUNDS_MS.length - 1)];
  }
  return undefined;
}

export const statsQuerySchema = z
  .object({
    since: isoDateTimeSchema.optional(),
    until: isoDateTimeSchema.optional(),
    granularity: z.enum(['hour', 'day']).default('hour'),
  })
  .strict();

export type StatsQuery = z.infer<typeof statsQuerySchema>;

/**
 * The window a query asks for, in whole hours or days (UTC): `until` defaults to now, `since` to 24 h
 * (hour) or 7 days (day) before it. Errors name the field: `since` after `until`, or a window over 31 days.
 */
export function statsWindow(
  query: StatsQuery,
  now: Date,
): { fromMs: number; toMs: number; stepMs: number } | { field: string; message: string } {
  const stepMs = query.granularity === 'day' ? DAY_MS : HOUR_MS;
  const untilMs = query.until ? Date.parse(query.until) : now.getTime();
  // By default the current bucket and the 23 hours (6 days) before it.
  const sinceMs = query.since
    ? Date.parse(query.since)
    : Math.floor(untilMs / stepMs) * stepMs - (query.granularity === 'day' ? 6 : 23) * stepMs;
  if (sinceMs > untilMs) return { field: 'since', message: 'must not be after until' };
  if (untilMs - sinceMs > MAX_STATS_DAYS * DAY_MS)
    return { field: 'since', message: `the window may span at most ${MAX_STATS_DAYS} days` };
  const fromMs = Math.floor(sinceMs / stepMs) * stepMs;
  const toMs = Math.floor(untilMs / stepMs) * stepMs;
  return { fromMs, toMs, stepMs };
}

/** Sums hourly counters into buckets from `fromMs` to `toMs` (both bucket starts), empty ones included. */
export function statsBuckets(
  hours: readonly HourStats[],
  window: { fromMs: number; toMs: number; stepMs: number },
) {
  const buckets: StatsBucket[] = [];
  for (let start = window.fromMs; start <= window.toMs; start += window.stepMs) {
    const end = start + window.stepMs;
    let succeeded = 0;
    let failed = 0;
    const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    for (const hour of hours) {
      const at = hour.hour * HOUR_MS;
      if (at < start || at >= end) continue;
      succeeded += hour.succeeded;
      failed += hour.failed;
      hour.latency.forEach((count, index) => {
        latency[index] = (latency[index] ?? 0) + count;
      });
    }
    const p50Ms = histogramPercentile(latency, 0.5);
    const p95Ms = histogramPercentile(latency, 0.95);
    buckets.push({
      start: new Date(start).toISOString(),
      succeeded,
      failed,
      ...(p50Ms !== undefined ? { p50Ms } : {}),
      ...(p95Ms !== undefined ? { p95Ms } : {}),
    });
  }
  return buckets;
}
