import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { buildOpenApiDocument } from '#domain/openapi';

type Json = Record<string, any>;

const SPEC_ROUTES: [string, string][] = [
  ['get', '/health'],
  ['get', '/v1/event-types'],
  ['post', '/v1/webhooks'],
  ['get', '/v1/webhooks'],
  ['get', '/v1/webhooks/{id}'],
  ['patch', '/v1/webhooks/{id}'],
  ['post', '/v1/webhooks/{id}/deactivate'],
  ['post', '/v1/webhooks/{id}/activate'],
  ['delete', '/v1/webhooks/{id}'],
  ['get', '/v1/webhooks/{id}/secret'],
  ['post', '/v1/webhooks/{id}/rotate-secret'],
  ['post', '/v1/webhooks/{id}/test'],
  ['get', '/v1/webhooks/{id}/stats'],
  ['get', '/v1/failure-logs'],
  ['get', '/v1/failure-logs/{id}'],
  ['post', '/v1/failure-logs/{id}/redeliver'],
  ['get', '/v1/rejected-events'],
  ['get', '/v1/deliveries'],
  ['get', '/v1/deliveries/{id}'],
  ['post', '/v1/deliveries/{id}/redeliver'],
  ['post', '/v1/webhooks/{id}/recover'],
  ['get', '/v1/openapi.json'],
  ['post', '/v1/portal-sessions'],
  ['delete', '/v1/portal-sessions'],
  ['post', '/v1/portal-sessions/exchange'],
];

const document = buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:3000' }) as Json;

/** Follows a local `$ref` to the object it names. */
function resolve(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  const target = (node.$ref as string)
    .replace(/^#\//, '')
    .split('/')
    .reduce<Json | undefined>((at, key) => at?.[key], document);
  if (target === undefined) throw new Error(`dangling $ref ${node.$ref}`);
  return resolve(target);
}

function collectRefs(node: unknown, into: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, into);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.push(value);
      else collectRefs(value, into);
    }
  }
  return into;
}

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.1.0 document that survives JSON serialisation', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'http://127.0.0.1:3000' }]);
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it.each(SPEC_ROUTES)('documents %s %s with a success response', (method, path) => {
    const operation = document.paths[path]?.[method] as Json | undefined;
    expect(operation).toBeDefined();
    const statuses = Object.keys(operation!.responses);
    expect(statuses.some((status) => status.startsWith('2'))).toBe(true);
    if (path.includes('{id}')) {
      expect(operation!.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
      );
    }
  });

  it('documents no route beyond docs/contract.md#admin-api', () => {
    const documented = Object.entries(document.paths as Json).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(SPEC_ROUTES.map(([method, path]) => `${method} ${path}`).sort());
  });

  it('documents the delivery log query exactly as docs/contract.md#admin-api names it, and 409 on both redeliver routes', () => {
    const names = document.paths['/v1/deliveries'].get.parameters.map((parameter: Json) => parameter.name);
    expect(names.sort()).toEqual([
      'cursor',
      'eventId',
      'eventType',
      'limit',
      'since',
      'status',
      'until',
      'webhookId',
    ]);
    expect(Object.keys(document.paths['/v1/deliveries/{id}/redeliver'].post.responses)).toContain('409');
    expect(Object.keys(document.paths['/v1/webhooks/{id}/recover'].post.responses)).toContain('409');
    const health = resolve(document.components.schemas.Webhook.properties.health);
    expect(Object.keys(health.properties).sort()).toEqual(
      [
        'circuitOpenUntil',
        'failed24h',
        'failingSince',
        'lastAttemptAt',
        'lastOutcome',
        'lastStatusCode',
        'succeeded24h',
      ].sort(),
    );
  });

  it("requires the bearer token everywhere but /health, the document itself, the link exchange and the platform's routes", () => {
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/health'].get.security).toEqual([]);
    expect(document.paths['/v1/openapi.json'].get.security).toEqual([]);
    expect(document.paths['/v1/portal-sessions/exchange'].post.security).toEqual([]);
    expect(document.paths['/v1/portal-sessions'].post.security).toEqual([{ platformAuth: [] }]);
    expect(document.paths['/v1/portal-sessions'].delete.security).toEqual([{ platformAuth: [] }]);
    const isPublic = (path: string) => path === '/health' || path === '/v1/openapi.json';
    for (const [method, path] of SPEC_ROUTES.filter(([, path]) => !isPublic(path))) {
      const operation = document.paths[path][method];
      if (!path.startsWith('/v1/portal-sessions')) expect(operation.security).toBeUndefined();
      expect(Object.keys(operation.responses)).toContain('401');
    }
  });

  it('describes the create request from the validator: required fields, no unknown fields', () => {
    const body = resolve(document.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema);
    expect([...body.required].sort()).toEqual(['events', 'name', 'url']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.events).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: EVENT_TYPES.length,
    });
    expect(body.properties.events.items.enum).toContain('message.retracted');
    expect(body.properties.status.default).toBe('active');
    expect(body.properties.name.maxLength).toBe(100);
    expect(body.properties.headers).toMatchObject({
      maxProperties: 20,
      propertyNames: { pattern: expect.any(String) },
    });
    expect(JSON.stringify(body.properties.authentication)).toContain('"writeOnly":true');
    expect(document.paths['/v1/webhooks'].post.responses['201']).toBeDefined();
    expect(Object.keys(document.paths['/v1/webhooks'].post.responses)).toEqual(
      expect.arrayContaining(['400', '413', '415']),
    );
  });

  it('describes the patch request with every field optional and unknown fields refused', () => {
    const body = resolve(
      document.paths['/v1/webhooks/{id}'].patch.requestBody.content['application/json'].schema,
    );
    expect(body.required ?? []).toEqual([]);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['name', 'url', 'events', 'authentication', 'headers', 'signing', 'status']),
    );
  });

  it('lists query parameters with their bounds', () => {
    const parameters = document.paths['/v1/webhooks'].get.parameters as Json[];
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual([
      'brandId',
      'cursor',
      'limit',
      'status',
    ]);
    const limit = parameters.find((parameter) => parameter.name === 'limit')!;
    expect(limit).toMatchObject({
      in: 'query',
      required: false,
      schema: { minimum: 1, maximum: 100, default: 20 },
    });
    const failureLogParameters = (document.paths['/v1/failure-logs'].get.parameters as Json[]).map(
      (p) => p.name,
    );
    expect(failureLogParameters.sort()).toEqual(['cursor', 'limit', 'webhookId']);
  });

  it('never shows a secret field in the webhook response, and resolves every $ref', () => {
    const webhook = resolve(
      document.paths['/v1/webhooks/{id}'].get.responses['200'].content['application/json'].schema,
    );
    expect(Object.keys(webhook.properties)).not.toContain('signingSecret');
    expect(JSON.stringify(webhook)).not.toMatch(/password|"token"|"value"/);
    const created = resolve(
      document.paths['/v1/webhooks'].post.responses['201'].content['application/json'].schema,
    );
    expect(Object.keys(created.properties)).toContain('signingSecret');
    for (const reference of collectRefs(document)) expect(() => resolve({ $ref: reference })).not.toThrow();
    const error = resolve(document.paths['/v1/webhooks'].post.responses['400']);
    expect(resolve(error.content['application/json'].schema).properties.error.required).toEqual([
      'code',
      'message',
    ]);
  });
});
