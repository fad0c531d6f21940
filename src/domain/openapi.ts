/**
 * The OpenAPI 3.1 document of the admin API (docs/contract.md#admin-api), generated from the very zod schemas
 * that validate requests, so the published contract cannot drift from what the service enforces.
 */

import * as z from 'zod';
import {
  deliveryDetailSchema,
  deliveryListQuerySchema,
  deliveryPageSchema,
  recoverRequestSchema,
  recoverResultSchema,
  redeliveryResultSchema,
} from './delivery-log-schema';
import { statsQuerySchema, webhookStatsSchema } from './delivery-stats';
import { eventEnvelopeSchema } from './event-catalogue';
import {
  portalExchangeRequestSchema,
  portalLinkSchema,
  portalRevokeQuerySchema,
  portalSessionRequestSchema,
  portalSessionSchema,
} from './portal';
import {
  createdWebhookSchema,
  errorBodySchema,
  eventTypeListSchema,
  failureLogListQuerySchema,
  failureLogPageSchema,
  failureLogSchema,
  healthSchema,
  publicWebhookSchema,
  rejectedEventListQuerySchema,
  rejectedEventPageSchema,
  rotatedSecretSchema,
  rotateSecretRequestSchema,
  signingSecretSchema,
  testDeliveryRequestSchema,
  testDeliveryResultSchema,
  webhookInputSchemas,
  webhookListQuerySchema,
  webhookPageSchema,
} from './webhook-schema';

type JsonObject = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/** OpenAPI 3.1 uses JSON Schema draft 2020-12 as its schema dialect. */
const JSON_SCHEMA_OPTIONS = {
  target: 'draft-2020-12',
  uri: (id: string) => `${COMPONENT_PREFIX}${id}`,
} as const;

/** The components of one direction: request bodies are described as sent (defaults optional), responses as returned. */
function componentSchemas(
  entries: Record<string, z.ZodType>,
  io: 'input' | 'output',
): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...JSON_SCHEMA_OPTIONS, io });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema)]));
}

/** Component schemas carry no `$schema`/`$id` of their own: the document's dialect applies. */
function withoutDialect(schema: JsonObject): JsonObject {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function queryParameters(schema: z.ZodObject): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = withoutDialect(z.toJSONSchema(field as z.ZodType, { target: 'draft-2020-12', io: 'input' }));
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: json,
      ...(typeof json.description === 'string' ? { description: json.description } : {}),
    };
  });
}

const ref = (id: string) => ({ $ref: `${COMPONENT_PREFIX}${id}` });
const json = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 128 },
};

interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  request?: string;
  query?: z.ZodObject;
  success: { status: string; description: string; body?: string };
  errors: string[];
  isPublic?: boolean;
  /** The request body may be left out (its fields all have defaults). */
  isRequestOptional?: boolean;
  /** Called with the platform credential, not a tenant's. */
  isPlatform?: boolean;
}

function operation(spec: Operation, hasId: boolean): JsonObject {
  const parameters = [...(hasId ? [idParameter] : []), ...(spec.query ? queryParameters(spec.query) : [])];
  const responses: JsonObject = {
    [spec.success.status]: {
      description: spec.success.description,
      ...(spec.success.body ? json(spec.success.body) : {}),
    },
  };
  for (const status of spec.errors) responses[status] = errorRef(ERROR_RESPONSES[status]?.name ?? 'Error');
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: spec.tags,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.request ? { requestBody: { required: !spec.isRequestOptional, ...json(spec.request) } } : {}),
    responses,
    ...(spec.isPublic ? { security: [] } : spec.isPlatform ? { security: [{ platformAuth: [] }] } : {}),
  };
}

const ERROR_RESPONSES: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'Invalid input; `details` names each field.' },
  '401': { name: 'Unauthorized', description: 'Missing or invalid bearer token.' },
  '403': {
    name: 'Forbidden',
    description:
      'The credential may not call this route: a portal session without the `manage` capability on a write, ' +
      'the platform credential on a tenant route, a tenant credential on a platform route.',
  },
  '404': { name: 'NotFound', description: 'No such resource for this tenant.' },
  '409': {
    name: 'Conflict',
    description:
      'A concurrent change won (`conflict`: re-read and retry), a redelivery to an inactive webhook (`webhook_inactive`), ' +
      "or a create past the tenant's webhook limit (`limit_reached`, MAX_WEBHOOKS_PER_TENANT, default 100).",
  },
  '429': {
    name: 'TooManyRequests',
    description:
      'Too many requests that make the service send (`/test`, `/redeliver`, `/recover`) for this tenant (`rate_limited`); `Retry-After` says how many seconds to wait.',
  },
  '413': { name: 'PayloadTooLarge', description: 'Request body over 256 KiB.' },
  '415': { name: 'UnsupportedMediaType', description: 'Body is not declared as JSON.' },
};

