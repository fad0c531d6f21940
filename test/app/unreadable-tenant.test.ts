/**
 * docs/contract.md#admin-api: rejected events whose tenant cannot be read are kept under a key no tenant id can equal.
 * With the old key `_unknown`, a tenant named `_unknown` listed everyone's unreadable events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ID_PATTERN, UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import { tenantFromClaims } from '#functions/api';
import { parseAdminTokens } from '#local/admin-tokens';
import { startTestService, type TestService } from '../support/local-service';
import { eventually } from '../support/receiver';

describe('the unreadable-tenant key', () => {
  it('is no valid tenant id: not in ADMIN_TOKENS, not from a JWT claim, not from any id the pattern allows', () => {
    expect(TENANT_ID_PATTERN.test(UNREADABLE_TENANT_KEY)).toBe(false);
    expect(() => parseAdminTokens(`tok-123=${UNREADABLE_TENANT_KEY}`)).toThrow(/not a valid tenant id/);
    const event = {
      requestContext: { authorizer: { jwt: { claims: { tenant_id: UNREADABLE_TENANT_KEY } } } },
    } as unknown as Parameters<typeof tenantFromClaims>[0];
    expect(tenantFromClaims(event, 'tenant_id')).toBeUndefined();
    fc.assert(
      fc.property(fc.stringMatching(TENANT_ID_PATTERN), (tenantId) => tenantId !== UNREADABLE_TENANT_KEY),
    );
  });
});

describe('a tenant named like the old key', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ ADMIN_TOKENS: 'unknown-tenant-token-123=_unknown' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('sees none of the events whose tenant could not be read', async () => {
    const output = await service.publish([
      {
        Source: 'chat.platform',
        DetailType: 'message.created',
        EventBusName: 'chat-events',
        Detail: JSON.stringify({ brandId: 'b', data: { secretNote: 'someone else’s data' } }),
      },
    ]);
    expect(output.FailedEntryCount).toBe(0);
    await eventually(
      async () => {
        const stored = await service.runtime.services.rejectedEvents.list(UNREADABLE_TENANT_KEY, {
          limit: 10,
        });
        return stored.items.length > 0 ? true : undefined;
      },
      20_000,
      'the rejected event under the unreadable key',
    );
    const listed = await service.api('GET', '/v1/rejected-events', undefined, 'unknown-tenant-token-123');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
  });
});
