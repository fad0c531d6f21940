/**
 * How HTTP reports each error the service throws on purpose: the one table from error code to
 * status. The domain names what went wrong (`DomainError.code`); only the edge knows HTTP.
 */
import type { DomainError, DomainErrorCode } from '#domain/errors';
import type { RequestError, RequestErrorCode } from './request-errors';

/**
 * `satisfies Record<…>` makes the table exhaustive: a new code in `DomainErrorCode` (or
 * `RequestErrorCode`) does not compile until it has a status here.
 */
const STATUS_BY_CODE = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  webhook_inactive: 409,
  limit_reached: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
} as const satisfies Record<DomainErrorCode | RequestErrorCode, number>;

/** The HTTP status that reports `error` (always a 4xx: these are the client's to fix). */
export function httpStatusOf(error: DomainError | RequestError): number {
  return STATUS_BY_CODE[error.code];
}
