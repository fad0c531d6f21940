/**
 * docs/contract.md#limits: wrong tokens are limited per source address. Before, 2,000 wrong tokens
 * in 0.9 s met no slowdown; now a source gets 10 tries, then one every 3 s, and past that its
 * requests answer 429 with Retry-After without their token being checked (a right guess is not
 * told apart from a wrong one). Another address keeps its own budget, so an attacker there cannot
 * lock a tenant out; X-Forwarded-For, which the caller writes, changes nothing.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenRegistry } from '#local/admin-tokens';
import { FailedTokenLimiter, sourceOf } from '#local/failed-token-limiter';
import { createLocalServer } from '#local/server';

describe('sourceOf', () => {
  it('counts IPv4 by address, IPv6 by its /64, and every loopback address as one source', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('2001:db8:1:2::1')).toBe(sourceOf('2001:db8:1:2:ffff::9'));
    expect(sourceOf('2001:db8:1:2::1')).not.toBe(sourceOf('2001:db8:1:3::1'));
    expect(new Set([sourceOf('127.0.0.1'), sourceOf('127.3.2.1'), sourceOf('::1')])).toEqual(
      new Set(['loopback']),
    );
    expect(sourceOf(undefined)).toBe('unknown');
  });
});

describe('FailedTokenLimiter', () => {
  it('gives a source its burst, then one try per refill, and leaves other sources alone', () => {
    let now = 0;
    const limiter = new FailedTokenLimiter({ burst: 10, refillSeconds: 3 }, () => now);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect(limiter.retryAfter('198.51.100.1')).toBeUndefined();
      limiter.fail('198.51.100.1');
    }
    expect(limiter.retryAfter('198.51.100.1')).toBe(3);
    expect(limiter.retryAfter('198.51.100.2')).toBeUndefined();
    now += 1_000;
    expect(limiter.retryAfter('198.51.100.1')).toBe(2);
    now += 2_000;
    expect(limiter.retryAfter('198.51.100.1')).toBeUndefined();
    limiter.fail('198.51.100.1');
    expect(limiter.retryAfter('198.51.100.1')).toBe(3);
  });
});

describe('the local server', () => {
  const GOOD = 'tenant-a-token-0123456789';
  let now = 0;
  let server: Server;
  let url: string;
  let apiCalls = 0;

  beforeAll(async () => {
    server = createLocalServer({
      tokens: new AdminTokenRegistry([{ token: GOOD, tenantId: 'tenant-a' }]),
      tenantClaim: 'tenant_id',
      awsKey: { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'test-secret' },
      failedTokens: new FailedTokenLimiter({ burst: 10, refillSeconds: 3 }, () => now),
      // As the api handler answers: 401 without an authorizer's identity, 200 with one.
      api: async (event) => {
        apiCalls += 1;
        const claims = event.requestContext.authorizer.jwt?.claims ?? {};
        return { statusCode: claims.tenant_id === undefined ? 401 : 200, body: '{}' };
      },
      putEvents: async () => ({ statusCode: 500, headers: {}, body: '' }),
      sqs: async () => ({ statusCode: 500, headers: {}, body: '' }),
      onError: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = async (token: string | undefined, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/v1/webhooks`, {
      headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: await response.text(),
    };
  };

  it('answers 429 with Retry-After past 10 wrong tokens, checks no token meanwhile, and serves again after the wait', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await call(`guess-${attempt}`)).status).toBe(401);
    // Naming another client address in X-Forwarded-For buys nothing: only the connection's counts.
    const limited = await call('guess-10', { 'x-forwarded-for': '198.51.100.9' });
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe('3');
    expect(JSON.parse(limited.body)).toMatchObject({ error: { code: 'rate_limited' } });
    // While limited even the right token is not checked: an answer that told them apart would be an oracle.
    const before = apiCalls;
    expect((await call(GOOD)).status).toBe(429);
    expect(apiCalls).toBe(before);
    // Requests without a token (the console's files, /health) are not held back.
    expect((await call(undefined)).status).toBe(401);

    now += 3_000;
    expect((await call(GOOD)).status).toBe(200);
    // A good token spends nothing: the one try the wait gave back is still there.
    expect((await call('guess-11')).status).toBe(401);
    expect((await call('guess-12')).status).toBe(429);
  });
});
