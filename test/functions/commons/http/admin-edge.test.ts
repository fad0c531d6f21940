/**
 * The admin API's HTTP edge (functions/commons/http): HTTP statuses live in its one table, not in the
 * domain's errors; middy's packages do the routing and the error answer, with our rules where theirs
 * differ (405 naming the methods, ids in path segments, foreign errors never exposed).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN_ROUTES, type AdminApiDependencies } from '#app/admin-api';
import { CursorCodec } from '#domain/cursor';
import * as domainErrors from '#domain/errors';
import { buildOpenApiDocument } from '#domain/openapi';
import { type ApiHandlerDependencies, createApiHandler } from '#functions/api';
import { httpStatusOf } from '#functions/commons/http/error-status';
import * as requestErrors from '#functions/commons/http/request-errors';
import { httpApiEvent, lambdaContext } from '#test/functions/lambda-events';
import { createTestServices } from '#test/support/in-memory-ports';

const PROJECT_ROOT = new URL('../../../../', import.meta.url);

/** The concrete error classes a module exports that extend `base`. */
function errorClassesOf(module: Record<string, unknown>, base: abstract new (...args: never[]) => Error) {
  return Object.entries(module).filter(
    (entry): entry is [string, new (message: string) => domainErrors.DomainError] =>
      typeof entry[1] === 'function' && entry[1].prototype instanceof base,
  );
}

function apiWith(overrides: Partial<AdminApiDependencies> = {}) {
  const key = randomBytes(32);
  const deps = Object.assign(createTestServices(), { cursors: new CursorCodec(async () => key) }, overrides);
  const handler = createApiHandler({ ...deps, tenantClaim: 'tenant_id' } as ApiHandlerDependencies);
  return async (
    method: string,
    path: string,
    options: { body?: unknown; anonymous?: boolean; platform?: boolean; query?: Record<string, string> } = {},
  ) => {
    const event = httpApiEvent({
      method,
      path,
      ...(options.query ? { query: options.query } : {}),
      ...(options.platform
        ? { iam: { userArn: 'arn:aws:iam::000000000000:role/platform' } }
        : options.anonymous
          ? {}
          : { claims: { tenant_id: 'tenant-a' } }),
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const response = await handler(event, lambdaContext('api'));
    return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
  };
}

describe('HTTP statuses live at the edge', () => {
  it('gives every domain and request error class a 4xx status from the one table', () => {
    const classes = [
      ...errorClassesOf(domainErrors, domainErrors.DomainError),
      ...errorClassesOf(requestErrors, requestErrors.RequestError),
    ];
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['ValidationError', 'NotFoundError']),
    );
    for (const [name, ErrorClass] of classes) {
      const error = new ErrorClass('message');
      expect(httpStatusOf(error), name).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(error), name).toBeLessThan(500);
      expect('status' in error, `${name} carries a status of its own`).toBe(false);
    }
  });

  it('keeps HTTP out of the domain: no status in src/domain/errors.ts', () => {
    const source = readFileSync(new URL('src/domain/errors.ts', PROJECT_ROOT), 'utf8');
    expect(source).not.toMatch(/readonly status|\b[1-5]\d\d\b/);
  });

  it('lists only middy packages that the code imports', () => {
    const manifest = JSON.parse(readFileSync(new URL('package.json', PROJECT_ROOT), 'utf8'));
    const middy = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@middy/'));
    const functionsDir = new URL('functions/', PROJECT_ROOT);
    const code = readdirSync(functionsDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(new URL(file, functionsDir), 'utf8'))
      .join('\n');
    for (const name of middy) expect(code, `${name} is in package.json but unused`).toContain(`'${name}'`);
  });
});

describe('the route table', () => {
  it('serves exactly the operations of the OpenAPI document (HEAD /health aside), so the two cannot drift', () => {
    const documented = Object.entries(buildOpenApiDocument().paths as Record<string, object>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = ADMIN_ROUTES.filter((route) => route.method !== 'HEAD').map(
      (route) => `${route.method} ${route.path}`,
    );
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('documents the 400 every authenticated route answers to a query parameter it does not take', async () => {
    const api = apiWith();
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { responses: object }>>;
    for (const route of ADMIN_ROUTES.filter((candidate) => !candidate.isPublic)) {
      const path = route.path.replace('{id}', 'wh_01ARZ3NDEKTSV4RRFFQ69G5FAV');
      const query = { unexpected: '1' };
      const response = await api(route.method, path, {
        query,
        ...(route.method === 'GET' ? {} : { body: {} }),
        platform: route.audience === 'platform',
      });
      expect(response.statusCode, `${route.method} ${path}`).toBe(400);
      const documented = Object.keys(paths[route.path]?.[route.method.toLowerCase()]?.responses ?? {});
      expect(documented, `${route.method} ${route.path}`).toContain('400');
    }
  });
});

describe('the edge answers the API contract', () => {
  it('answers 405 naming the methods of the path, in route-table order, and 404 to a path of none', async () => {
    const api = apiWith();
    const wrongMethod = await api('PUT', '/v1/webhooks');
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json.error).toEqual({
      code: 'method_not_allowed',
      message: 'PUT is not allowed here; allowed: POST, GET',
    });
    expect((await api('HEAD', '/v1/webhooks/wh_1')).json.error.message).toBe(
      'HEAD is not allowed here; allowed: GET, PATCH, DELETE',
    );
    expect((await api('POST', '/health', { anonymous: true })).json.error.message).toBe('Use GET /health');
    expect((await api('GET', '/v1/nothing-here')).json.error).toEqual({
      code: 'not_found',
      message: 'No route GET /v1/nothing-here',
    });
  });

  it('treats a path segment that is not an id as no route, under any method', async () => {
    const api = apiWith();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await api(method, `/v1/webhooks/a.b`);
      expect(response.statusCode, method).toBe(404);
      expect(response.json.error.message).toBe(`No route ${method} /v1/webhooks/a.b`);
    }
    expect((await api('GET', `/v1/webhooks/${'a'.repeat(129)}`)).statusCode).toBe(404);
  });

  it('reads trailing slashes as none, and answers in the API headers', async () => {
    const listed = await apiWith()('GET', '/v1/webhooks//');
    expect(listed.statusCode).toBe(200);
    expect(listed.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    const refused = await apiWith()('GET', '/v1/webhooks', { anonymous: true });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers).toEqual(listed.headers);
  });

  it('never exposes a foreign error, even one that carries its own status and expose flag', async () => {
    const teapot = Object.assign(new Error('table arn:aws:dynamodb:secret'), {
      statusCode: 418,
      expose: true,
    });
    const webhooks = new Proxy(createTestServices().webhooks, {
      get: () => async () => {
        throw teapot;
      },
    });
    const response = await apiWith({ webhooks })('GET', '/v1/webhooks');
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"internal_error","message":"Internal error"}}');
    expect(response.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
  });
});
