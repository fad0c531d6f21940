/**
 * Errors to responses, around `@middy/http-error-handler`: `errorsAsHttpErrors` (inner) turns what a
 * route threw into an HTTP error whose message is the API's JSON error body; http-error-handler makes
 * the response; `jsonErrorHeaders` (outer) gives it the API's headers.
 */
import type middy from '@middy/core';
import { createError } from '@middy/util';
import { DomainError, RateLimitedError } from '#domain/errors';
import { describeError, logger } from '#observability';
import { httpStatusOf } from './error-status';
import { RequestError } from './request-errors';

/**
 * Headers of every JSON answer: admin data is per tenant and must not sit in shared caches; a browser
 * must never sniff it as another type, and no page may frame it.
 */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** 5xx bodies stay generic: internal messages can carry table names, ARNs or worse. */
export const INTERNAL_ERROR_BODY = JSON.stringify({
  error: { code: 'internal_error', message: 'Internal error' },
});

/**
 * Errors by which the store says it cannot serve the request now (DynamoDB's 500/503 and throttling;
 * locally, a failed write such as a full disk): the request may be retried, so 503, not 500.
 */
const STORE_UNAVAILABLE = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

function isStoreUnavailable(error: unknown): boolean {
  return error instanceof Error && STORE_UNAVAILABLE.has(error.name) && '$metadata' in error;
}

/**
 * Middleware (onError, before http-error-handler's): a domain or request error becomes an exposed
 * HTTP error with the body `{error:{code,message,details?}}` and its status from the status table; a
 * store outage a 503 with a fixed body; anything else is logged and becomes an unexposed 500, so
 * http-error-handler answers with its fallback (INTERNAL_ERROR_BODY) — also for a foreign error that
 * carries its own `statusCode` and `expose`, whose message must not reach the client.
 */
export function errorsAsHttpErrors(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const error: unknown = request.error;
      if (error instanceof DomainError || error instanceof RequestError) {
        const body = {
          error: {
            code: error.code,
            message: error.message,
            ...(error.details ? { details: error.details } : {}),
          },
        };
        request.error = createError(httpStatusOf(error), JSON.stringify(body), { expose: true });
        if (error instanceof RateLimitedError) {
          (request.error as { retryAfterSeconds?: number }).retryAfterSeconds = error.retryAfterSeconds;
        }
        return;
      }
      if (isStoreUnavailable(error)) {
        logger.error('The store refused a request; answered 503', { error: describeError(error) });
        const body = {
          error: {
            code: 'service_unavailable',
            message: 'The store is unavailable; nothing was changed. Retry later.',
          },
        };
        request.error = createError(503, JSON.stringify(body), { expose: true });
        return;
      }
      logger.error('Unexpected error in the admin API', {
        error: error instanceof Error ? error : String(error),
      });
      request.error = createError(500, 'Internal error', { expose: false });
    },
  };
}

/**
 * Middleware (onError, after http-error-handler's): the error response gets JSON_HEADERS. Ours because
 * http-error-handler names its header `Content-Type` without a charset and sets no cache-control; its
 * body is always JSON here (every error went through errorsAsHttpErrors).
 */
export function jsonErrorHeaders(): middy.MiddlewareObj<unknown, { headers?: Record<string, unknown> }> {
  return {
    onError: (request) => {
      if (!request.response) return;
      const retryAfter = (request.error as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      request.response.headers = {
        ...JSON_HEADERS,
        ...(retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {}),
      };
    },
  };
}
