/**
 * What the portal-session authorizer hands the admin API about a session, as API Gateway passes it
 * (`requestContext.authorizer.lambda`, flat string values) and as the local server passes the same.
 */
import { TENANT_ID_PATTERN } from '#domain/event-catalogue';
import type { PortalCapability, PortalGrant } from '#domain/portal';
import type { CallerIdentity } from './caller-identity';

/** The authorizer's context for a session: tenant, capabilities and brands. */
export interface PortalAuthorizerContext {
  portalTenantId: string;
  /** Comma-separated: `read` or `read,manage`. */
  portalCapabilities: string;
  /** Comma-separated brand ids; empty for all brands. */
  portalBrandIds: string;
}

/** The context the authorizer returns for `grant`. */
export function toPortalAuthorizerContext(grant: PortalGrant): PortalAuthorizerContext {
  return {
    portalTenantId: grant.tenantId,
    portalCapabilities: grant.capabilities.join(','),
    portalBrandIds: (grant.brandIds ?? []).join(','),
  };
}

/** The caller a portal authorizer's context names; undefined when it is not one (fails closed). */
export function identityFromPortalContext(context: Record<string, unknown>): CallerIdentity {
  const tenantId = context.portalTenantId;
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) return undefined;
  const capabilities = String(context.portalCapabilities ?? '')
    .split(',')
    .filter((capability): capability is PortalCapability => capability === 'read' || capability === 'manage');
  const brands = String(context.portalBrandIds ?? '')
    .split(',')
    .filter((brand) => brand !== '');
  return { tenantId, capabilities, brandIds: brands.length > 0 ? brands : null };
}
