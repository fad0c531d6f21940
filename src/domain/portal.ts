/**
 * The tenant portal: the chat platform's backend mints a single-use link that opens the console for
 * one tenant inside the platform's own admin app (no second sign-in). The link's token is exchanged
 * once for a short-lived session; both are stored only as digests. A session carries capabilities
 * (`read`, or `read` and `manage`) that the API enforces, and may be limited to some brands.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { brandIdSchema, tenantIdSchema } from './event-catalogue';

/** What a portal session may do: `read` looks, `manage` also writes (and reveals signing secrets). */
export type PortalCapability = 'read' | 'manage';

/** The capabilities of a tenant's own admin (an admin token or a JWT): everything. */
export const FULL_CAPABILITIES: readonly PortalCapability[] = Object.freeze(['read', 'manage']);

/** Longest a link (and the session it opens) may live, in seconds; and the default. */
export const PORTAL_MAX_EXPIRES_IN_SECONDS = 3600;
export const PORTAL_DEFAULT_EXPIRES_IN_SECONDS = 900;

/** Brands one session may be limited to (a bound on every stored field). */
export const PORTAL_MAX_BRANDS = 50;

/**
 * The path prefix under which a portal session calls the API (`/portal/v1/webhooks`): on AWS that
 * prefix has the portal-session authorizer while `/v1` keeps the JWT authorizer, as an HTTP API route
 * has exactly one authorizer. Both reach the same routes.
 */
export const PORTAL_API_PREFIX = '/portal';

/** The console's path for portal mode: the one document that origins in PORTAL_ALLOWED_ORIGINS may frame. */
export const PORTAL_CONSOLE_PATH = '/portal';

/** What a link or session grants: one tenant, its capabilities, and its brands (null: all). */
export interface PortalGrant {
  tenantId: string;
  capabilities: PortalCapability[];
  brandIds: string[] | null;
  /** How long the session opened by this link lives once exchanged, in seconds. */
  sessionSeconds: number;
  /** The tenant's revocation generation when the link was minted; a later revocation bumps it. */
  generation: number;
}

/** `POST /v1/portal-sessions` body. */
export const portalSessionRequestSchema = z.strictObject({
  tenantId: tenantIdSchema,
  capabilities: z
    .array(z.enum(['read', 'manage']))
    .min(1)
    .max(2)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a capability')
    .refine((list) => list.includes('read'), 'must include "read": ["read"] or ["read","manage"]')
    .describe('["read"] or ["read","manage"]'),
  expiresIn: z
    .number()
    .int()
    .min(1)
    .max(PORTAL_MAX_EXPIRES_IN_SECONDS)
    .default(PORTAL_DEFAULT_EXPIRES_IN_SECONDS)
    .describe('Seconds the link may be opened in, and the session lives once opened (at most 3600)'),
  brandIds: z
    .array(brandIdSchema)
    .min(1)
    .max(PORTAL_MAX_BRANDS)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a brand')
    .optional()
    .describe("Limits the session to these brands' webhooks and deliveries"),
});

/** `POST /v1/portal-sessions` answer. */
export const portalLinkSchema = z.object({
  url: z.string().describe('Opens the console in portal mode; the token is in the fragment'),
  expiresAt: z.string().describe('The link cannot be opened after this time (ISO 8601)'),
});

/** `POST /v1/portal-sessions/exchange` body: the token from the link's fragment. */
export const portalExchangeRequestSchema = z.strictObject({
  token: z.string().min(1).max(200),
});

/** `POST /v1/portal-sessions/exchange` answer: the session the console then sends as a bearer token. */
export const portalSessionSchema = z.object({
  sessionToken: z.string(),
  expiresAt: z.string(),
  tenantId: z.string(),
  capabilities: z.array(z.enum(['read', 'manage'])),
  brandIds: z.array(z.string()).nullable(),
});

/** `DELETE /v1/portal-sessions` query. */
export const portalRevokeQuerySchema = z.strictObject({ tenantId: tenantIdSchema });

const LINK_PREFIX = 'ptl_';
const SESSION_PREFIX = 'pts_';

/** A new link token (`ptl_…`) or session token (`pts_…`): 256 random bits. */
export function newPortalToken(kind: 'link' | 'session'): string {
  return `${kind === 'link' ? LINK_PREFIX : SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Whether `token` looks like a token of that kind (so nothing else is ever looked up). */
export function isPortalToken(token: string, kind: 'link' | 'session'): boolean {
  return (
    /^[A-Za-z0-9_-]{43}$/.test(token.slice(4)) &&
    token.startsWith(kind === 'link' ? LINK_PREFIX : SESSION_PREFIX)
  );
}

/**
 * The digest a token is stored and looked up by. The tokens carry 256 random bits, so a fast hash
 * is enough: a stolen table gives nothing to replay.
 */
export function portalTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
