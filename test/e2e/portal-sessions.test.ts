/**
 * The tenant portal's routes through the whole local runtime (HTTP → local authorizers → the API
 * handler → DynamoDB adapter on the embedded store): who may call what, single use, revocation,
 * capabilities and brand scoping, with two tenants and a hostile third.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES, requiredCapability } from '#app/admin-api';
import { startTestService, TENANT_A_TOKEN, TENANT_B_TOKEN, type TestService } from '../support/local-service';

const PLATFORM_TOKEN = 'platform-token-0123456789abcdef';
const HOSTILE_TOKEN = 'tenant-c-hostile-0123456789';

let service: TestService;

const webhook = (name: string, brandId: string | null) => ({
  name,
  events: ['conversation.created'],
  url: 'https://hooks.example.com/chat',
  ...(brandId === null ? {} : { brandId }),
});

beforeAll(async () => {
  service = await startTestService({
    ADMIN_TOKENS: `${TENANT_A_TOKEN}=tenant-a,${TENANT_B_TOKEN}=tenant-b,${HOSTILE_TOKEN}=tenant-c`,
    PLATFORM_TOKENS: PLATFORM_TOKEN,
  });
});

afterAll(async () => {
  await service?.stop();
});

/** Mints a link as the platform; returns the link's token (from the URL's fragment) and the answer. */
async function mint(
  body: Record<string, unknown>,
): Promise<{ token: string; url: string; expiresAt: string }> {
  const response = await service.api('POST', '/v1/portal-sessions', body, PLATFORM_TOKEN);
  expect(response.status).toBe(201);
  const url = new URL(response.body.url);
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  expect(token).toMatch(/^ptl_/);
  return { token: token!, url: response.body.url, expiresAt: response.body.expiresAt };
}

async function exchange(token: string) {
  return service.api('POST', '/v1/portal-sessions/exchange', { token }, null);
}

/** A session token for `tenantId` with the given capabilities and brands. */
async function session(tenantId: string, capabilities: string[], brandIds?: string[]): Promise<string> {
  const { token } = await mint({ tenantId, capabilities, ...(brandIds ? { brandIds } : {}) });
  const exchanged = await exchange(token);
  expect(exchanged.status).toBe(200);
  return exchanged.body.sessionToken;
}

/** Calls the API as a portal session does: under /portal, with the session as bearer token. */
function asSession(sessionToken: string, method: string, path: string, body?: unknown) {
  return service.api(method, `/portal${path}`, body, sessionToken);
}

