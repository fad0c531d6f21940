/**
 * The admin API's route table: one entry per route, naming its method, path, what it reads of the
 * request and the use case it calls. Runtime-agnostic and free of HTTP plumbing: the edge
 * (functions/commons/http, middy middlewares) routes, authenticates, reads query and body as each
 * entry declares, and maps results and errors to responses. The Lambda handler (functions/api.ts)
 * runs it, and the local server runs that same handler.
 */

import type { z } from 'zod';
import type { CursorCodec } from '#domain/cursor';
import { deliveryListQuerySchema, recoverRequestSchema } from '#domain/delivery-log-schema';
import { ValidationError } from '#domain/errors';
import { EVENT_CATALOGUE } from '#domain/event-catalogue';
import type { Page, PageKey } from '#domain/model';
import { buildOpenApiDocument } from '#domain/openapi';
import type { PortalCapability } from '#domain/portal';
import type { PortalSessionStore } from '#domain/ports';
import {
  failureLogListQuerySchema,
  rejectedEventListQuerySchema,
  toFieldIssues,
  webhookListQuerySchema,
  withoutEmptyParameters,
} from '#domain/webhook-schema';
import {
  getDelivery,
  listDeliveries,
  recoverFailedDeliveries,
  redeliverDelivery,
} from './delivery-log-service';
import { getFailureLog, listFailureLogs, redeliverFailureLog } from './failure-log-service';
import { exchangePortalLink, mintPortalLink, revokePortalSessions } from './portal-sessions';
import { rateLimiterOf } from './rate-limiter';
import { listRejectedEvents } from './rejected-event-service';
import type { Services } from './services';
import { sendTestDelivery } from './test-delivery';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  patchWebhook,
  revealSigningSecret,
  rotateSigningSecret,
  setWebhookStatus,
} from './webhook-service';
import { webhookStats } from './webhook-stats';
import { toFailureLogDetail, toFailureLogSummary, toRejectedEventView } from './webhook-views';

/** docs/contract.md#security: request bodies over 256 KiB are refused with 413. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * The ports the admin routes use (the union of their use cases' own), and the API's own parts. No
 * notice publisher and no acknowledger: the API never auto-disables and consumes no queue.
 */
export interface AdminApiDependencies
  extends Pick<
    Services,
    | 'admission'
    | 'cipher'
    | 'clock'
    | 'credentialCache'
    | 'deliveryLog'
    | 'deliveryLogPolicy'
    | 'deliveryPolicy'
    | 'deliveryQueue'
    | 'destinationPolicy'
    | 'failureLogs'
    | 'limits'
    | 'newId'
    | 'rejectedEvents'
    | 'resolver'
    | 'sender'
    | 'webhookHealth'
    | 'webhooks'
  > {
  cursors: CursorCodec;
  /** Portal links and sessions (the tenant portal). */
  portalSessions: PortalSessionStore;
  /** The console's base URL (CONSOLE_URL), where portal links open; undefined when not configured. */
  consoleUrl?: string | undefined;
}

/** What a route's use case receives: the caller's tenant and the parts of the request it declared. */
export interface AdminRouteRequest {
  deps: AdminApiDependencies;
  tenantId: string;
  /** The path's `{name}` segments, each already checked to be an id (`[A-Za-z0-9_-]{1,128}`). */
  params: Record<string, string>;
  /** The query string's parameters; only routes with `query: 'route'` see any. */
  query: Record<string, string | undefined>;
  /** The parsed JSON body (undefined when empty); only routes with a `body` see it. */
  body: unknown;
  /** Where the caller reached the API (`https://api.example.com`), for documents that link to it. */
  origin?: string;
}

