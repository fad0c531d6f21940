/** The admin API handler's reading of the JWT authorizer's claims (docs/contract.md#security). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { type ApiHandlerDependencies, createApiHandler, identityFromClaims } from '#functions/api';
import { httpApiEvent, lambdaContext } from './lambda-events';

const verified = { iss: 'https://issuer.example.com/', sub: 'admin-1', aud: 'chat-webhooks-admin', exp: 1 };

describe('identityFromClaims', () => {
  it('takes the tenant from the configured claim', () => {
    const event = httpApiEvent({ method: 'GET', path: '/v1/webhooks', claims: { ...verified, org: 'acme' } });
    expect(identityFromClaims(event, 'org')).toEqual({ tenantId: 'acme' });
  });

  it('has no identity when no authorizer vouched for the caller', () => {
    expect(identityFromClaims(httpApiEvent({ method: 'GET', path: '/health' }), 'tenant_id')).toBeUndefined();
  });

  it.each([
    ['missing', {}, /no "tenant_id" claim/],
    ['empty', { tenant_id: '' }, /no "tenant_id" claim/],
    ['not a tenant id', { tenant_id: 'a b/c' }, /"tenant_id" claim is not a valid tenant id/],
    ['a list', { tenant_id: ['a', 'b'] }, /"tenant_id" claim is not a valid tenant id/],
  ])('names the claim when it is %s', (_case, claims, message) => {
    const event = httpApiEvent({ method: 'GET', path: '/v1/webhooks', claims: { ...verified, ...claims } });
    const identity = identityFromClaims(event, 'tenant_id');
    expect(identity && 'problem' in identity ? identity.problem : '').toMatch(message);
  });
});

describe('the API handler', () => {
  // Nothing past the identity check is reached, so the routes' services are never touched.
  const handler = createApiHandler({ tenantClaim: loadConfig({}).TENANT_CLAIM } as ApiHandlerDependencies);

  it('answers 403 naming the claim when a verified token has no tenant claim', async () => {
    const response = await handler(
      httpApiEvent({ method: 'GET', path: '/v1/webhooks', claims: verified }),
      lambdaContext('api'),
    );
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'forbidden', message: expect.stringContaining('"tenant_id"') },
    });
  });

  it('still answers 401 when no token was verified', async () => {
    const response = await handler(
      httpApiEvent({ method: 'GET', path: '/v1/webhooks' }),
      lambdaContext('api'),
    );
    expect(response.statusCode).toBe(401);
  });
});
