/**
 * Authentication at the edge (docs/contract.md#admin-api, #security): every `/v1` path but the public ones needs a
 * caller whose verified identity is a tenant (an admin token, a JWT, or a portal session) or the
 * platform (its own credential, for the portal-session routes only); who it is goes onto the Lambda
 * context for the router to check against each route.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '#domain/errors';
import type { PortalCapability } from '#domain/portal';
import { routedPath } from './request-line';

/**
 * Who an authenticated caller is: a tenant (with a portal session's capabilities and brands when it
 * is one; a tenant's own admin holds every capability and all brands), the platform, or why its
 * identity names neither.
 */
export type CallerIdentity =
  | { tenantId: string; capabilities?: readonly PortalCapability[]; brandIds?: readonly string[] | null }
  | { platformPrincipal: string }
  | { problem: string }
  | undefined;

/** The Lambda context once the caller is known; all absent for an anonymous caller. */
export interface AdminContext extends Context {
  tenantId?: string;
  /** Absent: a tenant's own admin, who may do everything. */
  capabilities?: readonly PortalCapability[];
  /** Absent or null: every brand of the tenant. */
  brandIds?: readonly string[] | null;
  /** Set only for the platform credential. */
  platformPrincipal?: string;
}

/**
 * Middleware: sets the caller on the context, and refuses a `/v1` request without one (unless its
 * path is one of `publicPaths`): 403 naming the problem when a verified token names no usable tenant,
 * else 401. On AWS the authorizers guard `/v1/{proxy+}` before the function runs, so an unknown /v1
 * path answers 401 without a token too.
 */
export function authenticateCaller<E extends APIGatewayProxyEventV2>(
  identify: (event: E) => CallerIdentity,
  publicPaths: ReadonlySet<string> = new Set(),
): middy.MiddlewareObj<E, unknown, Error, AdminContext> {
  return {
    before: ({ event, context }) => {
      const identity = identify(event);
      delete context.tenantId;
      delete context.capabilities;
      delete context.brandIds;
      delete context.platformPrincipal;
      if (identity && 'tenantId' in identity) {
        context.tenantId = identity.tenantId;
        if (identity.capabilities) context.capabilities = identity.capabilities;
        if (identity.brandIds) context.brandIds = identity.brandIds;
      } else if (identity && 'platformPrincipal' in identity) {
        context.platformPrincipal = identity.platformPrincipal;
      }
      const path = routedPath(event);
      if (context.tenantId !== undefined || context.platformPrincipal !== undefined) return;
      if ((path !== '/v1' && !path.startsWith('/v1/')) || publicPaths.has(path)) return;
      if (identity && 'problem' in identity) throw new ForbiddenError(identity.problem);
      throw new UnauthorizedError('A valid bearer token is required');
    },
  };
}
