/**
 * Normalises the request line before routing: an upper-case method, and the raw path without its
 * `/portal` prefix (portal sessions' calls) and trailing slashes (`/v1/webhooks//` is `/v1/webhooks`), written where `@middy/http-router` reads them
 * (`requestContext.http`). The router alone would accept one trailing slash, not several. API
 * Gateway's own path parameters (`{proxy+}` of its catch-all route) are dropped: the router merges
 * its matches under any that are already there, so a gateway parameter named like ours would win.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PORTAL_API_PREFIX } from '#domain/portal';

/** The request's path as routed (after `normaliseRequestLine`). */
export function routedPath(event: APIGatewayProxyEventV2): string {
  return event.requestContext.http.path;
}

/** Middleware: normalise method and path in place (docs/contract.md#admin-api paths have no trailing slash). */
export function normaliseRequestLine<E extends APIGatewayProxyEventV2>(): middy.MiddlewareObj<E> {
  return {
    before: ({ event }) => {
      const trimmed = event.rawPath.length > 1 ? event.rawPath.replace(/\/+$/, '') : event.rawPath;
      // A portal session calls the same routes under /portal (its own authorizer on AWS: a route has one).
      const isPortal =
        trimmed === `${PORTAL_API_PREFIX}/v1` || trimmed.startsWith(`${PORTAL_API_PREFIX}/v1/`);
      const path = isPortal ? trimmed.slice(PORTAL_API_PREFIX.length) : trimmed;
      event.requestContext.http.method = event.requestContext.http.method.toUpperCase();
      event.requestContext.http.path = path;
      delete event.pathParameters;
    },
  };
}
