/**
 * How long the service keeps the records of what failed (docs/contract.md#deliveries, #aws-stack): each is written
 * with an expiry this long after the moment it records, and the store drops it then.
 */
export interface FailureRetention {
  /** How long a failure log (a delivery that used up its attempts) is kept, in ms. */
  failureLogMs: number;
  /** How long a rejected event (refused by schema, or never fanned out) is kept, in ms. */
  rejectedEventMs: number;
}