// Every authenticated route answers 400 to a query parameter it does not take (list filters included).
const READ = ['400', '401'];
const READ_ONE = ['400', '401', '404'];
const WRITE = ['400', '401', '413', '415'];
const WRITE_ONE = ['400', '401', '404', '409', '413', '415'];

/** Paths of docs/contract.md#admin-api, each method with its operation. */
function paths(): Record<string, Record<string, JsonObject>> {
  const webhookTag = ['Webhooks'];
  const logTag = ['Failure logs'];
  const deliveryTag = ['Deliveries'];
  const webhookAction = (operationId: string, summary: string, body: string, errors = [...READ_ONE, '409']) =>
    operation(
      {
        operationId,
        summary,
        tags: webhookTag,
        success: { status: '200', description: summary, body },
        errors,
      },
      true,
    );
  return {
    '/health': {
      get: operation(
        {
          operationId: 'getHealth',
          summary: 'Liveness check; needs no token',
          tags: ['Service'],
          success: { status: '200', description: 'The service is up', body: 'Health' },
          errors: ['400'],
          isPublic: true,
        },
        false,
      ),
    },
    '/v1/event-types': {
      get: operation(
        {
          operationId: 'listEventTypes',
          summary: 'The event catalogue with sample payloads',
          tags: ['Event types'],
          success: { status: '200', description: 'Every event type', body: 'EventTypeList' },
          errors: READ,
        },
        false,
      ),
    },
    '/v1/webhooks': {
      post: operation(
        {
          operationId: 'createWebhook',
          summary: 'Create a webhook',
          tags: webhookTag,
          request: 'WebhookCreate',
          success: {
            status: '201',
            description: 'The webhook, plus its signing secret when signing is on',
            body: 'WebhookCreated',
          },
          errors: [...WRITE, '409'],
        },
        false,
      ),
      get: operation(
        {
          operationId: 'listWebhooks',
          summary: 'List webhooks, paginated',
          tags: webhookTag,
          query: webhookListQuerySchema,
          success: { status: '200', description: 'A page of webhooks', body: 'WebhookPage' },
          errors: READ,
        },
        false,
      ),
    },
    '/v1/webhooks/{id}': {
      get: webhookAction('getWebhook', 'Read a webhook', 'Webhook', READ_ONE),
      patch: operation(
        {
          operationId: 'updateWebhook',
          summary: 'Edit any writable field of a webhook',
          tags: webhookTag,
          request: 'WebhookPatch',
          success: { status: '200', description: 'The edited webhook', body: 'Webhook' },
          errors: WRITE_ONE,
        },
        true,
      ),
      delete: operation(
        {
          operationId: 'deleteWebhook',
          summary: 'Delete a webhook permanently',
          tags: webhookTag,
          success: { status: '204', description: 'Deleted' },
          errors: READ_ONE,
        },
        true,
      ),
    },
    '/v1/webhooks/{id}/deactivate': {
      post: webhookAction('deactivateWebhook', 'Stop deliveries, keep the setup', 'Webhook'),
    },
    '/v1/webhooks/{id}/activate': {
      post: webhookAction('activateWebhook', 'Resume deliveries', 'Webhook'),
    },
    '/v1/webhooks/{id}/secret': {
      get: webhookAction(
        'getWebhookSecret',
        'Reveal the current signing secret; 409 when the webhook does not sign',
        'SigningSecret',
        [...READ_ONE, '409'],
      ),
    },
    '/v1/webhooks/{id}/rotate-secret': {
      post: operation(
        {
          operationId: 'rotateWebhookSecret',
          summary:
            'New signing secret; the replaced one keeps signing beside it for previousSecretExpiresIn seconds (default 24 h, at most 7 days); an older one ends at once',
          tags: webhookTag,
          request: 'RotateSecretRequest',
          isRequestOptional: true,
          success: {
            status: '200',
            description: 'The new secret and when the replaced one stops',
            body: 'RotatedSecret',
          },
          errors: WRITE_ONE,
        },
        true,
      ),
    },
    '/v1/webhooks/{id}/test': {
      post: operation(
        {
          operationId: 'testWebhook',
          summary:
            'Send webhook.test (default) or a catalogue sample now and report the outcome; recorded in the delivery log with test: true, never retried, not counted in health',
          tags: webhookTag,
          request: 'TestDeliveryRequest',
          isRequestOptional: true,
          success: { status: '200', description: 'The outcome of the test send', body: 'TestDeliveryResult' },
          errors: [...WRITE_ONE, '429'],
        },
        true,
      ),
    },
    '/v1/webhooks/{id}/stats': {
      get: operation(
        {
          operationId: 'getWebhookStats',
          summary:
            "Attempts per hour or day (succeeded, failed, p50/p95 latency) over at most 31 days, from the service's own counters",
          tags: webhookTag,
          query: statsQuerySchema,
          success: {
            status: '200',
            description: 'Buckets, oldest first, empty ones included',
            body: 'WebhookStats',
          },
          errors: READ_ONE,
        },
        true,
      ),
    },
    '/v1/failure-logs': {
      get: operation(
        {
          operationId: 'listFailureLogs',
          summary: 'Failure logs, newest first',
          tags: logTag,
          query: failureLogListQuerySchema,
          success: { status: '200', description: 'A page of failure logs', body: 'FailureLogPage' },
          errors: READ,
        },
        false,
      ),
    },
    '/v1/failure-logs/{id}': {
      get: operation(
        {
          operationId: 'getFailureLog',
          summary: 'One failure log with every attempt',
          tags: logTag,
          success: { status: '200', description: 'The failure log', body: 'FailureLog' },
          errors: READ_ONE,
        },
        true,
      ),
    },
    '/v1/failure-logs/{id}/redeliver': {
      post: operation(
        {
          operationId: 'redeliverFailureLog',
          summary: 'Enqueue the failed delivery again',
          tags: logTag,
          success: { status: '202', description: 'Enqueued for delivery' },
          errors: [...READ_ONE, '409', '429'],
        },
        true,
      ),
    },
    '/v1/deliveries': {
      get: operation(
        {
          operationId: 'listDeliveries',
          summary: 'The delivery log, newest first; filters combine',
          tags: deliveryTag,
          query: deliveryListQuerySchema,
          success: { status: '200', description: 'A page of deliveries', body: 'DeliveryPage' },
          errors: READ,
        },
        false,
      ),
    },
    '/v1/deliveries/{id}': {
      get: operation(
        {
          operationId: 'getDelivery',
          summary: 'One delivery: the payload as sent and every attempt',
          tags: deliveryTag,
          success: { status: '200', description: 'The delivery', body: 'Delivery' },
          errors: READ_ONE,
        },
        true,
      ),
    },
    '/v1/deliveries/{id}/redeliver': {
      post: operation(
        {
          operationId: 'redeliverDelivery',
          summary: 'Send the delivery again, whatever its outcome was (same webhook-id)',
          tags: deliveryTag,
          success: { status: '202', description: 'Enqueued for delivery', body: 'RedeliveryResult' },
          errors: [...READ_ONE, '409', '429'],
        },
        true,
      ),
    },
    '/v1/webhooks/{id}/recover': {
      post: operation(
        {
          operationId: 'recoverWebhookDeliveries',
          summary: 'Redeliver every failed delivery of the webhook in a window of at most 7 days',
          tags: deliveryTag,
          request: 'RecoverRequest',
          success: { status: '202', description: 'How many deliveries were enqueued', body: 'RecoverResult' },
          errors: [...WRITE_ONE, '429'],
        },
        true,
      ),
    },
    '/v1/rejected-events': {
      get: operation(
        {
          operationId: 'listRejectedEvents',
          summary: 'Chat events rejected by schema, newest first',
          tags: ['Rejected events'],
          query: rejectedEventListQuerySchema,
          success: { status: '200', description: 'A page of rejected events', body: 'RejectedEventPage' },
          errors: READ,
        },
        false,
      ),
    },
    '/v1/portal-sessions': {
      post: operation(
        {
          operationId: 'createPortalSession',
          summary:
            "Mint a single-use link that opens the console for one tenant (the platform's credential only)",
          tags: ['Portal'],
          request: 'PortalSessionRequest',
          success: { status: '201', description: 'The link and when it expires', body: 'PortalLink' },
          errors: ['400', '401', '403', '413', '415'],
          isPlatform: true,
        },
        false,
      ),
      delete: operation(
        {
          operationId: 'revokePortalSessions',
          summary: "End every portal link and session of a tenant at once (the platform's credential only)",
          tags: ['Portal'],
          query: portalRevokeQuerySchema,
          success: { status: '204', description: 'Every session of the tenant is ended' },
          errors: ['400', '401', '403'],
          isPlatform: true,
        },
        false,
      ),
    },
    '/v1/portal-sessions/exchange': {
      post: operation(
        {
          operationId: 'exchangePortalSession',
          summary:
            "Exchange a link's token (from its fragment) once for a session; the console then calls the routes " +
            'under /portal (e.g. /portal/v1/webhooks) with `Authorization: Bearer <sessionToken>`',
          tags: ['Portal'],
          request: 'PortalExchangeRequest',
          success: { status: '200', description: 'The session', body: 'PortalSession' },
          errors: ['400', '401', '413', '415'],
          isPublic: true,
        },
        false,
      ),
    },
    '/v1/openapi.json': {
      get: operation(
        {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['Service'],
          success: { status: '200', description: 'OpenAPI 3.1 document', body: 'OpenApiDocument' },
          errors: [],
          isPublic: true,
        },
        false,
      ),
    },
  };
}

