/**
 * docs/contract.md#admin-api: redelivering to an inactive webhook answers 409 `webhook_inactive` and enqueues nothing,
 * through the whole local API (HTTP → handler → use case → embedded store).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FailureLog } from '#domain/model';
import { startTestService, type TestService } from '../support/local-service';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
});

it('answers 409 webhook_inactive for an inactive webhook, 202 once it is active again', async () => {
  const created = await service.api('POST', '/v1/webhooks', {
    name: 'paused',
    events: ['message.created'],
    url: 'https://hooks.example.com/paused',
    status: 'inactive',
  });
  expect(created.status).toBe(201);
  const webhookId = created.body.id as string;
  const at = new Date().toISOString();
  const log: FailureLog = {
    id: 'fl_01KJMMA2G0XH9C5V3M6N762F41',
    tenantId: 'tenant-a',
    webhookId,
    webhookName: 'paused',
    eventId: 'evt_1',
    eventType: 'message.created',
    url: 'https://hooks.example.com/paused',
    attempts: [{ at, statusCode: 500, durationMs: 3 }],
    attemptCount: 1,
    lastStatusCode: 500,
    lastError: 'endpoint answered 500',
    firstAttemptAt: at,
    failedAt: at,
    event: {
      id: 'evt_1',
      type: 'message.created',
      timestamp: at,
      tenantId: 'tenant-a',
      brandId: null,
      data: { conversationId: 'c-1' },
    },
  };
  await service.runtime.services.failureLogs.put(log, new Date(Date.now() + 86_400_000));

  const refused = await service.api('POST', `/v1/failure-logs/${log.id}/redeliver`);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('webhook_inactive');
  expect(refused.body.error.message).toContain('activate');

  expect((await service.api('POST', `/v1/webhooks/${webhookId}/activate`)).status).toBe(200);
  const accepted = await service.api('POST', `/v1/failure-logs/${log.id}/redeliver`);
  expect(accepted.status).toBe(202);
});
