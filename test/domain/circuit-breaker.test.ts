import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitBreakerRegistry,
  failureRateLowerBound,
  isEndpointFailure,
} from '#domain/circuit-breaker';
import { ManualClock } from '../support/in-memory-ports';
import { mulberry32 as seededRandom } from '../support/seeded-random';

const settings = { failureThreshold: 3, failureWindowMs: 10_000, cooldownMs: 30_000 };

function breakerAt(clock = new ManualClock()) {
  return { clock, breaker: new CircuitBreaker(settings, clock) };
}

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and refuses until the cool-down ends', () => {
    const { clock, breaker } = breakerAt();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toEqual({ isAllowed: true, isProbe: false });
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    const refused = breaker.tryAcquire();
    expect(refused).toEqual({
      isAllowed: false,
      state: 'open',
      retryAt: new Date(clock.now().getTime() + 30_000),
    });
    expect(breaker.retryAt).toEqual(new Date(clock.now().getTime() + 30_000));
    clock.advance(29_999);
    expect(breaker.tryAcquire().isAllowed).toBe(false);
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.retryAt).toBeUndefined();
  });

  it('opens on a failure rate with a minimum of failures, not on a run: successes in the window count', () => {
    const { breaker } = breakerAt();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    // Five failures of six: a rate of 83 %, but six requests cannot show 50 % with 95 % confidence.
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    expect(breaker.window).toEqual({ requests: 6, failures: 5 });
    expect(breaker.state).toBe('closed');
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    // Eight of nine: at least 57 % with that confidence.
    expect(breaker.state).toBe('open');
  });

  it('a dead endpoint opens it at the threshold: every request of the window failed', () => {
    const { breaker } = breakerAt();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
  });

  it('bounds the failure rate from below as the Wilson score does', () => {
    expect(failureRateLowerBound(5, 5)).toBeCloseTo(0.566, 3);
    expect(failureRateLowerBound(15, 30)).toBeCloseTo(0.332, 3);
    expect(failureRateLowerBound(600, 1_000)).toBeCloseTo(0.569, 3);
    expect(failureRateLowerBound(0, 0)).toBe(0);
  });

  it('an endpoint failing 30 % of the time at random never opens it; once it dies it opens within a window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 20, max: 2_000 }),
        (seed, gapMs) => {
          const clock = new ManualClock();
          const breaker = new CircuitBreaker(
            { failureThreshold: 5, failureRatePercent: 50, failureWindowMs: 60_000, cooldownMs: 30_000 },
            clock,
          );
          const random = seededRandom(seed);
          for (let request = 0; request < 1_000; request++) {
            clock.advance(gapMs);
            if (random() < 0.3) breaker.recordFailure({ statusCode: 500 });
            else breaker.recordSuccess();
            if (breaker.state !== 'closed') return false;
          }
          // Dead from now on: open once half the window fails (with confidence), at the latest when the
          // successes before it have left the window (one bucket of slack), and never before five failures.
          const diedAt = clock.now().getTime();
          for (let failures = 1; clock.now().getTime() - diedAt <= 60_000 + 6_000; failures++) {
            breaker.recordFailure({ statusCode: 500 });
            if (breaker.state === 'open') return failures >= 5;
            clock.advance(gapMs);
          }
          return false;
        },
      ),
      { numRuns: 50, seed: 27 },
    );
  });

  it('forgets failures older than the window', () => {
    const { clock, breaker } = breakerAt();
    breaker.recordFailure();
    clock.advance(6_000);
    breaker.recordFailure();
    clock.advance(6_000);
    // The first failure is 12 s old: only two count.
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    clock.advance(1_000);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
  });

  it('half-open lets exactly one probe through; its success closes the circuit', () => {
    const { clock, breaker } = breakerAt();
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    clock.advance(30_000);
    expect(breaker.tryAcquire()).toEqual({ isAllowed: true, isProbe: true });
    const second = breaker.tryAcquire();
    expect(second).toMatchObject({ isAllowed: false, state: 'half-open' });
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toEqual({ isAllowed: true, isProbe: false });
    expect(breaker.isPristine).toBe(true);
  });

  it('a failed probe re-opens the circuit for a fresh cool-down', () => {
    const { clock, breaker } = breakerAt();
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    clock.advance(30_000);
    expect(breaker.tryAcquire()).toMatchObject({ isProbe: true });
    clock.advance(5_000);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.retryAt).toEqual(new Date(clock.now().getTime() + 30_000));
  });

  it('a probe that never reports back stops blocking after a cool-down; release frees it at once', () => {
    const { clock, breaker } = breakerAt();
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    clock.advance(30_000);
    expect(breaker.tryAcquire()).toMatchObject({ isProbe: true });
    clock.advance(29_000);
    expect(breaker.tryAcquire().isAllowed).toBe(false);
    clock.advance(1_000);
    expect(breaker.tryAcquire()).toMatchObject({ isAllowed: true, isProbe: true });
    breaker.release();
    expect(breaker.tryAcquire()).toMatchObject({ isAllowed: true, isProbe: true });
  });

  it('waits probeTimeoutMs for a slow probe before counting it lost', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ ...settings, probeTimeoutMs: 60_000 }, clock);
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    clock.advance(30_000);
    expect(breaker.tryAcquire()).toMatchObject({ isProbe: true });
    clock.advance(45_000);
    expect(breaker.tryAcquire()).toEqual({
      isAllowed: false,
      state: 'half-open',
      retryAt: new Date(clock.now().getTime() + 30_000),
    });
    clock.advance(15_000);
    expect(breaker.tryAcquire()).toMatchObject({ isAllowed: true, isProbe: true });
  });

  it('failures reported while open (attempts sent before it opened) do not extend the cool-down', () => {
    const { clock, breaker } = breakerAt();
    for (let index = 0; index < 3; index++) breaker.recordFailure();
    const retryAt = breaker.retryAt;
    clock.advance(10_000);
    breaker.recordFailure();
    expect(breaker.retryAt).toEqual(retryAt);
  });

  it('refuses nonsensical settings', () => {
    const clock = new ManualClock();
    expect(() => new CircuitBreaker({ ...settings, failureThreshold: 0 }, clock)).toThrow(RangeError);
    expect(() => new CircuitBreaker({ ...settings, cooldownMs: 0 }, clock)).toThrow(RangeError);
    expect(() => new CircuitBreakerRegistry({ ...settings, failureWindowMs: -1 }, clock)).toThrow(RangeError);
  });
});