describe('the link', () => {
  it('opens the console in portal mode with the token in the fragment only, and says when it expires', async () => {
    const before = Date.now();
    const { url, expiresAt } = await mint({ tenantId: 'tenant-a', capabilities: ['read'] });
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${service.url}/portal`);
    expect(parsed.search).toBe('');
    const expiry = Date.parse(expiresAt);
    // The default lifetime is 900 s.
    expect(expiry).toBeGreaterThanOrEqual(before + 899_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 901_000);
  });

  it('is exchanged exactly once: a replay answers 401, as does an unknown token', async () => {
    const { token } = await mint({ tenantId: 'tenant-a', capabilities: ['read', 'manage'], expiresIn: 60 });
    const first = await exchange(token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      tenantId: 'tenant-a',
      capabilities: ['read', 'manage'],
      brandIds: null,
    });
    expect(first.body.sessionToken).toMatch(/^pts_/);
    const replay = await exchange(token);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('unauthorized');
    expect((await exchange(`ptl_${'A'.repeat(43)}`)).status).toBe(401);
    // The session token is not a link: it cannot be exchanged for another session.
    expect((await exchange(first.body.sessionToken)).status).toBe(401);
  });

  it('answers concurrent exchanges of one link with exactly one session', async () => {
    const { token } = await mint({ tenantId: 'tenant-a', capabilities: ['read'] });
    const answers = await Promise.all(Array.from({ length: 8 }, () => exchange(token)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
  });

  it('refuses bad mint requests with 400 naming the field', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ capabilities: ['read'] }, 'tenantId'],
      [{ tenantId: 'tenant-a', capabilities: ['manage'] }, 'capabilities'],
      [{ tenantId: 'tenant-a', capabilities: ['read', 'read'] }, 'capabilities'],
      [{ tenantId: 'tenant-a', capabilities: ['read', 'admin'] }, 'capabilities[1]'],
      [{ tenantId: 'tenant-a', capabilities: ['read'], expiresIn: 3601 }, 'expiresIn'],
      [{ tenantId: 'tenant-a', capabilities: ['read'], expiresIn: 0 }, 'expiresIn'],
      [{ tenantId: 'tenant-a', capabilities: ['read'], brandIds: [] }, 'brandIds'],
      [{ tenantId: 'tenant a', capabilities: ['read'] }, 'tenantId'],
      [{ tenantId: 'tenant-a', capabilities: ['read'], theme: 'dark' }, 'theme'],
    ];
    for (const [body, field] of bad) {
      const response = await service.api('POST', '/v1/portal-sessions', body, PLATFORM_TOKEN);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    }
  });
});

describe('who may call what', () => {
  it('lets only the platform credential mint and end sessions; tenants and sessions get 403, nobody 401', async () => {
    const sessionToken = await session('tenant-a', ['read', 'manage']);
    const body = { tenantId: 'tenant-a', capabilities: ['read'] };
    for (const token of [TENANT_A_TOKEN, TENANT_B_TOKEN, HOSTILE_TOKEN]) {
      expect((await service.api('POST', '/v1/portal-sessions', body, token)).status).toBe(403);
      expect(
        (await service.api('DELETE', '/v1/portal-sessions?tenantId=tenant-a', undefined, token)).status,
      ).toBe(403);
    }
    expect((await asSession(sessionToken, 'POST', '/v1/portal-sessions', body)).status).toBe(403);
    expect((await asSession(sessionToken, 'DELETE', '/v1/portal-sessions?tenantId=tenant-a')).status).toBe(
      403,
    );
    expect((await service.api('POST', '/v1/portal-sessions', body, null)).status).toBe(401);
    expect((await service.api('POST', '/v1/portal-sessions', body, 'not-a-token-at-all')).status).toBe(401);
  });

  it('gives the platform credential 403 on every tenant route', async () => {
    for (const route of ADMIN_ROUTES.filter((candidate) => !candidate.isPublic && !candidate.audience)) {
      const path = route.path.replace('{id}', 'wh_0123456789');
      const response = await service.api(route.method, path, route.body ? {} : undefined, PLATFORM_TOKEN);
      expect(response.status, `${route.method} ${route.path}`).toBe(403);
    }
  });

  it('keeps each credential on its own path: a session on /v1 and an admin token on /portal/v1 answer 401', async () => {
    const sessionToken = await session('tenant-a', ['read']);
    expect((await service.api('GET', '/v1/webhooks', undefined, sessionToken)).status).toBe(401);
    expect((await service.api('GET', '/portal/v1/webhooks', undefined, TENANT_A_TOKEN)).status).toBe(401);
    expect((await service.api('GET', '/portal/v1/webhooks', undefined, PLATFORM_TOKEN)).status).toBe(401);
    expect((await asSession(sessionToken, 'GET', '/v1/webhooks')).status).toBe(200);
  });
});

describe('capabilities', () => {
  it('answers 403 to a read session on every write route (and the secret), 200 on reads', async () => {
    const created = await service.api('POST', '/v1/webhooks', webhook('Read target', null));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const reader = await session('tenant-a', ['read']);
    const writes = ADMIN_ROUTES.filter(
      (route) => !route.isPublic && !route.audience && requiredCapability(route) === 'manage',
    );
    // Every write the contract names: create, edit, activate/deactivate, rotate, delete, test, resend, recover.
    expect(writes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/webhooks',
        'PATCH /v1/webhooks/{id}',
        'POST /v1/webhooks/{id}/activate',
        'POST /v1/webhooks/{id}/deactivate',
        'POST /v1/webhooks/{id}/rotate-secret',
        'DELETE /v1/webhooks/{id}',
        'POST /v1/webhooks/{id}/test',
        'POST /v1/deliveries/{id}/redeliver',
        'POST /v1/failure-logs/{id}/redeliver',
        'POST /v1/webhooks/{id}/recover',
        'GET /v1/webhooks/{id}/secret',
      ]),
    );
    for (const route of writes) {
      const response = await asSession(
        reader,
        route.method,
        route.path.replace('{id}', id),
        route.body ? {} : undefined,
      );
      expect(response.status, `${route.method} ${route.path}`).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    // Nothing changed: the webhook is still there, active.
    const still = await asSession(reader, 'GET', `/v1/webhooks/${id}`);
    expect(still).toMatchObject({ status: 200, body: { id, status: 'active' } });
    for (const path of [
      '/v1/webhooks',
      '/v1/event-types',
      '/v1/deliveries',
      '/v1/failure-logs',
      '/v1/rejected-events',
    ]) {
      expect((await asSession(reader, 'GET', path)).status, path).toBe(200);
    }
  });

  it('lets a manage session write, for its own tenant only', async () => {
    const manager = await session('tenant-a', ['read', 'manage']);
    const created = await asSession(manager, 'POST', '/v1/webhooks', webhook('Managed', null));
    expect(created.status).toBe(201);
    expect(created.body.signingSecret).toMatch(/^whsec_/);
    expect((await asSession(manager, 'POST', `/v1/webhooks/${created.body.id}/deactivate`)).status).toBe(200);
    // Tenant B cannot see it; tenant A's admin can.
    expect(
      (await service.api('GET', `/v1/webhooks/${created.body.id}`, undefined, TENANT_B_TOKEN)).status,
    ).toBe(404);
    expect((await service.api('GET', `/v1/webhooks/${created.body.id}`)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it("never lets a session reach another tenant's webhooks, whatever it asks", async () => {
    const ofB = await service.api('POST', '/v1/webhooks', webhook('B only', null), TENANT_B_TOKEN);
    expect(ofB.status).toBe(201);
    const sessionOfA = await session('tenant-a', ['read', 'manage']);
    expect((await asSession(sessionOfA, 'GET', `/v1/webhooks/${ofB.body.id}`)).status).toBe(404);
    expect((await asSession(sessionOfA, 'DELETE', `/v1/webhooks/${ofB.body.id}`)).status).toBe(404);
    const list = await asSession(sessionOfA, 'GET', '/v1/webhooks');
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(ofB.body.id);
    // The hostile third tenant's own admin token cannot mint for A, nor use A's session anywhere but /portal.
    expect(
      (
        await service.api(
          'POST',
          '/v1/portal-sessions',
          { tenantId: 'tenant-a', capabilities: ['read'] },
          HOSTILE_TOKEN,
        )
      ).status,
    ).toBe(403);
    expect((await service.api('GET', '/v1/webhooks', undefined, sessionOfA)).status).toBe(401);
    // A made-up session token of the right shape is nobody.
    expect((await asSession(`pts_${'B'.repeat(43)}`, 'GET', '/v1/webhooks')).status).toBe(401);
  });
});

describe('revocation', () => {
  it('ends every session and unopened link of the tenant at once, and no other tenant', async () => {
    const sessionOfA = await session('tenant-a', ['read']);
    const otherOfA = await session('tenant-a', ['read', 'manage']);
    const unopened = await mint({ tenantId: 'tenant-a', capabilities: ['read'] });
    const sessionOfB = await session('tenant-b', ['read']);
    expect((await asSession(sessionOfA, 'GET', '/v1/webhooks')).status).toBe(200);

    const revoked = await service.api(
      'DELETE',
      '/v1/portal-sessions?tenantId=tenant-a',
      undefined,
      PLATFORM_TOKEN,
    );
    expect(revoked.status).toBe(204);

    expect((await asSession(sessionOfA, 'GET', '/v1/webhooks')).status).toBe(401);
    expect((await asSession(otherOfA, 'GET', '/v1/webhooks')).status).toBe(401);
    expect((await exchange(unopened.token)).status).toBe(401);
    expect((await asSession(sessionOfB, 'GET', '/v1/webhooks')).status).toBe(200);
    // A link minted after the revocation works.
    expect((await asSession(await session('tenant-a', ['read']), 'GET', '/v1/webhooks')).status).toBe(200);
  });

  it('needs a valid tenantId', async () => {
    const response = await service.api('DELETE', '/v1/portal-sessions', undefined, PLATFORM_TOKEN);
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('tenantId');
  });
});

describe('brand scoping', () => {
  it("shows and touches only the session's brands' webhooks", async () => {
    const ids: Record<string, string> = {};
    for (const [name, brand] of [
      ['Brand one', 'brand-1'],
      ['Brand two', 'brand-2'],
      ['All brands', null],
    ] as const) {
      const created = await service.api('POST', '/v1/webhooks', webhook(name, brand), TENANT_A_TOKEN);
      expect(created.status).toBe(201);
      ids[name] = created.body.id;
    }
    const scoped = await session('tenant-a', ['read', 'manage'], ['brand-1']);
    const list = await asSession(scoped, 'GET', '/v1/webhooks?limit=100');
    const names = list.body.items.map((item: { name: string }) => item.name);
    expect(names).toContain('Brand one');
    expect(names).not.toContain('Brand two');
    expect(names).not.toContain('All brands');
    expect((await asSession(scoped, 'GET', '/v1/webhooks?brandId=brand-2')).body.items).toEqual([]);
    expect((await asSession(scoped, 'GET', `/v1/webhooks/${ids['Brand two']}`)).status).toBe(404);
    expect((await asSession(scoped, 'GET', `/v1/webhooks/${ids['All brands']}`)).status).toBe(404);
    expect((await asSession(scoped, 'DELETE', `/v1/webhooks/${ids['Brand two']}`)).status).toBe(404);
    expect(
      (await asSession(scoped, 'GET', `/v1/deliveries?webhookId=${ids['Brand two']}`)).body.items,
    ).toEqual([]);
    // Writes stay inside the brands: no moving a webhook out, no creating one elsewhere.
    expect((await asSession(scoped, 'POST', '/v1/webhooks', webhook('Elsewhere', 'brand-2'))).status).toBe(
      403,
    );
    expect((await asSession(scoped, 'POST', '/v1/webhooks', webhook('Everywhere', null))).status).toBe(403);
    const moved = await asSession(scoped, 'PATCH', `/v1/webhooks/${ids['Brand one']}`, {
      brandId: 'brand-2',
    });
    expect(moved.status).toBe(403);
    expect(moved.body.error.details[0].field).toBe('brandId');
    expect((await asSession(scoped, 'POST', '/v1/webhooks', webhook('Inside', 'brand-1'))).status).toBe(201);
    expect((await asSession(scoped, 'GET', '/v1/rejected-events')).body.items).toEqual([]);
  });
});