/** One admin route. Adding a route is one entry here plus the use case it calls. */
export interface AdminRoute {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
  /** A `@middy/http-router` path; `{name}` segments reach the use case as `params.name`. */
  path: string;
  /** Absent: any query parameter is refused with 400. `'route'`: the use case reads (or ignores) it. */
  query?: 'route';
  /**
   * Absent: the body is not read at all. `'json'`: a JSON body (256 KiB at most) is parsed before the
   * use case runs. `'empty'`: as `'json'`, and anything but nothing or `{}` is refused with 400.
   */
  body?: 'json' | 'empty';
  /** The success status; 204 answers with no body. Default 200. */
  status?: 200 | 201 | 202 | 204;
  /** Served without a token: /health, the OpenAPI document, and the portal link exchange (whose body is the credential). */
  isPublic?: boolean;
  /**
   * `'platform'`: only the platform credential may call it (PLATFORM_TOKENS locally, IAM on AWS), and
   * that credential may call nothing else. Absent: a tenant route.
   */
  audience?: 'platform';
  /** What a tenant caller must hold; default `read` for GET and HEAD, `manage` for every other method. */
  capability?: PortalCapability;
  run: (request: AdminRouteRequest) => Promise<unknown>;
}

/** The capability a tenant caller needs for `route`: any write (non-GET) needs `manage`. */
export function requiredCapability(route: AdminRoute): PortalCapability {
  return route.capability ?? (route.method === 'GET' || route.method === 'HEAD' ? 'read' : 'manage');
}

/** The admin API (docs/contract.md#admin-api), in the order a 405 lists a path's methods. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/health', query: 'route', isPublic: true, run: async () => ({ status: 'ok' }) },
  { method: 'HEAD', path: '/health', query: 'route', isPublic: true, run: async () => ({ status: 'ok' }) },
  { method: 'GET', path: '/v1/event-types', run: async () => ({ items: EVENT_CATALOGUE }) },
  // Public, so tools and people can read the contract before they hold a token; it names no tenant data.
  {
    method: 'GET',
    path: '/v1/openapi.json',
    isPublic: true,
    run: async ({ origin }) => buildOpenApiDocument(origin ? { serverUrl: origin } : {}),
  },
  {
    method: 'POST',
    path: '/v1/webhooks',
    body: 'json',
    status: 201,
    run: ({ deps, tenantId, body }) => createWebhook(deps, tenantId, body),
  },
  {
    method: 'GET',
    path: '/v1/webhooks',
    query: 'route',
    run: (request) => listPage(request, webhookListQuerySchema, 'webhooks', listWebhooks, (item) => item),
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}',
    run: ({ deps, tenantId, params }) => getWebhook(deps, tenantId, params.id!),
  },
  {
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    body: 'json',
    run: ({ deps, tenantId, params, body }) => patchWebhook(deps, tenantId, params.id!, body),
  },
  {
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    status: 204,
    run: ({ deps, tenantId, params }) => deleteWebhook(deps, tenantId, params.id!),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/activate',
    body: 'empty',
    run: ({ deps, tenantId, params }) => setWebhookStatus(deps, tenantId, params.id!, 'active'),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/deactivate',
    body: 'empty',
    run: ({ deps, tenantId, params }) => setWebhookStatus(deps, tenantId, params.id!, 'inactive'),
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}/secret',
    // The signing secret is a credential: a read-only portal session may look, not take it away.
    capability: 'manage',
    run: ({ deps, tenantId, params }) => revealSigningSecret(deps, tenantId, params.id!),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    body: 'json',
    run: ({ deps, tenantId, params, body }) => rotateSigningSecret(deps, tenantId, params.id!, body),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/test',
    body: 'json',
    run: async ({ deps, tenantId, params, body }) => {
      rateLimiterOf(deps).take(tenantId, 'send');
      return sendTestDelivery(deps, tenantId, params.id!, body);
    },
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}/stats',
    query: 'route',
    run: ({ deps, tenantId, params, query }) => webhookStats(deps, tenantId, params.id!, query),
  },
  {
    method: 'GET',
    path: '/v1/failure-logs',
    query: 'route',
    run: (request) =>
      listPage(request, failureLogListQuerySchema, 'failure-logs', listFailureLogs, toFailureLogSummary),
  },
  {
    method: 'GET',
    path: '/v1/failure-logs/{id}',
    run: async ({ deps, tenantId, params }) =>
      toFailureLogDetail(await getFailureLog(deps, tenantId, params.id!)),
  },
  {
    method: 'POST',
    path: '/v1/failure-logs/{id}/redeliver',
    body: 'empty',
    status: 202,
    run: async ({ deps, tenantId, params }) => {
      rateLimiterOf(deps).take(tenantId, 'send');
      return { ...(await redeliverFailureLog(deps, tenantId, params.id!)), status: 'enqueued' };
    },
  },
  {
    method: 'GET',
    path: '/v1/deliveries',
    query: 'route',
    run: (request) =>
      listPage(request, deliveryListQuerySchema, 'deliveries', listDeliveries, (item) => item),
  },
  {
    method: 'GET',
    path: '/v1/deliveries/{id}',
    run: ({ deps, tenantId, params }) => getDelivery(deps, tenantId, params.id!),
  },
  {
    method: 'POST',
    path: '/v1/deliveries/{id}/redeliver',
    body: 'empty',
    status: 202,
    run: async ({ deps, tenantId, params }) => {
      rateLimiterOf(deps).take(tenantId, 'send');
      return redeliverDelivery(deps, tenantId, params.id!);
    },
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/recover',
    body: 'json',
    status: 202,
    run: async ({ deps, tenantId, params, body }) => {
      const window = parseBodyWith(recoverRequestSchema, body);
      rateLimiterOf(deps).take(tenantId, 'recover');
      return recoverFailedDeliveries(deps, tenantId, params.id!, window);
    },
  },
  {
    method: 'GET',
    path: '/v1/rejected-events',
    query: 'route',
    run: (request) =>
      listPage(
        request,
        rejectedEventListQuerySchema,
        'rejected-events',
        listRejectedEvents,
        toRejectedEventView,
      ),
  },
  {
    method: 'POST',
    path: '/v1/portal-sessions',
    body: 'json',
    status: 201,
    audience: 'platform',
    run: ({ deps, body }) => mintPortalLink(deps, body),
  },
  {
    method: 'DELETE',
    path: '/v1/portal-sessions',
    query: 'route',
    status: 204,
    audience: 'platform',
    run: ({ deps, query }) => revokePortalSessions(deps, query),
  },
  {
    method: 'POST',
    path: '/v1/portal-sessions/exchange',
    body: 'json',
    isPublic: true,
    run: ({ deps, body }) => exchangePortalLink(deps, body),
  },
];

/**
 * One page of a list route: the query checked against `schema`, the cursor opened within the
 * tenant's and the filters' scope (a cursor is refused under other filters), the next cursor sealed.
 */
