import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RETRY_AFTER_SECONDS,
  nextRetryDelay,
  parseRetryAfter,
  totalAttempts,
} from '#domain/retry-policy';
import { mulberry32 } from '../support/seeded-random';

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];
/** The middle of the jitter range: no spread, so the schedule's own values come out. */
const NO_JITTER = () => 0.5;

describe('totalAttempts', () => {
  it('is the first try plus one per schedule entry', () => {
    expect(totalAttempts(SCHEDULE)).toBe(8);
    expect(totalAttempts([])).toBe(1);
  });
});

describe('nextRetryDelay', () => {
  it('follows the schedule after each failed attempt', () => {
    expect(SCHEDULE.map((_, index) => nextRetryDelay(SCHEDULE, index + 1, undefined, NO_JITTER))).toEqual(
      SCHEDULE,
    );
  });

  it('gives up once every attempt has been made', () => {
    expect(nextRetryDelay(SCHEDULE, 8, undefined, NO_JITTER)).toBeNull();
    expect(nextRetryDelay(SCHEDULE, 9, undefined, NO_JITTER)).toBeNull();
    expect(nextRetryDelay([], 1, undefined, NO_JITTER)).toBeNull();
    expect(nextRetryDelay(SCHEDULE, 8, 60, NO_JITTER)).toBeNull();
  });

  it('lets a longer Retry-After win and ignores a shorter one', () => {
    expect(nextRetryDelay(SCHEDULE, 1, 120, NO_JITTER)).toBe(120);
    expect(nextRetryDelay(SCHEDULE, 2, 120, NO_JITTER)).toBe(300);
    expect(nextRetryDelay(SCHEDULE, 1, 0.2, NO_JITTER)).toBe(5);
  });

  it('caps a Retry-After at 24 hours', () => {
    expect(nextRetryDelay(SCHEDULE, 1, 10 * MAX_RETRY_AFTER_SECONDS, NO_JITTER)).toBe(
      MAX_RETRY_AFTER_SECONDS,
    );
    expect(nextRetryDelay(SCHEDULE, 1, Number.POSITIVE_INFINITY, NO_JITTER)).toBe(5);
  });

  it('stays within ±20 % of the schedule, never under a Retry-After, at most max(schedule, 24 h), null only when exhausted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 100_000 }), { maxLength: 10 }),
        fc.nat({ max: 12 }),
        fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (schedule, attemptsMade, retryAfter, draw) => {
          const delay = nextRetryDelay(schedule, attemptsMade, retryAfter, () => draw);
          if (attemptsMade >= schedule.length + 1) return delay === null;
          if (attemptsMade === 0) return delay === 0;
          const scheduled = schedule[attemptsMade - 1] ?? 0;
          const requested =
            retryAfter === undefined ? 0 : Math.min(Math.ceil(retryAfter), MAX_RETRY_AFTER_SECONDS);
          return (
            delay !== null &&
            delay >= Math.min(Math.floor(scheduled * 0.8), scheduled) &&
            delay >= requested &&
            delay <= Math.max(Math.ceil(scheduled * 1.2), requested)
          );
        },
      ),
    );
  });

  it('spreads simultaneous retries uniformly over ±20 % (seeded random source, 10,000 draws)', () => {
    const random = mulberry32(20_261_129);
    const scheduled = 1800;
    const delays = Array.from(
      { length: 10_000 },
      () => nextRetryDelay(SCHEDULE, 3, undefined, random) as number,
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1440);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2160);
    const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
    // Uniform over [1440, 2160]: mean 1800, standard deviation 720 / sqrt(12) ≈ 207.8.
    expect(Math.abs(mean - scheduled)).toBeLessThan(10);
    const deviation = Math.sqrt(delays.reduce((sum, delay) => sum + (delay - mean) ** 2, 0) / delays.length);
    expect(deviation).toBeGreaterThan(195);
    expect(deviation).toBeLessThan(220);
    // Each tenth of the range holds about a tenth of the draws (chi-squared, 9 degrees of freedom,
    // p = 0.001 critical value 27.9): no lockstep, no clustering at the ends.
    const bins = new Array<number>(10).fill(0);
    for (const delay of delays) bins[Math.min(9, Math.floor(((delay - 1440) / 720) * 10))]! += 1;
    const chiSquared = bins.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    expect(chiSquared).toBeLessThan(27.9);
    // Ten deliveries failing in the same instant: their next attempts spread over minutes, not milliseconds.
    const ten = delays.slice(0, 10);
    expect(Math.max(...ten) - Math.min(...ten)).toBeGreaterThan(120);
  });

  it('keeps a Retry-After as a minimum whatever the draw', () => {
    const random = mulberry32(7);
    for (let draw = 0; draw < 1000; draw += 1) {
      expect(nextRetryDelay(SCHEDULE, 1, 120, random)).toBe(120);
      const delay = nextRetryDelay(SCHEDULE, 2, 280, random) as number;
      expect(delay).toBeGreaterThanOrEqual(280);
      expect(delay).toBeLessThanOrEqual(360);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-05-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Fri, 01 May 2026 12:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Someday, 99 Foo 2026', now)).toBeUndefined();
  });
});
