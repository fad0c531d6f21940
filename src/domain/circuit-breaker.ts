/**
 * A circuit breaker per webhook (docs/contract.md#isolation): once most of its recent requests fail, a dead or
 * overloaded endpoint stops being tried for a cool-down, so it cannot tie up delivery slots that healthy
 * endpoints need. It opens on a failure rate over a rolling window with a minimum number of failures,
 * as well-known breakers do, not on a run of consecutive failures: a run of five comes by chance every
 * few hundred requests to an endpoint that fails 30 % of the time, and each such run shut a working
 * endpoint for a whole cool-down. The rate must hold with 95 % confidence (the Wilson score's lower
 * bound), so a small window cannot pass a chance streak for a rate: a dead endpoint still opens it at
 * its fifth failure (5 of 5), while 5 of 8, or 15 of 30, do not.
 * Keyed by webhook, never by host: one tenant's failures must not stop another tenant's webhook
 * on the same receiving host.
 * Pure state over an injectable clock; the delivery path decides what a refused delivery becomes.
 */
import type { Clock } from './ports';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerSettings {
  /**
   * The fewest failed requests within `failureWindowMs` that open the circuit (its minimum volume of
   * evidence), provided they are at least `failureRatePercent` of the window's requests.
   */
  failureThreshold: number;
  /**
   * The share of the window's requests (successes and failures) that must be failing, in percent
   * (1–100), with 95 % confidence (or every request of the window failed). @default 50
   */
  failureRatePercent?: number;
  /** The rolling window: a request older than this no longer counts. */
  failureWindowMs: number;
  /** How long an open circuit refuses attempts before it lets one probe through. */
  cooldownMs: number;
  /**
   * After this long without a verdict a probe counts as lost and another may go; set it above the
   * longest an attempt can take. @default cooldownMs
   */
  probeTimeoutMs?: number;
}

/**
 * A real request to the destination that failed the endpoint-down way: when, and what came back. It
 * is the evidence a delivery whose schedule has run out is given up on, and its failure log cites it.
 */
export interface FailureEvidence {
  at: Date;
  statusCode?: number;
  error?: string;
}

/** The breaker's answer to "may I send now?". */
export type CircuitPermit =
  | { isAllowed: true; isProbe: boolean }
  | { isAllowed: false; retryAt: Date; state: 'open' | 'half-open' };

/** Does this attempt's outcome say the endpoint is down (connection, timeout, TLS, 5xx)? */
export function isEndpointFailure(outcome: { statusCode?: number }): boolean {
  // Any other answer (2xx, 3xx, 4xx, 429) came back from a live server, so it says the origin is up.
  return outcome.statusCode === undefined || outcome.statusCode >= 500;
}

/** The rolling window is kept in this many buckets: bounded memory whatever the request rate. */
const WINDOW_BUCKETS = 10;
const DEFAULT_FAILURE_RATE_PERCENT = 50;

/** Requests and failures that started within one bucket of the window. */
interface Bucket {
  start: number;
  requests: number;
  failures: number;
}

/** z for a one-sided 97.5 % bound, i.e. the two-sided 95 % Wilson interval's lower end. */
const CONFIDENCE_Z = 1.96;

/**
 * The lower end of the Wilson score interval of a failure rate: the least rate `failures` of
 * `requests` are consistent with at 95 % confidence (5 of 5: 0.57; 15 of 30: 0.33; 600 of 1,000: 0.57).
 */
export function failureRateLowerBound(failures: number, requests: number): number {
  if (requests <= 0) return 0;
  const z2 = CONFIDENCE_Z * CONFIDENCE_Z;
  const rate = failures / requests;
  const centre = rate + z2 / (2 * requests);
  const margin = CONFIDENCE_Z * Math.sqrt((rate * (1 - rate)) / requests + z2 / (4 * requests * requests));
  return Math.max(0, (centre - margin) / (1 + z2 / requests));
}

