/**
 * No tenant can hurt the service or anyone else: webhooks per tenant (409 `limit_reached`) and the
 * rates of the routes that make the service send (`/test`, `/redeliver`, `/recover`: 429 with
 * Retry-After), through the real HTTP edge, with two tenants and a third that is never slowed.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '#app/rate-limiter';
import { CursorCodec } from '#domain/cursor';
import { RateLimitedError } from '#domain/errors';
import { type ApiHandlerDependencies, createApiHandler } from '#functions/api';
import { httpApiEvent, lambdaContext } from '#test/functions/lambda-events';
import { createTestServices, ManualClock } from '#test/support/in-memory-ports';

function apiWith(config: Record<string, unknown> = {}) {
  const key = randomBytes(32);
  const services = createTestServices({ config: config as never });
  // A public address, so the destination checks pass without a network.
  const deps = Object.assign(services, {
    cursors: new CursorCodec(async () => key),
    resolver: { resolve: async () => ['93.184.216.34'] },
  });
  const handler = createApiHandler({ ...deps, tenantClaim: 'tenant_id' } as ApiHandlerDependencies);
  const call = async (tenant: string, method: string, path: string, body?: unknown) => {
    const event = httpApiEvent({
      method,
      path,
      claims: { tenant_id: tenant },
      ...(body === undefined ? {} : { body }),
    });
    const response = await handler(event, lambdaContext('api'));
    return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
  };
  return { call, clock: services.clock as ManualClock };
}

const webhook = (index: number) => ({
  name: `hook ${index}`,
  events: ['message.created'],
  url: `https://hooks.example.com/${index}`,
});

describe('webhooks per tenant', () => {
  it('refuses the create past MAX_WEBHOOKS_PER_TENANT with 409 limit_reached naming the limit; other tenants go on', async () => {
    const { call } = apiWith({ MAX_WEBHOOKS_PER_TENANT: 3 });
    for (let index = 0; index < 3; index++) {
      expect((await call('tenant-a', 'POST', '/v1/webhooks', webhook(index))).statusCode).toBe(201);
    }
    const refused = await call('tenant-a', 'POST', '/v1/webhooks', webhook(3));
    expect(refused.statusCode).toBe(409);
    expect(refused.json.error.code).toBe('limit_reached');
    expect(refused.json.error.message).toMatch(/a limit of 3 webhooks per tenant/);
    expect((await call('tenant-b', 'POST', '/v1/webhooks', webhook(9))).statusCode).toBe(201);
    const listed = await call('tenant-a', 'GET', '/v1/webhooks');
    expect(listed.json.items).toHaveLength(3);
  });

  it('defaults to 100 webhooks, exactly, when 110 creates race', async () => {
    const { call } = apiWith();
    const created = await Promise.all(
      Array.from({ length: 110 }, (_, index) => call('tenant-a', 'POST', '/v1/webhooks', webhook(index))),
    );
    expect(created.filter((answer) => answer.statusCode === 201)).toHaveLength(100);
    expect(created.filter((answer) => answer.statusCode === 409)).toHaveLength(10);
    const more = await call('tenant-a', 'POST', '/v1/webhooks', webhook(100));
    expect(more.statusCode).toBe(409);
    expect(more.json.error.code).toBe('limit_reached');
  });
});

describe('rates of the routes that make the service send', () => {
  it('answers 429 with Retry-After past a tenant’s burst of /test, for that tenant only, and accepts again later', async () => {
    const { call, clock } = apiWith();
    const a = (await call('tenant-a', 'POST', '/v1/webhooks', webhook(1))).json;
    const b = (await call('tenant-b', 'POST', '/v1/webhooks', webhook(2))).json;
    const statuses: number[] = [];
    for (let index = 0; index < 30; index++) {
      statuses.push((await call('tenant-a', 'POST', `/v1/webhooks/${a.id}/test`)).statusCode ?? 0);
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    const limited = await call('tenant-a', 'POST', `/v1/webhooks/${a.id}/test`);
    expect(limited.statusCode).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    // The other tenant's sends, and the same tenant's reads, are not held back.
    expect((await call('tenant-b', 'POST', `/v1/webhooks/${b.id}/test`)).statusCode).not.toBe(429);
    expect((await call('tenant-a', 'GET', `/v1/webhooks/${a.id}`)).statusCode).toBe(200);
    clock.advance(Number(limited.headers?.['Retry-After'] ?? 1) * 1000);
    expect((await call('tenant-a', 'POST', `/v1/webhooks/${a.id}/test`)).statusCode).not.toBe(429);
  });

  it('holds /recover to a few calls, and /redeliver to the send rate', async () => {
    const { call } = apiWith();
    const a = (await call('tenant-a', 'POST', '/v1/webhooks', webhook(1))).json;
    const since = new Date(Date.parse('2026-03-01T12:00:00.000Z') - 3_600_000).toISOString();
    const recovers = await Promise.all(
      Array.from({ length: 10 }, () => call('tenant-a', 'POST', `/v1/webhooks/${a.id}/recover`, { since })),
    );
    expect(recovers.filter((answer) => answer.statusCode === 202)).toHaveLength(3);
    expect(recovers.filter((answer) => answer.statusCode === 429)).toHaveLength(7);
    const redelivers = await Promise.all(
      Array.from({ length: 25 }, () =>
        call('tenant-a', 'POST', `/v1/deliveries/dlv_01JAAAAAAAAAAAAAAAAAAAAAAA_${a.id}/redeliver`),
      ),
    );
    expect(redelivers.filter((answer) => answer.statusCode === 429)).toHaveLength(5);
  });
});

describe('RateLimiter', () => {
  it('refills one token per period up to the burst, and says how long to wait', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(
      { send: { burst: 2, refillSeconds: 10 }, recover: { burst: 1, refillSeconds: 60 } },
      clock,
    );
    limiter.take('t', 'send');
    limiter.take('t', 'send');
    let error: unknown;
    try {
      limiter.take('t', 'send');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(10);
    clock.advance(10_000);
    expect(() => limiter.take('t', 'send')).not.toThrow();
    expect(() => limiter.take('t', 'recover')).not.toThrow();
    expect(() => limiter.take('other', 'recover')).not.toThrow();
  });
});

describe('names and answers a browser or a person can be fooled by', () => {
  it('refuses names with bidi controls or tag characters, or made only of U+2800', async () => {
    const { call } = apiWith();
    for (const name of [
      'invoice\u202Egnp.exe',
      'a\u2066b\u2069',
      `tag\u{E0041}`,
      '\u2800\u2800',
      ' \u2800 ',
    ]) {
      const answer = await call('tenant-a', 'POST', '/v1/webhooks', { ...webhook(1), name });
      expect(answer.statusCode, JSON.stringify(name)).toBe(400);
      expect(answer.json.error.details[0].field).toBe('name');
    }
    const description = await call('tenant-a', 'POST', '/v1/webhooks', {
      ...webhook(1),
      description: 'x\u202Ey',
    });
    expect(description.statusCode).toBe(400);
    expect(
      (await call('tenant-a', 'POST', '/v1/webhooks', { ...webhook(1), name: 'Café ⠁ CRM' })).statusCode,
    ).toBe(201);
  });

  it('answers /v1 and /health with nosniff and no framing, errors included', async () => {
    const { call } = apiWith();
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/v1/webhooks'],
      ['GET', '/v1/webhooks/wh_missing'],
    ] as const) {
      const answer = await call('tenant-a', method, path);
      expect(answer.headers?.['x-content-type-options'], path).toBe('nosniff');
      expect(answer.headers?.['x-frame-options'], path).toBe('DENY');
    }
  });
});
