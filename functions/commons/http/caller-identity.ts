/**
 * Authentication at the edge (SPEC sections 5 and 7): every `/v1` path needs a caller whose verified
 * identity names a tenant; the tenant goes onto the Lambda context for the routes to read.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '#domain/errors';
import { routedPath } from './request-line';

/** Who an authenticated caller acts for: its tenant, or why its identity names none. */
export type CallerIdentity = { tenantId: string } | { problem: string } | undefined;

/** The Lambda context once the caller is known; `tenantId` is absent for an anonymous caller. */
export interface AdminContext extends Context {
  tenantId?: string;
}

const PUBLIC_DOCUMENT_PATH = '/v1/openapi.json';

/**
 * Middleware: sets `context.tenantId`, and refuses a `/v1` request without one: 403 naming the problem
 * when a verified token names no usable tenant, else 401. On AWS the JWT authorizer guards all of
 * `/v1/{proxy+}` before the function runs, so an unknown /v1 path answers 401 without a token too.
 */
export function authenticateCaller<E extends APIGatewayProxyEventV2>(
  identify: (event: E) => CallerIdentity,
): middy.MiddlewareObj<E, unknown, Error, AdminContext> {
  return {
    before: ({ event, context }) => {
      const identity = identify(event);
      if (identity && 'tenantId' in identity) context.tenantId = identity.tenantId;
      else delete context.tenantId;
      const path = routedPath(event);
      if (context.tenantId !== undefined || (path !== '/v1' && !path.startsWith('/v1/'))) return;
      // The API's description is public (its own API Gateway route has no authorizer either).
      if (path === PUBLIC_DOCUMENT_PATH) return;
      if (identity && 'problem' in identity) throw new ForbiddenError(identity.problem);
      throw new UnauthorizedError('A valid bearer token is required');
    },
  };
}
