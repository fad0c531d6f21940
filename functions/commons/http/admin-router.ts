/**
 * The admin route table (src/app/admin-api.ts) on `@middy/http-router`. The router picks the route by
 * method and path; around it this file keeps what the router does not do the API's way: a path that
 * exists under other methods answers 405 naming them (the router knows only 404), a `{name}` segment
 * must be an id, and each route reads the query and body it declares, query first.
 */
import httpRouterHandler, { type Method } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ADMIN_ROUTES, type AdminApiDependencies, type AdminRoute, requiredCapability } from '#app/admin-api';
import { brandScoped } from '#app/brand-scope';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '#domain/errors';
import { FULL_CAPABILITIES } from '#domain/portal';
import type { AdminContext } from './caller-identity';
import { JSON_HEADERS } from './error-responses';
import { readJsonBody, refuseBody, refuseQuery } from './request-body';
import { MethodNotAllowedError } from './request-errors';

type Result = APIGatewayProxyStructuredResultV2;

/** What a path segment named `{name}` must look like; anything else is no route at all (404). */
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The methods `@middy/http-router` routes (its `ANY` stands for these). */
const ROUTER_METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

const HEALTH_PATH = '/health';

/**
 * The handler that routes an API Gateway v2 event (normalised by `normaliseRequestLine`, caller set by
 * `authenticateCaller`) to the admin routes; it throws what goes wrong, for the error middlewares.
 */
export function createAdminRouter(
  deps: AdminApiDependencies,
  routes: readonly AdminRoute[] = ADMIN_ROUTES,
): (event: APIGatewayProxyEventV2, context: AdminContext) => Promise<Result> {
  const noRoute = (method: string, path: string) => new NotFoundError(`No route ${method} ${path}`);
  const methodsAt = routeProbe(routes);
  const router = httpRouterHandler<APIGatewayProxyEventV2, Result>({
    routes: routes.map((route) => ({
      method: route.method,
      path: route.path,
      handler: (event: APIGatewayProxyEventV2, context: AdminContext) => {
        const { method, path } = event.requestContext.http;
        const params = routeParams(route, event);
        if (params === undefined) throw noRoute(method, path);
        return runRoute(deps, route, event, context, params);
      },
    })),
    notFoundResponse: ({ method, path }) => {
      const allowed = methodsAt(path);
      if (allowed.length === 0) throw noRoute(method, path);
      if (path === HEALTH_PATH) throw new MethodNotAllowedError('Use GET /health');
      throw new MethodNotAllowedError(`${method} is not allowed here; allowed: ${allowed.join(', ')}`);
    },
  });
  return async (event, context) => {
    const { method, path } = event.requestContext.http;
    // The router refuses an empty path as an unknown event format (a 500); `//` normalises to one.
    if (path === '') throw noRoute(method, path);
    return router(event, context);
  };
}

async function runRoute(
  deps: AdminApiDependencies,
  route: AdminRoute,
  event: APIGatewayProxyEventV2,
  context: AdminContext,
  params: Record<string, string>,
): Promise<Result> {
  if (!route.isPublic) authorize(route, context);
  const tenantId = context.tenantId;
  const query = event.queryStringParameters ?? {};
  if (route.query === undefined) refuseQuery(query);
  const body = route.body === undefined ? undefined : readJsonBody(event);
  if (route.body === 'empty') refuseBody(body);
  // A session limited to some brands runs every route over repositories that see only those brands.
  const scoped = context.brandIds ? brandScoped(deps, context.brandIds) : deps;
  const result = await route.run({
    deps: scoped,
    tenantId: tenantId ?? '',
    params,
    query,
    body,
    origin: requestOrigin(event),
  });
  const status = route.status ?? 200;
  if (status === 204) return { statusCode: 204, headers: {}, body: '' };
  return { statusCode: status, headers: { ...JSON_HEADERS }, body: JSON.stringify(result) };
}

/**
 * Who may call what: the platform credential only the platform's routes, and nothing else; a tenant
 * caller only tenant routes, each within its capabilities (a `read` portal session gets 403 on every
 * write). Checked before the query or body is read.
 */
function authorize(route: AdminRoute, context: AdminContext): void {
  const isTenant = context.tenantId !== undefined;
  const isPlatform = context.platformPrincipal !== undefined;
  if (route.audience === 'platform') {
    if (isPlatform) return;
    if (isTenant) throw new ForbiddenError('Only the platform credential may call this route');
    throw new UnauthorizedError('The platform credential is required');
  }
  if (isPlatform) {
    throw new ForbiddenError(
      'The platform credential may only mint and end portal sessions (/v1/portal-sessions)',
    );
  }
  if (!isTenant) throw new UnauthorizedError('A valid bearer token is required');
  const needed = requiredCapability(route);
  if (!(context.capabilities ?? FULL_CAPABILITIES).includes(needed)) {
    throw new ForbiddenError(
      `This session may not ${route.method} ${route.path}: it needs the "${needed}" capability`,
    );
  }
}

/** The route's `{name}` segments, or undefined when one is not an id. */
function routeParams(route: AdminRoute, event: APIGatewayProxyEventV2): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [, name] of route.path.matchAll(/\{([^/}]+)\}/g)) {
    const value = event.pathParameters?.[name!];
    if (value === undefined || !ID.test(value)) return undefined;
    params[name!] = value;
  }
  return params;
}

/**
 * The methods of the routes at `path`, in table order: asks a second `@middy/http-router` (same
 * paths, so the same matching) under each method, rather than matching paths a second way.
 */
function routeProbe(routes: readonly AdminRoute[]): (path: string) => string[] {
  const NO_ROUTE = Symbol('no route');
  const probe = httpRouterHandler<APIGatewayProxyEventV2, Result>({
    routes: routes.map((route, index) => ({
      method: route.method,
      path: route.path,
      handler: ((event: APIGatewayProxyEventV2) =>
        routeParams(route, event) === undefined ? NO_ROUTE : index) as never,
    })),
    notFoundResponse: () => {
      throw NO_ROUTE;
    },
  });
  return (path) => {
    const indexes: number[] = [];
    for (const method of ROUTER_METHODS) {
      const event = { version: '2.0', requestContext: { http: { method, path } } };
      try {
        const index: unknown = probe(event as unknown as APIGatewayProxyEventV2, {} as never);
        if (typeof index === 'number') indexes.push(index);
      } catch (error) {
        if (error !== NO_ROUTE) throw error;
      }
    }
    return indexes.sort((a, b) => a - b).map((index) => routes[index]!.method);
  };
}

/**
 * The origin the caller used: API Gateway sets `x-forwarded-proto` (https) and the domain name; the
 * local server sets the domain from `Host` and speaks plain http.
 */
function requestOrigin(event: APIGatewayProxyEventV2): string | undefined {
  const host = event.requestContext.domainName;
  if (!host || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) return undefined;
  const scheme = event.headers?.['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${scheme}://${host}`;
}
