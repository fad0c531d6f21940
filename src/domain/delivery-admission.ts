/**
 * The port between a delivery and its webhook's protection (docs/contract.md#isolation): a concurrency limit
 * and a circuit breaker per webhook. A delivery asks once, before it signs and sends; the answer is
 * either a lease (a slot is held and the circuit lets it through) or a refusal saying when to come
 * back, so no delivery waits long in memory for a slow or failing webhook.
 */
import type { CircuitBreakerSettings, CircuitState, FailureEvidence } from './circuit-breaker';

/** What one attempt said about its endpoint: it answered (`up`), it failed the endpoint-down way, or nothing. */
export type EndpointVerdict = 'up' | 'down' | 'unknown';

/** How the webhook's circuit moved when a lease was released. */
export interface CircuitChange {
  before: CircuitState;
  after: CircuitState;
}

/** A held slot of one webhook; release it exactly once, when the attempt is over. */
export interface AdmissionLease {
  /**
   * Frees the slot and records `verdict` on the webhook's circuit (`unknown` records nothing); with
   * `down`, `evidence` is what the failed request got (status or error), kept as the circuit's latest failure.
   */
  release(verdict: EndpointVerdict, evidence?: Omit<FailureEvidence, 'at'>): CircuitChange;
}

/** The answer to "may this delivery go to its webhook now?". */
export type Admission =
  /** `hasWaited`: the slot came after a wait in memory (not at once), so what was read before may be stale. */
  | { isAdmitted: true; lease: AdmissionLease; hasWaited: boolean }
  /** Every slot of the webhook is taken by attempts in flight; one is expected in about `expectedWaitMs`. */
  | { isAdmitted: false; reason: 'slots-busy'; expectedWaitMs: number }
  /**
   * The webhook's circuit is open (or a half-open probe is out) until `retryAt`. `lastFailure` is the
   * latest real request to the webhook that failed, as this process saw it; `cooldownMs` how long
   * the circuit stays open after a failure.
   */
  | {
      isAdmitted: false;
      reason: 'circuit-open';
      retryAt: Date;
      lastFailure?: FailureEvidence;
      cooldownMs: number;
    };

/** Slots and circuits per webhook. */
export interface DeliveryAdmission {
  /**
   * Takes one of the webhook's slots, then asks its circuit; a refusal holds nothing. May wait briefly
   * for a slot that is about to free (bounded by the implementation), never for long. `webhookKey`
   * names one webhook (tenant and id), so webhooks that share a host never share a slot or a circuit.
   */
  admit(webhookKey: string, options?: AdmitOptions): Promise<Admission>;
}

export interface AdmitOptions {
  /**
   * Pass the webhook's open circuit (slots still apply): a delivery whose schedule has ended without
   * a single request of its own gets that one request, so it is never given up unsent. Its outcome
   * feeds the circuit like any attempt (a success closes it: the endpoint recovered).
   */
  throughOpenCircuit?: boolean;
}

/** How much one delivery environment lets through at once, and when a webhook's circuit opens. */
export interface AdmissionLimits {
  /** Attempts in flight to one webhook at once: a whole number of at least 1. */
  maxInFlightPerWebhook: number;
  /** Attempts in flight for one tenant over all its webhooks while they are slow; absent: no tenant limit. */
  maxInFlightPerTenant?: number;
  /** The circuit breaker of each webhook. */
  circuit: CircuitBreakerSettings;
}
