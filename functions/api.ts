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

/** Builds the handler over the given services (the local runtime and tests pass their own). */
export function createApiHandler(deps: AdminApiDependencies) {
  return middy<ApiEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const response = await handleAdminRequest(deps, toAdminRequest(event, deps.config.TENANT_CLAIM));
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    });
}

/** The tenant comes from the authenticated identity only, never from the request (SPEC section 7). */
export function tenantFromClaims(event: ApiEvent, claimName: string): string | undefined {
  const claim = event.requestContext.authorizer?.jwt?.claims?.[claimName];
  return typeof claim === 'string' && TENANT_ID_PATTERN.test(claim) ? claim : undefined;
}

function toAdminRequest(event: ApiEvent, claimName: string): AdminRequest {
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    tenantId: tenantFromClaims(event, claimName),
  };
}

export const handler = lazyHandler(
  async () => (await import('./commons/api-services')).buildApiServices,
  createApiHandler,
);
