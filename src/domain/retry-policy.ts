/**
 * When to try a failed delivery again (docs/contract.md#deliveries): the RETRY_SCHEDULE delays, stretched by a
 * longer Retry-After from a 429/503, bounded so an endpoint cannot park a delivery for ever.
 */

import type { RandomSource } from './ports';

/** The longest Retry-After the service honours. */
export const MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60;

/** Attempts a delivery gets in all: the first try plus one per schedule entry. */
export function totalAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/**
 * How far a scheduled delay is spread at random, each way (docs/contract.md#isolation: ±20 %), so that
 * deliveries that failed together (an endpoint's outage) do not all retry in the same instant.
 */
export const RETRY_JITTER = 0.2;

/** `seconds` spread uniformly over [-RETRY_JITTER, +RETRY_JITTER] of itself, in whole seconds. */
export function jitterDelay(seconds: number, random: RandomSource): number {
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, Math.round(seconds * (1 + RETRY_JITTER * (2 * draw - 1))));
}

/**
 * Seconds to wait before the next attempt once `attemptsMade` attempts have failed, or null when
 * no attempt is left: the schedule's delay spread by ±20 % (a draw of `random`, the random port), or a
 * Retry-After when that is longer — it is a minimum the jitter never undercuts — capped at 24 h.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
  retryAfterSeconds: number | undefined,
  random: RandomSource,
): number | null {
  if (attemptsMade >= totalAttempts(schedule)) return null;
  // Nothing has failed yet: the first attempt is due now.
  if (attemptsMade < 1) return 0;
  const scheduled = jitterDelay(schedule[attemptsMade - 1] ?? 0, random);
  if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds)) return scheduled;
  const requested = Math.min(Math.max(0, Math.ceil(retryAfterSeconds)), MAX_RETRY_AFTER_SECONDS);
  return Math.max(scheduled, requested);
}

/**
 * Seconds a Retry-After header asks for, from its delta-seconds or HTTP-date form (RFC 9110
 * section 10.2.3); undefined when absent or unreadable. A date in the past means 0.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds) ? seconds : MAX_RETRY_AFTER_SECONDS;
  }
  // Date.parse also accepts loose forms like "5"; require something shaped like an HTTP-date.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
