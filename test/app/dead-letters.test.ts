import { describe, expect, it } from 'vitest';
import { ABANDONED_ERROR, type DeadLetteredTask, recordDeadLetters } from '#app/dead-letters';
import type { DeliveryTask } from '#domain/delivery-task';
import { failureLogIdFor } from '#domain/failure-log-id';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

const event = {
  id: 'evt_9',
  type: 'message.created',
  timestamp: '2026-03-01T10:00:00.000Z',
  tenantId: 'tenant-a',
  brandId: null,
  data: { conversationId: 'c-1' },
};

const attempts = [
  { at: '2026-03-01T10:00:01.000Z', statusCode: 500, durationMs: 12, responseSnippet: 'boom' },
  { at: '2026-03-01T10:00:06.000Z', error: 'connection refused', durationMs: 2 },
  { at: '2026-03-01T10:05:06.000Z', statusCode: 502, durationMs: 30, error: 'HTTP 502' },
];

function task(overrides: Partial<DeadLetteredTask> = {}): DeadLetteredTask {
  return { tenantId: 'tenant-a', webhookId: 'wh_1', event, attempts, ...overrides };
}

describe('recordDeadLetters', () => {
  it('writes the failure log of docs/contract.md#deliveries from the task and the current webhook', async () => {
    const services = createTestServices();
    await services.webhooks.create(
      webhookFixture({ name: 'Renamed hook', url: 'https://hooks.example.com/new' }),
    );

    const result = await recordDeadLetters(services, [
      {
        messageId: 'd-1',
        body: JSON.stringify(task({ webhookName: 'Old name', url: 'https://old.example.com' })),
      },
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(services.failureLogs.logs).toHaveLength(1);
    const [{ log, expiresAt }] = services.failureLogs.logs as [(typeof services.failureLogs.logs)[number]];
    expect(log).toEqual({
      id: failureLogIdFor({ ...task(), messageId: 'd-1' }),
      tenantId: 'tenant-a',
      webhookId: 'wh_1',
      webhookName: 'Renamed hook',
      eventId: 'evt_9',
      eventType: 'message.created',
      url: 'https://hooks.example.com/new',
      attempts,
      attemptCount: 3,
      lastStatusCode: 502,
      lastError: 'HTTP 502',
      firstAttemptAt: '2026-03-01T10:00:01.000Z',
      failedAt: '2026-03-01T12:00:00.000Z',
      event,
      // The delivery log's record of the same delivery (docs/contract.md#delivery-log: the two point at each other).
      deliveryId: expect.stringMatching(/^dlv_[0-9A-Z]{26}_wh_1$/),
    });
    expect(expiresAt.toISOString()).toBe('2026-03-31T12:00:00.000Z');
  });

  it('falls back to the name and URL the task carried when the webhook is gone', async () => {
    const services = createTestServices({ config: { FAILURE_LOG_TTL_DAYS: 7 } });
    await recordDeadLetters(services, [
      {
        messageId: 'd-1',
        body: JSON.stringify(task({ webhookName: 'Old name', url: 'https://old.example.com' })),
      },
    ]);
    expect(services.failureLogs.logs[0]?.log).toMatchObject({
      webhookName: 'Old name',
      url: 'https://old.example.com',
    });
    expect(services.failureLogs.logs[0]?.expiresAt.toISOString()).toBe('2026-03-08T12:00:00.000Z');
  });

  it('explains a task the queue redrove without any attempt', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture());
    const redriven: DeliveryTask = { tenantId: 'tenant-a', webhookId: 'wh_1', event, attempts: [] };
    await recordDeadLetters(services, [{ messageId: 'd-1', body: JSON.stringify(redriven) }]);
    expect(services.failureLogs.logs[0]?.log).toMatchObject({
      attemptCount: 0,
      lastStatusCode: null,
      lastError: ABANDONED_ERROR,
      firstAttemptAt: null,
    });
  });

  it('says why a delivery was given up and cites the failed request, listing only the attempts made', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture());
    const evidence = { at: '2026-03-01T11:59:30.000Z', statusCode: 503, error: 'endpoint answered 503' };
    const reason =
      "given up: its retry schedule (660 s since the first try) ended while the webhook's circuit was open, and the request to the webhook at 2026-03-01T11:59:30.000Z answered 503";
    await recordDeadLetters(services, [
      { messageId: 'd-1', body: JSON.stringify(task({ givenUp: { reason, evidence } })) },
    ]);
    expect(services.failureLogs.logs[0]?.log).toMatchObject({
      attempts,
      attemptCount: 3,
      lastStatusCode: 502,
      lastError: 'HTTP 502',
      givenUpReason: reason,
      evidence,
    });
  });

  it('a delivery given up before any request says why in lastError, not as an attempt', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture());
    const reason = 'not sent: the request could not be built (invalid header)';
    await recordDeadLetters(services, [
      { messageId: 'd-1', body: JSON.stringify(task({ attempts: [], givenUp: { reason } })) },
    ]);
    expect(services.failureLogs.logs[0]?.log).toMatchObject({
      attempts: [],
      attemptCount: 0,
      lastStatusCode: null,
      lastError: reason,
      givenUpReason: reason,
      firstAttemptAt: null,
    });
  });

  it('records a group task the queue redrove as one abandoned failure log per webhook', async () => {
    const services = createTestServices();
    await services.webhooks.create(webhookFixture({ id: 'wh_1', name: 'First' }));
    await services.webhooks.create(
      webhookFixture({ id: 'wh_2', name: 'Second', url: 'https://two.example/h' }),
    );
    const group: DeliveryTask = {
      tenantId: 'tenant-a',
      webhookId: 'wh_1',
      webhookIds: ['wh_1', 'wh_2', 'wh_deleted'],
      event,
      attempts: [],
    };

    const result = await recordDeadLetters(services, [{ messageId: 'd-1', body: JSON.stringify(group) }]);

    expect(result.batchItemFailures).toEqual([]);
    const logs = services.failureLogs.logs.map(({ log }) => log);
    expect(logs.map((log) => [log.webhookId, log.webhookName, log.lastError])).toEqual([
      ['wh_1', 'First', ABANDONED_ERROR],
      ['wh_2', 'Second', ABANDONED_ERROR],
      ['wh_deleted', '', ABANDONED_ERROR],
    ]);
    expect(new Set(logs.map((log) => log.id)).size).toBe(3);
    for (const log of logs) expect(log).toMatchObject({ eventId: 'evt_9', attemptCount: 0, event });
    expect(logs[1]?.url).toBe('https://two.example/h');
  });

  it('reports a group whose failure logs could not all be written, so the DLQ redelivers it', async () => {
    const services = createTestServices();
    services.failureLogs.isUnavailable = true;
    const group: DeliveryTask = { ...task(), attempts: [], webhookIds: ['wh_1', 'wh_2'] };
    const result = await recordDeadLetters(services, [{ messageId: 'd-1', body: JSON.stringify(group) }]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'd-1' }]);
  });

  it('drops junk it cannot attribute, and reports records whose write failed so the DLQ redelivers them', async () => {
    const services = createTestServices();
    services.failureLogs.isUnavailable = true;
    const result = await recordDeadLetters(services, [
      { messageId: 'junk', body: 'not json at all' },
      { messageId: 'd-2', body: JSON.stringify(task()) },
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'd-2' }]);

    services.failureLogs.isUnavailable = false;
    const retried = await recordDeadLetters(services, [{ messageId: 'd-2', body: JSON.stringify(task()) }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(services.failureLogs.logs).toHaveLength(1);
  });
});
