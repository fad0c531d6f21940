/**
 * A chat.platform event whose detail-type is not in the catalogue (a typo on the platform's side)
 * is recorded as a rejected event, visible to its tenant, instead of matching no rule and vanishing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent, startTestService, TENANT_B_TOKEN, type TestService } from '../support/local-service';
import { eventually } from '../support/receiver';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
});

describe('unknown detail-types', () => {
  it('are listed in GET /v1/rejected-events with reason unknown_event_type, for their tenant only', async () => {
    const result = await service.publish([
      chatEvent('message.craeted', { tenantId: 'tenant-a', brandId: 'b', data: { text: 'hi' } }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    const rejected = await eventually(async () => {
      const page = await service.api('GET', '/v1/rejected-events');
      return page.body.items.length > 0 ? page.body.items : undefined;
    });
    expect(rejected).toEqual([
      expect.objectContaining({
        tenantId: 'tenant-a',
        source: 'chat.platform',
        detailType: 'message.craeted',
        reason: 'unknown_event_type',
      }),
    ]);
    const asB = await service.api('GET', '/v1/rejected-events', undefined, TENANT_B_TOKEN);
    expect(asB.body.items).toEqual([]);
  });
});
