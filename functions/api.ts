/** The admin API Lambda: API Gateway HTTP API (payload 2.0, JWT authorizer) → the admin router. */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type AdminApiDependencies, type AdminRequest, handleAdminRequest } from '#app/admin-api';
import { TENANT_ID_PATTERN } from '#domain/event-catalogue';
import { logger } from '#observability';
import { lazyHandler } from './commons/services';

/** The event shape this handler accepts; the local server builds the same one. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What the handler needs: the admin API's services, and the JWT claim that names the tenant (TENANT_CLAIM). */
export interface ApiHandlerDependencies extends AdminApiDependencies {
  tenantClaim: string;
}

/** Builds the handler over the given services (the local runtime and tests pass their own). */
export function createApiHandler(deps: ApiHandlerDependencies) {
  return middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const response = await handleAdminRequest(deps, toAdminRequest(event, deps.tenantClaim));
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    });
}

/** Who an authenticated caller acts for: its tenant, or why its identity names none. */
export type CallerIdentity = { tenantId: string } | { problem: string } | undefined;

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

function toAdminRequest(event: ApiEvent, claimName: string): AdminRequest {
  const identity = identityFromClaims(event, claimName);
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    tenantId: identity && 'tenantId' in identity ? identity.tenantId : undefined,
    identityProblem: identity && 'problem' in identity ? identity.problem : undefined,
  };
}

export const handler = lazyHandler(
  async () => (await import('./commons/api-services')).buildApiServices,
  createApiHandler,
);
