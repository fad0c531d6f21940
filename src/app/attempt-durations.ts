/**
 * Running average attempt duration per key (a webhook, a tenant), for the delivery admission's slot
 * pools: it predicts how soon a slot frees, so a delivery waits in memory only when one is near.
 */
import { LRUCache } from 'lru-cache';

/** Weight of the newest attempt in a running average. */
const DURATION_WEIGHT = 0.2;
/** Keys whose average is remembered (the busiest recent ones). */
const MAX_REMEMBERED = 10_000;

/** Running averages of attempt durations, in ms, per key. */
export class AttemptDurations {
  readonly #averages = new LRUCache<string, number>({ max: MAX_REMEMBERED });

  /** Folds one finished attempt of `durationMs` into `key`'s average. */
  note(key: string, durationMs: number): void {
    const average = this.#averages.get(key);
    this.#averages.set(
      key,
      average === undefined ? durationMs : average + DURATION_WEIGHT * (durationMs - average),
    );
  }

  /** The average duration of `key`'s attempts, in ms; undefined before any ended. */
  averageOf(key: string): number | undefined {
    return this.#averages.get(key);
  }

  /**
   * How long the `position`-th waiter for one of `slots` slots of `key` can expect to wait (slots free
   * at slots ÷ average duration); undefined before any attempt of `key` ended.
   */
  expectedWaitMs(key: string, position: number, slots: number): number | undefined {
    const average = this.#averages.get(key);
    return average === undefined ? undefined : (average * position) / slots;
  }
}