async function listPage<S extends z.ZodType<{ cursor?: string | undefined }>, T, V>(
  { deps, tenantId, query }: AdminRouteRequest,
  schema: S,
  resource: string,
  list: (
    deps: AdminApiDependencies,
    tenantId: string,
    filters: Omit<z.infer<S>, 'cursor'> & { startKey?: PageKey },
  ) => Promise<Page<T>>,
  view: (item: T) => V,
): Promise<{ items: V[]; nextCursor: string | null }> {
  const { cursor, ...filters } = parseQuery(schema, query);
  const scope = { tenantId, query: `${resource}?${canonical(filters, ['limit'])}` };
  const startKey = cursor ? await deps.cursors.decode(cursor, scope) : undefined;
  const page = await list(deps, tenantId, { ...filters, ...(startKey ? { startKey } : {}) } as Omit<
    z.infer<S>,
    'cursor'
  > & { startKey?: PageKey });
  return pageBody(deps, page, scope, view);
}

function parseBodyWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const details = toFieldIssues(result.error);
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid body',
      details,
    );
  }
  return result.data;
}

function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string | undefined>): z.infer<S> {
  // docs/contract.md#admin-api writes the list routes as `?brandId=&limit=&cursor=`: an empty parameter means "not given".
  const result = schema.safeParse(withoutEmptyParameters(query));
  if (!result.success) {
    const details = toFieldIssues(result.error);
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid query',
      details,
    );
  }
  return result.data;
}

/** The query's filters in a fixed order, so the same filters always bind to the same cursor scope. */
function canonical(filters: object, ignored: string[]): string {
  return Object.entries(filters)
    .filter(([name, value]) => value !== undefined && !ignored.includes(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
}

async function pageBody<T, V>(
  deps: AdminApiDependencies,
  page: Page<T>,
  scope: { tenantId: string; query: string },
  view: (item: T) => V,
): Promise<{ items: V[]; nextCursor: string | null }> {
  return {
    items: page.items.map(view),
    nextCursor: page.nextKey ? await deps.cursors.encode(page.nextKey, scope) : null,
  };
}
