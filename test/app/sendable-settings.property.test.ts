/**
 * "Every value the API accepts can be sent" (docs/contract.md#admin-api, issue 9 finding 4), for the whole class:
 * arbitrary custom header names and values and arbitrary credentials (controls, whitespace at either
 * end, non-ASCII, astral characters, hop-by-hop names) go through the real admin API handler. Whatever
 * it accepts is then delivered by the real undici sender to a loopback server, which must receive
 * exactly those values; whatever it refuses must be a 400 whose details name the field.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import { CursorCodec } from '#domain/cursor';
import type { DeliveryTask } from '#domain/delivery-task';
import { createApiHandler } from '#functions/api';
import { loopbackSender } from '#test/app/loopback-receiver';
import { httpApiEvent, lambdaContext } from '#test/functions/lambda-events';
import { createTestServices, type TestServices } from '../support/in-memory-ports';

const TENANT = 'tenant-a';
const sender = loopbackSender();
let server: Server;
let url: string;
/** The last request's headers from the raw list (request.headers cannot hold a header named __proto__). */
let lastHeaders: Map<string, string> | undefined;
let services: TestServices & { cursors: CursorCodec };
let eventSequence = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    lastHeaders = new Map();
    for (let index = 0; index < request.rawHeaders.length; index += 2) {
      lastHeaders.set(String(request.rawHeaders[index]).toLowerCase(), String(request.rawHeaders[index + 1]));
    }
    request.resume();
    request.on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const key = randomBytes(32);
  services = Object.assign(createTestServices({ sender, config: { ALLOW_INSECURE_LOCALHOST: true } }), {
    cursors: new CursorCodec(async () => key),
  });
});

