/** A field-level problem in a request, reported back to the client. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * Every code a domain error can carry. A new kind of error adds its code here, and the admin API's
 * status table (functions/commons/http/error-status.ts, typed by this union) then fails to compile
 * until the edge says how HTTP reports it: the domain names what went wrong, the edge picks a status.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'webhook_inactive'
  | 'unauthorized'
  | 'forbidden'
  | 'limit_reached'
  | 'rate_limited';

/** Base of every error the domain throws on purpose; `code` is what clients branch on. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  readonly details?: FieldIssue[];

  constructor(message: string, details?: FieldIssue[]) {
    super(message);
    this.name = new.target.name;
    if (details) this.details = details;
  }
}

/** Input broke a rule; `details` names each field. */
export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
}

/** Missing, or belongs to another tenant (the two must look the same). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

/** A concurrent change won; the client should re-read and retry. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

/**
 * A redelivery (`/redeliver`, `/recover`) to a webhook that is not active: nothing would be sent, so
 * the request is refused rather than accepted and dropped (docs/contract.md#admin-api).
 */
export class WebhookInactiveError extends DomainError {
  readonly code = 'webhook_inactive';
}

/** No valid credentials. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

/** Authenticated, but the identity does not entitle the caller to anything here (e.g. no tenant). */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** A tenant holds as many of something as it may (e.g. webhooks); the message names the limit. */
export class LimitReachedError extends DomainError {
  readonly code = 'limit_reached';
}

/** The create past a tenant's webhook limit (docs/contract.md#limits), as every store refuses it. */
export function webhookLimitReached(limit: number): LimitReachedError {
  return new LimitReachedError(
    `This tenant has ${limit} webhooks, the most it may have (a limit of ${limit} webhooks per tenant): delete one first`,
  );
}

/** Too many requests of one kind for a tenant; `retryAfterSeconds` says when one is accepted again. */
export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
