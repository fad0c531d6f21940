/**
 * Errors of the HTTP exchange itself (method, media type, size): the edge raises them while reading
 * a request, before any use case runs, so they live here and not among the domain's errors.
 */
import type { FieldIssue } from '#domain/errors';

/** Every code a request error can carry; the status table is typed by it, as by the domain's codes. */
export type RequestErrorCode = 'payload_too_large' | 'unsupported_media_type' | 'method_not_allowed';

/** A request the edge refuses before routing it to a use case; `code` is what clients branch on. */
export abstract class RequestError extends Error {
  abstract readonly code: RequestErrorCode;
  readonly details?: FieldIssue[];

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Body over the size limit. */
export class PayloadTooLargeError extends RequestError {
  readonly code = 'payload_too_large';
}

/** Body is not JSON, or not declared as JSON. */
export class UnsupportedMediaTypeError extends RequestError {
  readonly code = 'unsupported_media_type';
}

/** Route exists but not with this method. */
export class MethodNotAllowedError extends RequestError {
  readonly code = 'method_not_allowed';
}
