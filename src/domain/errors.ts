/** A field-level problem in a request, reported back to the client. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Base of every error the domain throws on purpose; `status` is how the API reports it. */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details?: FieldIssue[];

  constructor(message: string, details?: FieldIssue[]) {
    super(message);
    this.name = new.target.name;
    if (details) this.details = details;
  }
}

/** Input broke a rule; `details` names each field. */
export class ValidationError extends DomainError {
  readonly status = 400;
  readonly code = 'validation_failed';
}

/** Missing, or belongs to another tenant (the two must look the same). */
export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** A concurrent change won; the client should re-read and retry. */
export class ConflictError extends DomainError {
  readonly status = 409;
  readonly code = 'conflict';
}

/** No valid credentials. */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

/** Body over the size limit. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** Body is not JSON, or not declared as JSON. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

/** Route exists but not with this method. */
export class MethodNotAllowedError extends DomainError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
}

/** A redelivery to a webhook that is not active: it would be dropped, so it is refused (SPEC section 5). */
export class WebhookInactiveError extends DomainError {
  readonly status = 409;
  readonly code = 'webhook_inactive';
}