/** One destination's breaker: closed → open at the failure rate → half-open after the cool-down. */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #ratePercent: number;
  /** The window's buckets, oldest first. */
  #buckets: Bucket[] = [];
  #openUntil: number | undefined;
  #probeStartedAt: number | undefined;
  #lastFailure: FailureEvidence | undefined;

  constructor(settings: CircuitBreakerSettings, clock: Clock) {
    if (!Number.isInteger(settings.failureThreshold) || settings.failureThreshold < 1)
      throw new RangeError('failureThreshold must be a whole number of at least 1');
    if (!(settings.cooldownMs > 0)) throw new RangeError('cooldownMs must be positive');
    if (!(settings.failureWindowMs > 0)) throw new RangeError('failureWindowMs must be positive');
    const ratePercent = settings.failureRatePercent ?? DEFAULT_FAILURE_RATE_PERCENT;
    if (!(ratePercent > 0 && ratePercent <= 100))
      throw new RangeError('failureRatePercent must be above 0 and at most 100');
    this.#settings = settings;
    this.#clock = clock;
    this.#ratePercent = ratePercent;
    this.#bucketMs = Math.max(1, Math.ceil(settings.failureWindowMs / WINDOW_BUCKETS));
  }

  get state(): CircuitState {
    if (this.#openUntil === undefined) return 'closed';
    return this.#now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** True when nothing is remembered: a fresh breaker would behave the same. */
  get isPristine(): boolean {
    this.#prune(this.#now());
    return this.#openUntil === undefined && this.#buckets.length === 0 && !this.#lastFailure;
  }

  /** Requests and failures within the rolling window (while closed; an open circuit starts afresh). */
  get window(): { requests: number; failures: number } {
    this.#prune(this.#now());
    let requests = 0;
    let failures = 0;
    for (const bucket of this.#buckets) {
      requests += bucket.requests;
      failures += bucket.failures;
    }
    return { requests, failures };
  }

  /** The latest failed request since the last success; undefined after a success or before any failure. */
  get lastFailure(): FailureEvidence | undefined {
    return this.#lastFailure;
  }

  /** The cool-down an open circuit waits before a probe, in ms. */
  get cooldownMs(): number {
    return this.#settings.cooldownMs;
  }

  /** When an open circuit will let a probe through; undefined unless open. */
  get retryAt(): Date | undefined {
    return this.state === 'open' ? new Date(this.#openUntil ?? 0) : undefined;
  }

  /** Asks to send one attempt; in half-open only one probe at a time is allowed. */
  tryAcquire(): CircuitPermit {
    const now = this.#now();
    const state = this.state;
    if (state === 'closed') return { isAllowed: true, isProbe: false };
    if (state === 'open') return { isAllowed: false, retryAt: new Date(this.#openUntil ?? now), state };
    // A probe that never reported back (its caller crashed) must not keep the circuit shut for ever.
    const probeTimeoutMs = this.#settings.probeTimeoutMs ?? this.#settings.cooldownMs;
    const isProbeInFlight = this.#probeStartedAt !== undefined && now - this.#probeStartedAt < probeTimeoutMs;
    if (isProbeInFlight) {
      // The probe's verdict decides what comes next; ask again once it may have come.
      return {
        isAllowed: false,
        retryAt: new Date(now + Math.min(this.#settings.cooldownMs, probeTimeoutMs)),
        state,
      };
    }
    this.#probeStartedAt = now;
    return { isAllowed: true, isProbe: true };
  }

  /**
   * The endpoint answered. A probe's success (or any success while not closed) closes the circuit
   * with an empty window; while closed, the success counts in the window's rate.
   */
  recordSuccess(): void {
    this.#lastFailure = undefined;
    this.#probeStartedAt = undefined;
    if (this.#openUntil !== undefined) {
      this.#openUntil = undefined;
      this.#buckets = [];
      return;
    }
    this.#count(this.#now(), false);
  }

  /**
   * A request failed the endpoint-down way (`evidence`: what came back, kept as the latest failure);
   * opens the circuit once the window holds `failureThreshold` failures or more and they are at least
   * `failureRatePercent` of its requests; a failed probe re-opens it.
   */
  recordFailure(evidence: Omit<FailureEvidence, 'at'> = {}): void {
    const now = this.#now();
    this.#lastFailure = { at: new Date(now), ...evidence };
    const state = this.state;
    if (state === 'open') return;
    if (state === 'half-open') {
      this.#open(now);
      return;
    }
    this.#count(now, true);
    const { requests, failures } = this.window;
    if (failures < this.#settings.failureThreshold) return;
    if (failures === requests || failureRateLowerBound(failures, requests) * 100 >= this.#ratePercent) {
      this.#open(now);
    }
  }

  /** A permitted attempt ended without telling anything about the endpoint; frees the probe slot. */
  release(): void {
    this.#probeStartedAt = undefined;
  }

  #open(now: number): void {
    this.#openUntil = now + this.#settings.cooldownMs;
    this.#buckets = [];
    this.#probeStartedAt = undefined;
  }

  /** Adds one request (failed or not) to the window's current bucket. */
  #count(now: number, isFailure: boolean): void {
    this.#prune(now);
    const start = now - (now % this.#bucketMs);
    let bucket = this.#buckets.at(-1);
    if (!bucket || bucket.start !== start) {
      bucket = { start, requests: 0, failures: 0 };
      this.#buckets.push(bucket);
    }
    bucket.requests += 1;
    if (isFailure) bucket.failures += 1;
  }

  /** Drops the buckets that ended before the window. */
  #prune(now: number): void {
    const windowStart = now - this.#settings.failureWindowMs;
    let expired = 0;
    while (
      expired < this.#buckets.length &&
      (this.#buckets[expired]?.start ?? 0) + this.#bucketMs <= windowStart
    )
      expired += 1;
    if (expired > 0) this.#buckets = this.#buckets.slice(expired);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

/** Breakers by key (a webhook), created on first use. */
export class CircuitBreakerRegistry {
  readonly #settings: CircuitBreakerSettings;
  readonly #clock: Clock;
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Clock time of the last sweep of breakers that remember nothing any more. */
  #sweptAt: number;

  constructor(settings: CircuitBreakerSettings, clock: Clock) {
    // Fails fast on bad settings rather than on the first delivery.
    new CircuitBreaker(settings, clock);
    this.#settings = settings;
    this.#clock = clock;
    this.#sweptAt = clock.now().getTime();
  }

  /** The breaker of `destination`. */
  get(destination: string): CircuitBreaker {
    let breaker = this.#breakers.get(destination);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#settings, this.#clock);
      this.#breakers.set(destination, breaker);
    }
    return breaker;
  }

  /** The state of `destination`'s circuit without creating a breaker. */
  stateOf(destination: string): CircuitState {
    return this.#breakers.get(destination)?.state ?? 'closed';
  }

  /** When `destination`'s open circuit lets a probe through; undefined unless it is open now. */
  retryAt(destination: string): Date | undefined {
    return this.#breakers.get(destination)?.retryAt;
  }

  /**
   * Records an attempt's verdict and says what changed. A breaker is kept while its window holds a
   * request (the successes are the rate's denominator); once a window's time it is swept, with every
   * breaker that remembers nothing any more, so the map holds only recently used webhooks.
   */
  recordOutcome(
    destination: string,
    isFailure: boolean,
    evidence?: Omit<FailureEvidence, 'at'>,
  ): { before: CircuitState; after: CircuitState } {
    const breaker = this.get(destination);
    const before = breaker.state;
    if (isFailure) breaker.recordFailure(evidence);
    else breaker.recordSuccess();
    if (breaker.isPristine) this.#breakers.delete(destination);
    this.#sweep();
    return { before, after: breaker.state };
  }

  #sweep(): void {
    const now = this.#clock.now().getTime();
    if (now - this.#sweptAt < this.#settings.failureWindowMs) return;
    this.#sweptAt = now;
    for (const [destination, breaker] of this.#breakers) {
      if (breaker.isPristine) this.#breakers.delete(destination);
    }
  }

  /** The latest failed request to `destination` since its last success, if this process saw one. */
  lastFailure(destination: string): FailureEvidence | undefined {
    return this.#breakers.get(destination)?.lastFailure;
  }

  /** A permitted attempt ended without a verdict: frees a probe slot, remembers nothing new. */
  release(destination: string): CircuitState {
    const breaker = this.#breakers.get(destination);
    if (!breaker) return 'closed';
    breaker.release();
    if (breaker.isPristine) this.#breakers.delete(destination);
    return breaker.state;
  }

  /** Destinations currently remembered (open, half-open, or closed with recent failures). */
  get size(): number {
    return this.#breakers.size;
  }
}
