/** The admin API Lambda: API Gateway HTTP API (payload 2.0, JWT authorizer) → middy edge → admin routes. */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AdminApiDependencies } from '#app/admin-api';
import { TENANT_ID_PATTERN } from '#domain/event-catalogue';
import { logger } from '#observability';
import { createAdminRouter } from './commons/http/admin-router';
import { type AdminContext, authenticateCaller, type CallerIdentity } from './commons/http/caller-identity';
import { errorsAsHttpErrors, INTERNAL_ERROR_BODY, jsonErrorHeaders } from './commons/http/error-responses';
import { normaliseRequestLine } from './commons/http/request-line';
import { lazyHandler } from './commons/services';

/** The event shape this handler accepts; the local server builds the same one. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export type { CallerIdentity };

/** What the handler needs: the admin API's services, and the JWT claim that names the tenant (TENANT_CLAIM). */
export interface ApiHandlerDependencies extends AdminApiDependencies {
  tenantClaim: string;
}

/** Builds the handler over the given services (the local runtime and tests pass their own). */
export function createApiHandler(deps: ApiHandlerDependencies) {
  const claimName = deps.tenantClaim;
  // Order (middy runs `before` top-down, `onError` bottom-up): the error handler wraps everything
  // after it, and the domain-to-HTTP mapping runs first on the way out.
  return middy<ApiEvent, APIGatewayProxyStructuredResultV2, Error, AdminContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(jsonErrorHeaders())
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(errorsAsHttpErrors())
    .use(normaliseRequestLine())
    .use(authenticateCaller((event: ApiEvent) => identityFromClaims(event, claimName)))
    .handler(createAdminRouter(deps));
}

/**
 * The tenant comes from the authenticated identity only, never from the request (SPEC section 7).
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
