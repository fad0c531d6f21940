/** The admin API Lambda: API Gateway HTTP API (payload 2.0, JWT authorizer) → middy edge → admin routes. */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ADMIN_ROUTES, type AdminApiDependencies } from '#app/admin-api';
import { TENANT_ID_PATTERN } from '#domain/event-catalogue';
import { logger } from '#observability';
import { createAdminRouter } from './commons/http/admin-router';
import { type AdminContext, authenticateCaller, type CallerIdentity } from './commons/http/caller-identity';
import { errorsAsHttpErrors, INTERNAL_ERROR_BODY, jsonErrorHeaders } from './commons/http/error-responses';
import { identityFromPortalContext } from './commons/http/portal-context';
import { normaliseRequestLine } from './commons/http/request-line';
import { lazyHandler } from './commons/services';

/** The event shape this handler accepts; the local server builds the same one. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export type { CallerIdentity };

/**
 * What the handler needs: the admin API's services, the JWT claim that names the tenant
 * (TENANT_CLAIM), and the IAM principals that are the platform (PLATFORM_PRINCIPALS; empty or absent:
 * any principal API Gateway's IAM authorization let through, which locally is only PLATFORM_TOKENS).
 */
export interface ApiHandlerDependencies extends AdminApiDependencies {
  tenantClaim: string;
  platformPrincipals?: readonly string[];
}

/** Paths served without a token: the public routes without path parameters. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(
  ADMIN_ROUTES.filter((route) => route.isPublic && !route.path.includes('{')).map((route) => route.path),
);

/** Builds the handler over the given services (the local runtime and tests pass their own). */
export function createApiHandler(deps: ApiHandlerDependencies) {
  const claimName = deps.tenantClaim;
  const platformPrincipals = deps.platformPrincipals ?? [];
  // Order (middy runs `before` top-down, `onError` bottom-up): the error handler wraps everything
  // after it, and the domain-to-HTTP mapping runs first on the way out.
  return middy<ApiEvent, APIGatewayProxyStructuredResultV2, Error, AdminContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(jsonErrorHeaders())
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(errorsAsHttpErrors())
    .use(normaliseRequestLine())
    .use(
      authenticateCaller(
        (event: ApiEvent) => identifyCaller(event, claimName, platformPrincipals),
        PUBLIC_PATHS,
      ),
    )
    .handler(createAdminRouter(deps));
}

/**
 * The caller, from whichever authorizer vouched for it (an HTTP API route has exactly one): the
 * portal-session authorizer (`authorizer.lambda`, on /portal/v1), IAM (`authorizer.iam`, the
 * platform's routes) or the JWT authorizer (every other /v1 route).
 */
export function identifyCaller(
  event: ApiEvent,
  claimName: string,
  platformPrincipals: readonly string[],
): CallerIdentity {
  const authorizer = event.requestContext.authorizer as {
    lambda?: Record<string, unknown>;
    iam?: { userArn?: string };
  };
  if (authorizer?.lambda) return identityFromPortalContext(authorizer.lambda);
  if (authorizer?.iam) {
    const arn = authorizer.iam.userArn ?? '';
    if (
      platformPrincipals.length > 0 &&
      !platformPrincipals.some((allowed) => principalMatches(arn, allowed))
    ) {
      return { problem: 'This IAM principal is not one of the platform principals (PLATFORM_PRINCIPALS)' };
    }
    return { platformPrincipal: arn };
  }
  return identityFromClaims(event, claimName);
}

/**
 * Whether the caller's ARN is `allowed`: the same ARN, or a session of the allowed role (a role's
 * callers present `arn:…:sts::<account>:assumed-role/<name>/<session>`, without the role's path).
 */
export function principalMatches(callerArn: string, allowed: string): boolean {
  if (callerArn === allowed) return true;
  const role = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(allowed);
  const session = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  return (
    role !== null &&
    session !== null &&
    role[1] === session[1] &&
    role[2] === session[2] &&
    role[3] === session[3]
  );
}

/**
 * The tenant comes from the authenticated identity only, never from the request (docs/contract.md#security).
 * Undefined when no authorizer vouched for the caller (no claims); a verified token without a
 * usable `claimName` claim is a `problem` that names the claim, answered 403 rather than 401: the
 * token is fine, the identity provider is not issuing the claim this deployment reads.
 */
export function identityFromClaims(event: ApiEvent, claimName: string): CallerIdentity {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims || Object.keys(claims).length === 0) return undefined;
  const claim = claims[claimName];
  if (claim === undefined || claim === '') {
    return { problem: `The token has no "${claimName}" claim naming the tenant (TENANT_CLAIM)` };
  }
  if (typeof claim !== 'string' || !TENANT_ID_PATTERN.test(claim)) {
    return { problem: `The token's "${claimName}" claim is not a valid tenant id (TENANT_CLAIM)` };
  }
  return { tenantId: claim };
}

/** The caller's tenant, if its identity names a valid one. */
export function tenantFromClaims(event: ApiEvent, claimName: string): string | undefined {
  const identity = identityFromClaims(event, claimName);
  return identity && 'tenantId' in identity ? identity.tenantId : undefined;
}

export const handler = lazyHandler(
  async () => (await import('./commons/api-services')).buildApiServices,
  createApiHandler,
);
