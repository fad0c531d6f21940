/**
 * A circuit breaker per webhook (docs/contract.md#isolation): after a run of failed attempts a dead or overloaded
 * endpoint stops being tried for a cool-down, so it cannot tie up delivery slots that healthy endpoints
 * need. Keyed by webhook, never by host: one tenant's failures must not stop another tenant's webhook
 * on the same receiving host.
 * Pure state over an injectable clock; the delivery path decides what a refused delivery becomes.
 */
import type { Clock } from './ports';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerSettings {
  /** Consecutive failed attempts (each within `failureWindowMs` of the latest) that open the circuit. */
  failureThreshold: number;
  /** A failure older than this no longer counts towards the threshold. */
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

/** One destination's breaker: closed → open after the threshold → half-open after the cool-down. */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  readonly #clock: Clock;
  #failureTimes: number[] = [];
  #openUntil: number | undefined;
  #probeStartedAt: number | undefined;
  #lastFailure: FailureEvidence | undefined;

  constructor(settings: CircuitBreakerSettings, clock: Clock) {
    if (!Number.isInteger(settings.failureThreshold) || settings.failureThreshold < 1)
      throw new RangeError('failureThreshold must be a whole number of at least 1');
    if (!(settings.cooldownMs > 0)) throw new RangeError('cooldownMs must be positive');
    if (!(settings.failureWindowMs > 0)) throw new RangeError('failureWindowMs must be positive');
    this.#settings = settings;
    this.#clock = clock;
  }

  get state(): CircuitState {
    if (this.#openUntil === undefined) return 'closed';
    return this.#now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** True when nothing is remembered: a fresh breaker would behave the same. */
  get isPristine(): boolean {
    return this.#openUntil === undefined && this.#failureTimes.length === 0 && !this.#lastFailure;
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

  /** The endpoint answered: the circuit closes and the failure run ends. */
  recordSuccess(): void {
    this.#lastFailure = undefined;
    this.#failureTimes = [];
    this.#openUntil = undefined;
    this.#probeStartedAt = undefined;
  }

  /**
   * A request failed the endpoint-down way (`evidence`: what came back, kept as the latest failure);
   * may open (or re-open) the circuit.
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
    const windowStart = now - this.#settings.failureWindowMs;
    this.#failureTimes = this.#failureTimes.filter((at) => at > windowStart);
    this.#failureTimes.push(now);
    if (this.#failureTimes.length >= this.#settings.failureThreshold) this.#open(now);
  }

  /** A permitted attempt ended without telling anything about the endpoint; frees the probe slot. */
  release(): void {
    this.#probeStartedAt = undefined;
  }

  #open(now: number): void {
    this.#openUntil = now + this.#settings.cooldownMs;
    this.#failureTimes = [];
    this.#probeStartedAt = undefined;
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

  constructor(settings: CircuitBreakerSettings, clock: Clock) {
    // Fails fast on bad settings rather than on the first delivery.
    new CircuitBreaker(settings, clock);
    this.#settings = settings;
    this.#clock = clock;
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
   * Records an attempt's verdict and says what changed; a healthy destination's breaker is
   * forgotten so the map stays small.
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
    return { before, after: breaker.state };
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