/** Builds the OpenAPI 3.1.0 document; `serverUrl` is where the API is reachable. */
export function buildOpenApiDocument(options: { serverUrl?: string; version?: string } = {}): JsonObject {
  // URL rules are not expressible in JSON Schema, so the option does not change the document.
  const inputs = webhookInputSchemas({ allowInsecureLocalhost: false });
  const requestSchemas = componentSchemas(
    {
      WebhookCreate: inputs.create,
      WebhookPatch: inputs.patch,
      RecoverRequest: recoverRequestSchema,
      RotateSecretRequest: rotateSecretRequestSchema,
      PortalSessionRequest: portalSessionRequestSchema,
      PortalExchangeRequest: portalExchangeRequestSchema,
    },
    'input',
  );
  const responseSchemas = componentSchemas(
    {
      Webhook: publicWebhookSchema,
      WebhookCreated: createdWebhookSchema,
      WebhookPage: webhookPageSchema,
      EventEnvelope: eventEnvelopeSchema,
      EventTypeList: eventTypeListSchema,
      FailureLog: failureLogSchema,
      FailureLogPage: failureLogPageSchema,
      RejectedEventPage: rejectedEventPageSchema,
      Delivery: deliveryDetailSchema,
      DeliveryPage: deliveryPageSchema,
      RedeliveryResult: redeliveryResultSchema,
      RecoverResult: recoverResultSchema,
      SigningSecret: signingSecretSchema,
      RotatedSecret: rotatedSecretSchema,
      TestDeliveryRequest: testDeliveryRequestSchema,
      TestDeliveryResult: testDeliveryResultSchema,
      WebhookStats: webhookStatsSchema,
      Health: healthSchema,
      PortalLink: portalLinkSchema,
      PortalSession: portalSessionSchema,
      Error: errorBodySchema,
    },
    'output',
  );
  const responses = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map(({ name, description }) => [name, { description, ...json('Error') }]),
  );
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'chat-webhooks admin API',
      version: options.version ?? '0.1.0',
      description:
        'Manage webhooks that receive chat events. Every route but /health needs `Authorization: Bearer <token>`; ' +
        'errors are `{ error: { code, message, details? } }`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    paths: paths(),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        platformAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'Locally a PLATFORM_TOKENS token; on AWS the route takes IAM (SigV4) instead.',
        },
      },
      schemas: {
        ...requestSchemas,
        ...responseSchemas,
        OpenApiDocument: { type: 'object', description: 'An OpenAPI 3.1 document.' },
      },
      responses,
    },
  };
}
