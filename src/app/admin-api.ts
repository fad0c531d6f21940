/**
 * The admin API's routing: one request in, one response out, runtime-agnostic. The Lambda
 * handler (functions/api.ts) and the local server both feed it the same request shape.
 */

import type { z } from 'zod';
import type { CursorCodec } from '#domain/cursor';
import { deliveryListQuerySchema, recoverRequestSchema } from '#domain/delivery-log-schema';
import {
  DomainError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#domain/errors';
import { EVENT_CATALOGUE } from '#domain/event-catalogue';
import type { Page } from '#domain/model';
import { buildOpenApiDocument } from '#domain/openapi';
import {
  failureLogListQuerySchema,
  rejectedEventListQuerySchema,
  toFieldIssues,
  webhookListQuerySchema,
  withoutEmptyParameters,
} from '#domain/webhook-schema';
import { describeError, logger } from '#observability';
import {
  getDelivery,
  listDeliveries,
  recoverFailedDeliveries,
  redeliverDelivery,
} from './delivery-log-service';
import { getFailureLog, listFailureLogs, redeliverFailureLog } from './failure-log-service';
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
import { toFailureLogDetail, toFailureLogSummary, toRejectedEventView } from './webhook-views';

/** SPEC section 7: request bodies over 256 KiB are refused with 413. */
export const MAX_BODY_BYTES = 256 * 1024;

/** What the admin API needs beyond the shared services. */
export interface AdminApiDependencies extends Services {
  cursors: CursorCodec;
}

/** A request as both runtimes present it. */
export interface AdminRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body?: string | undefined;
  isBase64Encoded?: boolean;
  /** The authenticated tenant, or undefined when the caller is not authenticated. */
  tenantId: string | undefined;
  /**
   * Why an authenticated caller has no tenant (e.g. its token lacks the tenant claim): such a
   * caller gets 403 with this message instead of the 401 of a caller without a valid token.
   */
  identityProblem?: string | undefined;
}

export interface AdminResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

interface RouteContext {
  deps: AdminApiDependencies;
  tenantId: string;
  params: string[];
  query: Record<string, string | undefined>;
  body: () => unknown;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (context: RouteContext) => Promise<{ status: number; body?: unknown }>;
}

const ID = '([A-Za-z0-9_-]{1,128})';

