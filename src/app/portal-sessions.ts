/**
 * The tenant portal's use cases: the platform mints a single-use link for one tenant, the console
 * exchanges it once for a short-lived session, every API call with that session is authorised from
 * the store, and the platform can end every session of a tenant at once.
 */
import type * as z from 'zod';
import { UnauthorizedError, ValidationError } from '#domain/errors';
import {
  isPortalToken,
  newPortalToken,
  PORTAL_CONSOLE_PATH,
  type PortalGrant,
  portalExchangeRequestSchema,
  portalRevokeQuerySchema,
  portalSessionRequestSchema,
  portalTokenDigest,
} from '#domain/portal';
import type { Clock, PortalSessionStore } from '#domain/ports';
import { toFieldIssues, withoutEmptyParameters } from '#domain/webhook-schema';

/** What the portal use cases need. */
export interface PortalDependencies {
  portalSessions: PortalSessionStore;
  clock: Clock;
  /** The console's base URL (no trailing slash), where links open; undefined when not configured. */
  consoleUrl?: string | undefined;
}

/** The one answer to every link that cannot be exchanged: unknown, used, expired or revoked look alike. */
const LINK_EXPIRED = 'This link has expired or was already used; open it again from your admin';

/** `POST /v1/portal-sessions`: a link that opens the console for `tenantId`, usable once until `expiresAt`. */
export async function mintPortalLink(
  deps: PortalDependencies,
  body: unknown,
): Promise<{ url: string; expiresAt: string }> {
  const request = parse(portalSessionRequestSchema, body ?? {}, 'body');
  if (deps.consoleUrl === undefined) {
    throw new Error('The console URL is not configured: the service cannot say where a portal link opens');
  }
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + request.expiresIn * 1000);
  const token = newPortalToken('link');
  const grant: PortalGrant = {
    tenantId: request.tenantId,
    capabilities: request.capabilities.includes('manage') ? ['read', 'manage'] : ['read'],
    brandIds: request.brandIds ?? null,
    sessionSeconds: request.expiresIn,
    generation: await deps.portalSessions.generation(request.tenantId),
  };
  await deps.portalSessions.saveLink(portalTokenDigest(token), grant, expiresAt);
  // The token rides in the fragment: browsers never send a fragment in a request line or a Referer.
  return {
    url: `${deps.consoleUrl}${PORTAL_CONSOLE_PATH}#token=${token}`,
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * `POST /v1/portal-sessions/exchange`: takes the link's token once and opens a session. A second
 * exchange, an expired or revoked link, or any other token answers 401.
 */
export async function exchangePortalLink(
  deps: PortalDependencies,
  body: unknown,
): Promise<{
  sessionToken: string;
  expiresAt: string;
  tenantId: string;
  capabilities: PortalGrant['capabilities'];
  brandIds: string[] | null;
}> {
  const { token } = parse(portalExchangeRequestSchema, body ?? {}, 'body');
  if (!isPortalToken(token, 'link')) throw new UnauthorizedError(LINK_EXPIRED);
  const now = deps.clock.now();
  const grant = await deps.portalSessions.takeLink(portalTokenDigest(token), now);
  if (!grant || grant.generation !== (await deps.portalSessions.generation(grant.tenantId))) {
    throw new UnauthorizedError(LINK_EXPIRED);
  }
  const sessionToken = newPortalToken('session');
  const expiresAt = new Date(now.getTime() + grant.sessionSeconds * 1000);
  await deps.portalSessions.saveSession(portalTokenDigest(sessionToken), grant, expiresAt);
  return {
    sessionToken,
    expiresAt: expiresAt.toISOString(),
    tenantId: grant.tenantId,
    capabilities: grant.capabilities,
    brandIds: grant.brandIds,
  };
}

/**
 * The grant of a live session for an `Authorization: Bearer pts_…` value, or undefined (no such
 * session, expired, or revoked since). Read from the store on every call, so revocation is immediate.
 */
export async function authorizePortalSession(
  deps: Pick<PortalDependencies, 'portalSessions' | 'clock'>,
  authorization: string | undefined,
): Promise<PortalGrant | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match || !isPortalToken(match[1]!, 'session')) return undefined;
  const session = await deps.portalSessions.findSession(portalTokenDigest(match[1]!), deps.clock.now());
  if (!session) return undefined;
  if (session.grant.generation !== (await deps.portalSessions.generation(session.grant.tenantId))) {
    return undefined;
  }
  return session.grant;
}

/** `DELETE /v1/portal-sessions?tenantId=`: ends every link and session of the tenant at once. */
export async function revokePortalSessions(
  deps: PortalDependencies,
  query: Record<string, string | undefined>,
): Promise<void> {
  const { tenantId } = parse(portalRevokeQuerySchema, withoutEmptyParameters(query), 'query');
  await deps.portalSessions.revoke(tenantId);
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = toFieldIssues(result.error);
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : `Invalid ${what}`,
      details,
    );
  }
  return result.data;
}
