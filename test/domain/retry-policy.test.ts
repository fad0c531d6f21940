import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RETRY_AFTER_SECONDS,
  nextRetryDelay,
  parseRetryAfter,
  totalAttempts,
} from '#domain/retry-policy';

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('totalAttempts', () => {
  it('is the first try plus one per schedule entry', () => {
    expect(totalAttempts(SCHEDULE)).toBe(8);
    expect(totalAttempts([])).toBe(1);
  });
});

describe('nextRetryDelay', () => {
  it('follows the schedule after each failed attempt', () => {
    expect(SCHEDULE.map((_, index) => nextRetryDelay(SCHEDULE, index + 1))).toEqual(SCHEDULE);
  });

  it('gives up once every attempt has been made', () => {
    expect(nextRetryDelay(SCHEDULE, 8)).toBeNull();
    expect(nextRetryDelay(SCHEDULE, 9)).toBeNull();
    expect(nextRetryDelay([], 1)).toBeNull();
    expect(nextRetryDelay(SCHEDULE, 8, 60)).toBeNull();
  });

  it('lets a longer Retry-After win and ignores a shorter one', () => {
    expect(nextRetryDelay(SCHEDULE, 1, 120)).toBe(120);
    expect(nextRetryDelay(SCHEDULE, 2, 120)).toBe(300);
    expect(nextRetryDelay(SCHEDULE, 1, 0.2)).toBe(5);
  });

  it('caps a Retry-After at 24 hours', () => {
    expect(nextRetryDelay(SCHEDULE, 1, 10 * MAX_RETRY_AFTER_SECONDS)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(nextRetryDelay(SCHEDULE, 1, Number.POSITIVE_INFINITY)).toBe(5);
  });

  it('is never shorter than the schedule nor longer than max(schedule, 24 h), and null only when exhausted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 100_000 }), { maxLength: 10 }),
        fc.nat({ max: 12 }),
        fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: undefined }),
        (schedule, attemptsMade, retryAfter) => {
          const delay = nextRetryDelay(schedule, attemptsMade, retryAfter);
          if (attemptsMade >= schedule.length + 1) return delay === null;
          if (attemptsMade === 0) return delay === 0;
          const scheduled = schedule[attemptsMade - 1] ?? 0;
          return (
            delay !== null && delay >= scheduled && delay <= Math.max(scheduled, MAX_RETRY_AFTER_SECONDS)
          );
        },
      ),
    );
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