const routes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/v1\/event-types$/,
    handle: async ({ query }) => {
      refuseQuery(query);
      return { status: 200, body: { items: EVENT_CATALOGUE } };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/openapi\.json$/,
    handle: async ({ query }) => {
      refuseQuery(query);
      return { status: 200, body: buildOpenApiDocument() };
    },
  },
  {
    method: 'POST',
    pattern: /^\/v1\/webhooks$/,
    handle: async ({ deps, tenantId, body, query }) => {
      refuseQuery(query);
      return { status: 201, body: await createWebhook(deps, tenantId, body()) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/webhooks$/,
    handle: async ({ deps, tenantId, query }) => {
      const { cursor, ...filters } = parseQuery(webhookListQuerySchema, query);
      const scope = { tenantId, query: `webhooks?${canonical(filters, ['limit'])}` };
      const startKey = cursor ? await deps.cursors.decode(cursor, scope) : undefined;
      const page = await listWebhooks(deps, tenantId, { ...filters, ...(startKey ? { startKey } : {}) });
      return { status: 200, body: await pageBody(deps, page, scope, (item) => item) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/webhooks/${ID}$`),
    handle: async ({ deps, tenantId, params, query }) => {
      refuseQuery(query);
      return { status: 200, body: await getWebhook(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^/v1/webhooks/${ID}$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      return { status: 200, body: await patchWebhook(deps, tenantId, params[0]!, body()) };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/v1/webhooks/${ID}$`),
    handle: async ({ deps, tenantId, params, query }) => {
      refuseQuery(query);
      await deleteWebhook(deps, tenantId, params[0]!);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/webhooks/${ID}/(activate|deactivate)$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      refuseBody(body());
      const status = params[1] === 'activate' ? 'active' : 'inactive';
      return { status: 200, body: await setWebhookStatus(deps, tenantId, params[0]!, status) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/webhooks/${ID}/secret$`),
    handle: async ({ deps, tenantId, params, query }) => {
      refuseQuery(query);
      return { status: 200, body: await revealSigningSecret(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/webhooks/${ID}/rotate-secret$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      refuseBody(body());
      return { status: 200, body: await rotateSigningSecret(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/webhooks/${ID}/test$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      refuseBody(body());
      return { status: 200, body: await sendTestDelivery(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/failure-logs$/,
    handle: async ({ deps, tenantId, query }) => {
      const { cursor, ...filters } = parseQuery(failureLogListQuerySchema, query);
      const scope = { tenantId, query: `failure-logs?${canonical(filters, ['limit'])}` };
      const startKey = cursor ? await deps.cursors.decode(cursor, scope) : undefined;
      const page = await listFailureLogs(deps, tenantId, { ...filters, ...(startKey ? { startKey } : {}) });
      return { status: 200, body: await pageBody(deps, page, scope, toFailureLogSummary) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/failure-logs/${ID}$`),
    handle: async ({ deps, tenantId, params, query }) => {
      refuseQuery(query);
      return { status: 200, body: toFailureLogDetail(await getFailureLog(deps, tenantId, params[0]!)) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/failure-logs/${ID}/redeliver$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      refuseBody(body());
      return {
        status: 202,
        body: { ...(await redeliverFailureLog(deps, tenantId, params[0]!)), status: 'enqueued' },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/deliveries$/,
    handle: async ({ deps, tenantId, query }) => {
      const { cursor, ...filters } = parseQuery(deliveryListQuerySchema, query);
      const scope = { tenantId, query: `deliveries?${canonical(filters, ['limit'])}` };
      const startKey = cursor ? await deps.cursors.decode(cursor, scope) : undefined;
      const page = await listDeliveries(deps, tenantId, { ...filters, ...(startKey ? { startKey } : {}) });
      return { status: 200, body: await pageBody(deps, page, scope, (item) => item) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/deliveries/${ID}$`),
    handle: async ({ deps, tenantId, params, query }) => {
      refuseQuery(query);
      return { status: 200, body: await getDelivery(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/deliveries/${ID}/redeliver$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      refuseBody(body());
      return { status: 202, body: await redeliverDelivery(deps, tenantId, params[0]!) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/webhooks/${ID}/recover$`),
    handle: async ({ deps, tenantId, params, body, query }) => {
      refuseQuery(query);
      const window = parseBodyWith(recoverRequestSchema, body());
      return { status: 202, body: await recoverFailedDeliveries(deps, tenantId, params[0]!, window) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/rejected-events$/,
    handle: async ({ deps, tenantId, query }) => {
      const { cursor, ...filters } = parseQuery(rejectedEventListQuerySchema, query);
      const scope = { tenantId, query: `rejected-events?${canonical(filters, ['limit'])}` };
      const startKey = cursor ? await deps.cursors.decode(cursor, scope) : undefined;
      const page = await listRejectedEvents(deps, tenantId, {
        ...filters,
        ...(startKey ? { startKey } : {}),
      });
      return { status: 200, body: await pageBody(deps, page, scope, toRejectedEventView) };
    },
  },
];

/** Routes one admin request; never throws (every failure becomes an error response). */
export async function handleAdminRequest(
  deps: AdminApiDependencies,
  request: AdminRequest,
): Promise<AdminResponse> {
  try {
    const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
    if (path === '/health') {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        throw new MethodNotAllowedError('Use GET /health');
      return respond(200, { status: 'ok' });
    }
    // On AWS the JWT authorizer guards all of `/v1/{proxy+}` before the function runs, so an unknown
    // /v1 path answers 401 to a caller without a token too (SPEC section 5: only /health is open).
    const isApiPath = path === '/v1' || path.startsWith('/v1/');
    if (isApiPath && !request.tenantId && request.identityProblem) {
      throw new ForbiddenError(request.identityProblem);
    }
    if (isApiPath && !request.tenantId) throw new UnauthorizedError('A valid bearer token is required');
    const matches = routes
      .map((route) => ({ route, match: route.pattern.exec(path) }))
      .filter((candidate) => candidate.match !== null);
    if (matches.length === 0) throw new NotFoundError(`No route ${request.method} ${path}`);
    if (!request.tenantId) throw new UnauthorizedError('A valid bearer token is required');
    const chosen = matches.find((candidate) => candidate.route.method === request.method);
    if (!chosen) {
      throw new MethodNotAllowedError(
        `${request.method} is not allowed here; allowed: ${matches.map((candidate) => candidate.route.method).join(', ')}`,
      );
    }
    const tenantId = request.tenantId;
    let parsedBody: { value: unknown } | undefined;
    const result = await chosen.route.handle({
      deps,
      tenantId,
      params: chosen.match!.slice(1),
      query: request.query,
      body: () => {
        parsedBody ??= { value: parseBody(request) };
        return parsedBody.value;
      },
    });
    return result.status === 204
      ? { statusCode: 204, headers: {}, body: '' }
      : respond(result.status, result.body);
  } catch (error) {
    return errorResponse(error);
  }
}

function parseBody(request: AdminRequest): unknown {
  const raw = request.body ?? '';
  const bytes = request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Request body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  if (bytes.length === 0) return undefined;
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Request bodies must be JSON (content-type: application/json)');
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ValidationError('Request body is not valid JSON', [
      { field: 'body', message: error instanceof Error ? error.message : 'malformed JSON' },
    ]);
  }
}

function refuseBody(body: unknown): void {
  const isEmpty =
    body === undefined ||
    (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!isEmpty)
    throw new ValidationError('This route takes no request body', [
      { field: 'body', message: 'must be empty' },
    ]);
}

function refuseQuery(query: Record<string, string | undefined>): void {
  const names = Object.keys(query);
  if (names.length > 0) {
    throw new ValidationError(
      `Unknown query parameter: ${names[0]}`,
      names.map((name) => ({ field: name, message: 'unknown query parameter' })),
    );
  }
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
  // SPEC section 5 writes the list routes as `?brandId=&limit=&cursor=`: an empty parameter means "not given".
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

function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function respond(statusCode: number, body: unknown): AdminResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/**
 * Errors by which the store says it cannot serve the request now (DynamoDB's 500/503 and throttling;
 * locally, a failed write such as a full disk): the request may be retried, so 503, not 500.
 */
const STORE_UNAVAILABLE = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

function isStoreUnavailable(error: unknown): boolean {
  return error instanceof Error && STORE_UNAVAILABLE.has(error.name) && '$metadata' in error;
}

function errorResponse(error: unknown): AdminResponse {
  if (error instanceof DomainError) {
    return respond(error.status, {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
    });
  }
  if (isStoreUnavailable(error)) {
    logger.error('The store refused a request; answered 503', { error: describeError(error) });
    return respond(503, {
      error: {
        code: 'service_unavailable',
        message: 'The store is unavailable; nothing was changed. Retry later.',
      },
    });
  }
  // 5xx bodies stay generic: internal messages can carry table names, ARNs or worse.
  logger.error('Unexpected error in the admin API', {
    error: error instanceof Error ? error : String(error),
  });
  return respond(500, { error: { code: 'internal_error', message: 'Internal error' } });
}