describe('isEndpointFailure', () => {
  it('counts connection failures, timeouts and 5xx, not answers from a live server', () => {
    expect(isEndpointFailure({})).toBe(true);
    expect(isEndpointFailure({ statusCode: 500 })).toBe(true);
    expect(isEndpointFailure({ statusCode: 503 })).toBe(true);
    expect(isEndpointFailure({ statusCode: 200 })).toBe(false);
    expect(isEndpointFailure({ statusCode: 302 })).toBe(false);
    expect(isEndpointFailure({ statusCode: 404 })).toBe(false);
    expect(isEndpointFailure({ statusCode: 429 })).toBe(false);
  });
});

describe('CircuitBreakerRegistry', () => {
  it('keeps one breaker per destination and forgets each once its window holds nothing', () => {
    const clock = new ManualClock();
    const registry = new CircuitBreakerRegistry(settings, clock);
    expect(registry.recordOutcome('https://dead.example', true)).toEqual({
      before: 'closed',
      after: 'closed',
    });
    registry.recordOutcome('https://dead.example', true);
    expect(registry.recordOutcome('https://dead.example', true)).toEqual({ before: 'closed', after: 'open' });
    registry.recordOutcome('https://fine.example', false);
    expect(registry.stateOf('https://dead.example')).toBe('open');
    // The success is in fine.example's window (the rate's denominator) until the window passes.
    expect(registry.get('https://fine.example').window).toEqual({ requests: 1, failures: 0 });
    expect(registry.retryAt('https://dead.example')).toEqual(new Date(clock.now().getTime() + 30_000));
    expect(registry.stateOf('https://fine.example')).toBe('closed');
    expect(registry.retryAt('https://fine.example')).toBeUndefined();
    expect(registry.get('https://other.example').tryAcquire().isAllowed).toBe(true);
    expect(registry.size).toBe(3);
    clock.advance(30_000);
    expect(registry.get('https://dead.example').tryAcquire()).toMatchObject({ isProbe: true });
    expect(registry.recordOutcome('https://dead.example', false)).toEqual({
      before: 'half-open',
      after: 'closed',
    });
    expect(registry.stateOf('https://dead.example')).toBe('closed');
    // The probe's success closed it afresh, and the sweep (a window has passed) forgot the rest.
    expect(registry.size).toBe(0);
    registry.recordOutcome('https://new.example', false);
    expect(registry.size).toBe(1);
    clock.advance(settings.failureWindowMs * 2);
    registry.recordOutcome('https://other.example', true);
    expect(registry.size).toBe(1);
  });
});
