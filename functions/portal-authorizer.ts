/**
 * The portal-session authorizer: an API Gateway HTTP API Lambda authorizer (payload 2.0, simple
 * responses) on the `/portal/v1/{proxy+}` routes, beside the JWT authorizer that keeps guarding
 * `/v1/{proxy+}`. It looks the bearer session up in the table on every request (results are not
 * cached, so revoking a tenant's sessions takes effect at once) and hands the admin API the session's
 * tenant, capabilities and brands. The local server runs this same handler in front of /portal.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { authorizePortalSession } from '#app/portal-sessions';
import type { Clock, PortalSessionStore } from '#domain/ports';
import { type PortalAuthorizerContext, toPortalAuthorizerContext } from './commons/http/portal-context';
import { lazyHandler } from './commons/services';

/** What the authorizer needs: the session store and the time. */
export interface PortalAuthorizerDependencies {
  portalSessions: PortalSessionStore;
  clock: Clock;
}

export type PortalAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<PortalAuthorizerContext>;

/** Builds the authorizer over the given services (the local runtime passes its own). */
export function createPortalAuthorizer(deps: PortalAuthorizerDependencies) {
  return async (
    event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>,
  ): Promise<PortalAuthorizerResult> => {
    const grant = await authorizePortalSession(deps, event.headers?.authorization);
    if (!grant)
      return {
        isAuthorized: false,
        context: { portalTenantId: '', portalCapabilities: '', portalBrandIds: '' },
      };
    return { isAuthorized: true, context: toPortalAuthorizerContext(grant) };
  };
}

export const handler = lazyHandler(
  async () => (await import('./commons/portal-authorizer-services')).buildPortalAuthorizerServices,
  createPortalAuthorizer,
);
