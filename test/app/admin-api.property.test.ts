/**
 * "Never a 5xx": random and hostile requests against every admin route, over real HTTP to the
 * in-process service. Every answer must be below 500, and every 4xx must carry the contract's error shape (docs/contract.md#admin-api).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '#app/admin-api';
import {
  hostileAuthorization,
  hostileBody,
  hostileContentType,
  hostileQuery,
  hostileText,
  percentEncode,
  validWebhookBody,
} from '../support/hostile-inputs';
import {
  chatEvent,
  startTestService,
  TENANT_A_TOKEN,
  TENANT_B_TOKEN,
  type TestService,
} from '../support/local-service';
import { errorShapeProblem, type RawRequest, type RawResponse, sendRaw } from '../support/raw-http';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;
const fixtures = {
  ownWebhooks: [] as string[],
  foreignWebhook: '',
  ownFailureLog: '',
  foreignFailureLog: '',
  ownDelivery: '',
  foreignDelivery: '',
};

/** Per property: requests sent, 5xx answers, and answers that broke the error shape. */
const tally = new Map<string, { tried: number; fiveXX: number; badShape: number }>();
const pollutionProbe = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

async function send(property: string, raw: RawRequest): Promise<RawResponse> {
  const counts = tally.get(property) ?? { tried: 0, fiveXX: 0, badShape: 0 };
  tally.set(property, counts);
  counts.tried++;
  const response = await sendRaw(service.url, raw);
  if (response.status >= 500) counts.fiveXX++;
  const shapeProblem = raw.method === 'HEAD' ? null : errorShapeProblem(response);
  if (shapeProblem !== null) counts.badShape++;
  const described = `${raw.method} ${raw.path.slice(0, 200)} → ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, described).toBeLessThan(500);
  expect(shapeProblem, described).toBeNull();
  // The service runs in this process: a polluted prototype would show up here.
  expect(Object.getOwnPropertyNames(Object.prototype).sort().join(','), 'Object.prototype polluted').toBe(
    pollutionProbe,
  );
  return response;
}

/** What a route's `{id}` names, by the collection it sits under. */
type IdKind = 'webhook' | 'log' | 'delivery';
const ID_KIND_BY_COLLECTION: Record<string, IdKind> = {
  webhooks: 'webhook',
  'failure-logs': 'log',
  deliveries: 'delivery',
};

function idKindOf(path: string): IdKind {
  const collection = path.split('/')[2] ?? '';
  const kind = ID_KIND_BY_COLLECTION[collection];
  if (!kind)
    throw new Error(`${path}: no fixture for ids of /v1/${collection}; add one to ID_KIND_BY_COLLECTION`);
  return kind;
}

// Every route the API serves, from its own route table: a new route is fuzzed without being listed here.
const ROUTES: [method: string, template: string][] = ADMIN_ROUTES.map((route) => [route.method, route.path]);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

type IdChoice = 'own' | 'foreign' | 'otherKind' | 'random' | 'hostile';
const idChoice = fc.constantFrom<IdChoice>('own', 'own', 'own', 'foreign', 'otherKind', 'random', 'hostile');
const hostileSegment = fc.oneof(
  hostileText.map(percentEncode),
  fc.constantFrom('..', '%2e%2e', '%2F', 'a'.repeat(129), 'wh_', '%00', '%ff', '%20', 'wh_x/', '/'),
);
const randomId = fc.stringMatching(/^(wh|fl|dlv|x)_[A-Za-z0-9_-]{1,40}$/);

/** Resolves a path template; an own webhook for DELETE is made fresh, so the fixtures survive. */
async function pathFor(
  method: string,
  template: string,
  choice: IdChoice,
  random: string,
  hostile: string,
): Promise<string> {
  const ownWebhook = async () => {
    if (method !== 'DELETE') return fixtures.ownWebhooks[random.length % fixtures.ownWebhooks.length]!;
    const created = await service.api('POST', '/v1/webhooks', validWebhookBody(receiver.url('/ok')));
    return created.body.id as string;
  };
  const pick = async (kind: IdKind) => {
    switch (choice) {
      case 'own':
        return {
          webhook: ownWebhook,
          log: async () => fixtures.ownFailureLog,
          delivery: async () => fixtures.ownDelivery,
        }[kind]();
      case 'foreign':
        return {
          webhook: fixtures.foreignWebhook,
          log: fixtures.foreignFailureLog,
          delivery: fixtures.foreignDelivery,
        }[kind];
      case 'otherKind':
        return kind === 'webhook' ? fixtures.ownFailureLog : fixtures.ownWebhooks[0]!;
      case 'random':
        return random;
      case 'hostile':
        return hostile;
    }
  };
  return template.includes('{id}') ? template.replace('{id}', await pick(idKindOf(template))) : template;
}

function headersOf(contentType: string | string[] | undefined, authorization: string | string[] | undefined) {
  const headers: Record<string, string | string[]> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (authorization !== undefined) headers.authorization = authorization;
  return headers;
}

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/fail', (_hit, response) => response.writeHead(500).end('nope'));
  // This suite sends thousands of odd authorization values from one address: it asks how the API answers
  // hostile input, so the wrong-token limit (its own test: failed-token-limiter.test.ts) is raised here.
  service = await startTestService(
    { RETRY_SCHEDULE: '1', DELIVERY_TIMEOUT_MS: '1000' },
    { failedTokenRule: { burst: 1_000_000, refillSeconds: 1 } },
  );
  for (let index = 0; index < 3; index++) {
    const created = await service.api('POST', '/v1/webhooks', validWebhookBody(receiver.url('/ok')));
    fixtures.ownWebhooks.push(created.body.id);
  }
  const failing = { ...validWebhookBody(receiver.url('/fail')), events: ['message.retracted'] };
  fixtures.ownWebhooks.push((await service.api('POST', '/v1/webhooks', failing)).body.id);
  fixtures.foreignWebhook = (await service.api('POST', '/v1/webhooks', failing, TENANT_B_TOKEN)).body.id;
  const retracted = (tenantId: string) =>
    chatEvent('message.retracted', {
      tenantId,
      brandId: 'b',
      data: { conversationId: 'c1', messageId: 'm1', retractedBy: { type: 'agent', id: 'a1' } },
    });
  await service.publish([retracted('tenant-a'), retracted('tenant-b')]);
  const firstLog = (token: string) =>
    eventually(
      async () =>
        (await service.api('GET', '/v1/failure-logs', undefined, token)).body.items[0]?.id as string,
      30_000,
      'a failure log',
    );
  fixtures.ownFailureLog = await firstLog(TENANT_A_TOKEN);
  fixtures.foreignFailureLog = await firstLog(TENANT_B_TOKEN);
  const firstDelivery = (token: string) =>
    eventually(
      async () => (await service.api('GET', '/v1/deliveries', undefined, token)).body.items[0]?.id as string,
      30_000,
      'a delivery',
    );
  fixtures.ownDelivery = await firstDelivery(TENANT_A_TOKEN);
  fixtures.foreignDelivery = await firstDelivery(TENANT_B_TOKEN);
});

afterAll(async () => {
  console.log(
    `admin API hostile input:\n${[...tally].map(([name, counts]) => `  ${name}: tried=${counts.tried} 5xx=${counts.fiveXX} bad_error_shape=${counts.badShape}`).join('\n')}`,
  );
  await service?.stop();
  await receiver?.close();
});

describe('the admin API under hostile input never answers 5xx', () => {
  it('fuzzes every route of the route table, with an id fixture for each route that takes an id', () => {
    expect(ROUTES.length).toBe(ADMIN_ROUTES.length);
    for (const [, path] of ROUTES.filter(([, path]) => path.includes('{id}')))
      expect(idKindOf(path)).toBeTruthy();
  });

  it('every route, with any method, id, body, headers and query', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.option(fc.constantFrom(...METHODS), { freq: 5 }),
        idChoice,
        randomId,
        hostileSegment,
        fc.option(hostileQuery, { freq: 3 }),
        hostileBody(`http://127.0.0.1:9/closed`),
        hostileContentType,
        hostileAuthorization(TENANT_A_TOKEN, TENANT_B_TOKEN),
        fc.constantFrom('', '', '', '/', '//'),
        async (
          [routeMethod, template],
          otherMethod,
          choice,
          random,
          hostile,
          query,
          body,
          contentType,
          auth,
          tail,
        ) => {
          const method = otherMethod ?? routeMethod;
          const path = `${await pathFor(method, template, choice, random, hostile)}${tail}${query ?? ''}`;
          await send('every route', {
            method,
            path,
            headers: headersOf(contentType, auth),
            ...(body === undefined ? {} : { body }),
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('webhook bodies on create and edit: random JSON, deep nesting, huge strings, prototype keys, bad UTF-8', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        hostileBody(receiver.url('/ok')),
        fc.nat(),
        async (isCreate, body, which) => {
          const id = fixtures.ownWebhooks[which % fixtures.ownWebhooks.length]!;
          const response = await send('webhook bodies', {
            method: isCreate ? 'POST' : 'PATCH',
            path: isCreate ? '/v1/webhooks' : `/v1/webhooks/${id}`,
            headers: headersOf('application/json', `Bearer ${TENANT_A_TOKEN}`),
            ...(body === undefined ? {} : { body }),
          });
          if (response.status < 300) {
            // Whatever was accepted reads back as a webhook without its secrets.
            const webhook = JSON.parse(response.text) as Record<string, unknown>;
            expect(webhook.id).toMatch(/^wh_/);
            expect(JSON.stringify(webhook.authentication ?? null)).not.toMatch(/"(password|token|value)"/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('query strings on every route: repeated and unknown parameters, limit edges, random cursors, bad escapes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES.filter(([method]) => method === 'GET')),
        hostileQuery,
        idChoice,
        randomId,
        hostileSegment,
        async ([method, template], query, choice, random, hostile) => {
          const path = `${await pathFor(method, template, choice, random, hostile)}${query}`;
          const response = await send('query strings', {
            method,
            path,
            headers: headersOf(undefined, `Bearer ${TENANT_A_TOKEN}`),
          });
          const isList = ['/v1/webhooks', '/v1/failure-logs', '/v1/rejected-events'].includes(template);
          const cursors = new URLSearchParams(query.slice(1)).getAll('cursor');
          if (isList && cursors.some((cursor) => cursor !== '')) {
            // No cursor here was issued by the service: none may page anything.
            expect(response.status, `${path.slice(0, 200)} → ${response.text.slice(0, 200)}`).toBe(400);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('headers: content-type variants and duplicates, odd and repeated authorization values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        idChoice,
        hostileContentType,
        hostileAuthorization(TENANT_A_TOKEN, TENANT_B_TOKEN),
        fc.constantFrom(undefined, '{}', JSON.stringify({ name: 'renamed' })),
        async ([method, template], choice, contentType, auth, body) => {
          const path = await pathFor(method, template, choice, 'wh_random', 'wh_x');
          const response = await send('headers', {
            method,
            path,
            headers: headersOf(contentType, auth),
            ...(body === undefined ? {} : { body }),
          });
          const carriesOurToken = [auth].flat().some((value) => value?.includes(TENANT_A_TOKEN));
          if (!carriesOurToken && choice === 'own' && template.includes('{')) {
            // Without tenant A's token, nothing of tenant A's may be read or changed.
            expect(response.status, `${method} ${path} with ${String(auth)}`).toBeGreaterThanOrEqual(400);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps serving after the barrage', async () => {
    expect((await service.api('GET', '/health', undefined, null)).status).toBe(200);
    const created = await service.api('POST', '/v1/webhooks', validWebhookBody(receiver.url('/ok')));
    expect(created.status).toBe(201);
    for (const counts of tally.values()) expect(counts.fiveXX).toBe(0);
  });
});