afterAll(async () => {
  await sender.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const HOP_BY_HOP_AND_RESERVED = [
  'Keep-Alive',
  'Expect',
  'Upgrade',
  'TE',
  'Trailer',
  'Connection',
  'Transfer-Encoding',
  'Proxy-Authorization',
  'proxy-connection',
  'Host',
  'Content-Length',
  'webhook-signature',
  'Authorization',
  '__proto__',
  'constructor',
  'X-Name',
];
const TRICKY_CHARACTERS = [
  ' ',
  '\t',
  'a',
  'Z',
  '~',
  '!',
  '\x01',
  '\x1f',
  '\x7f',
  '\r',
  '\n',
  '\0',
  'é',
  '€',
  '😀',
  '\u200b',
  '\ud800',
  ':',
];

/** Text mixing every kind of trouble: controls, edge whitespace, non-ASCII, astral and lone surrogates. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...TRICKY_CHARACTERS), maxLength: 12 }),
  fc.stringMatching(/^[\x20-\x7e]{0,24}$/),
);
const headerName = fc.oneof(
  fc.constantFrom(...HOP_BY_HOP_AND_RESERVED),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const authentication = fc.oneof(
  fc.constant(null),
  fc.record({ type: fc.constant('basic' as const), username: anyText, password: anyText }),
  fc.record({ type: fc.constant('bearer' as const), token: anyText }),
  fc.record({ type: fc.constant('api_key' as const), headerName, value: anyText }),
);
const settings = fc.record({
  headers: fc.dictionary(headerName, anyText, { maxKeys: 3 }),
  authentication,
});

async function create(body: unknown): Promise<{ statusCode: number; body: any }> {
  const response = await createApiHandler({ ...services, tenantClaim: 'tenant_id' })(
    httpApiEvent({ method: 'POST', path: '/v1/webhooks', claims: { tenant_id: TENANT }, body }),
    lambdaContext('api'),
  );
  return { statusCode: response.statusCode!, body: JSON.parse(response.body!) };
}

async function deliverOnce(webhookId: string): Promise<Map<string, string>> {
  lastHeaders = undefined;
  const task: DeliveryTask = {
    tenantId: TENANT,
    webhookId,
    event: {
      id: `evt_${++eventSequence}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId: TENANT,
      brandId: null,
      data: { conversationId: 'c-1' },
    },
    attempts: [],
  };
  services.clock.set(new Date());
  const result = await deliverTask(services, task);
  expect(result, JSON.stringify(result)).toMatchObject({ status: 'delivered' });
  expect(lastHeaders).toBeDefined();
  return lastHeaders ?? new Map<string, string>();
}

describe('only sendable settings are accepted (property)', () => {
  it('sends every accepted header and credential exactly, and refuses the rest with a 400 naming the field', async () => {
    const tally = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(settings, async ({ headers, authentication: auth }) => {
        const created = await create({
          name: 'prop',
          events: ['message.created'],
          url,
          headers,
          authentication: auth,
        });
        if (created.statusCode !== 201) {
          tally.refused++;
          expect(created.statusCode, JSON.stringify(created.body)).toBe(400);
          const fields: string[] = (created.body.error.details ?? []).map(
            (detail: { field: string }) => detail.field,
          );
          expect(fields.length, JSON.stringify(created.body)).toBeGreaterThan(0);
          for (const field of fields) expect(field).toMatch(/^(headers|authentication)(\.|$)/);
          return;
        }
        tally.accepted++;
        const received = await deliverOnce(created.body.id);
        for (const [name, value] of Object.entries(headers)) {
          expect(received.get(name.toLowerCase()), `header ${JSON.stringify(name)}`).toBe(value);
        }
        if (auth?.type === 'basic') {
          const encoded = String(received.get('authorization')).replace(/^Basic /, '');
          expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(`${auth.username}:${auth.password}`);
        } else if (auth?.type === 'bearer') {
          expect(received.get('authorization')).toBe(`Bearer ${auth.token}`);
        } else if (auth?.type === 'api_key') {
          expect(received.get(auth.headerName.toLowerCase())).toBe(auth.value);
        }
        // Each run's webhook goes, so no number of runs reaches the tenant's webhook limit.
        await services.webhooks.delete(TENANT, created.body.id);
      }),
      { numRuns: 300 },
    );
    // Both sides of the rule were exercised, not one.
    expect(tally.accepted).toBeGreaterThan(20);
    expect(tally.refused).toBeGreaterThan(20);
  });

  it('accepts any Basic password (base64 on the wire) but no ":" in the username (RFC 7617)', async () => {
    const password = 'pässwörd 😀 \t:\x01 ';
    const accepted = await create({
      name: 'basic',
      events: ['message.created'],
      url,
      authentication: { type: 'basic', username: 'ops user é', password },
    });
    expect(accepted.statusCode).toBe(201);
    const received = await deliverOnce(accepted.body.id);
    const encoded = String(received.get('authorization')).replace(/^Basic /, '');
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(`ops user é:${password}`);

    const refused = await create({
      name: 'basic',
      events: ['message.created'],
      url,
      authentication: { type: 'basic', username: 'a:b', password: 'x' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.details).toEqual([
      expect.objectContaining({ field: 'authentication.username' }),
    ]);
  });

  it('delivers the largest settings it accepts to a Node receiver with its default 16 KiB head limit', async () => {
    // Eight custom headers of 1,017 characters (8,192 bytes with their names) and a 4,096-character token.
    const headers = Object.fromEntries(
      Array.from({ length: 8 }, (_, index) => [`X-Big-${index}`, String(index).repeat(1017)]),
    );
    const token = 't'.repeat(4096);
    const created = await create({
      name: 'largest',
      events: ['message.created'],
      url,
      headers,
      authentication: { type: 'bearer', token },
    });
    expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
    const received = await deliverOnce(created.body.id);
    expect(received.get('x-big-7')).toBe(headers['X-Big-7']);
    expect(received.get('authorization')).toBe(`Bearer ${token}`);

    const tooMany = await create({
      name: 'too large',
      events: ['message.created'],
      url,
      headers: { ...headers, 'X-One-More': 'x' },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body.error.details).toEqual([expect.objectContaining({ field: 'headers' })]);
  });

  it.each([
    ['a non-ASCII header value', { headers: { 'X-Name': 'café €' } }, 'headers.X-Name'],
    ['a control character', { headers: { 'X-Name': 'a\x01b' } }, 'headers.X-Name'],
    ['DEL', { headers: { 'X-Name': 'a\x7f' } }, 'headers.X-Name'],
    ['whitespace at the end', { headers: { 'X-Name': 'value ' } }, 'headers.X-Name'],
    ['Keep-Alive', { headers: { 'Keep-Alive': 'timeout=5' } }, 'headers.Keep-Alive'],
    ['Expect', { headers: { Expect: '100-continue' } }, 'headers.Expect'],
    ['Upgrade', { headers: { Upgrade: 'h2c' } }, 'headers.Upgrade'],
    ['a proxy-* name', { headers: { 'Proxy-Authorization': 'x' } }, 'headers.Proxy-Authorization'],
    [
      'a non-ASCII bearer token',
      { authentication: { type: 'bearer', token: 'tök' } },
      'authentication.token',
    ],
    [
      'a non-ASCII api-key value',
      { authentication: { type: 'api_key', headerName: 'X-Key', value: 'ключ' } },
      'authentication.value',
    ],
  ])('refuses %s with a 400 naming the field', async (_case, fields, field) => {
    const refused = await create({ name: 'case', events: ['message.created'], url, ...fields });
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });
});
