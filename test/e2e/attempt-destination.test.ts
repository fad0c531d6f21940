/**
 * Every attempt records the host it was sent to (delivery log, failure log, console): after an admin
 * edits a webhook's URL, its retries go to the new one, and the log must say where each went.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chatEvent, startTestService, type TestService } from '#test/support/local-service';
import { eventually, type Receiver, startReceiver } from '#test/support/receiver';

let service: TestService;
let before: Receiver;
let after: Receiver;

beforeAll(async () => {
  before = await startReceiver();
  after = await startReceiver();
  for (const receiver of [before, after]) {
    receiver.on('/hook', (_hit, response) => response.writeHead(500).end('down'));
  }
  // A first retry late enough for the edit to land before it.
  service = await startTestService({ RETRY_SCHEDULE: '3,1' });
});

afterAll(async () => {
  await service?.stop();
  await before?.close();
  await after?.close();
});

it('records each attempt’s destination host, before and after the URL was edited', async () => {
  const created = await service.createWebhook({
    name: 'moving',
    url: before.url('/hook'),
    events: ['conversation.deleted'],
  });
  const published = await service.publish([
    chatEvent('conversation.deleted', {
      tenantId: 'tenant-a',
      brandId: 'b',
      id: 'moved-1',
      data: { conversationId: 'c1' },
    }),
  ]);
  expect(published.FailedEntryCount).toBe(0);
  await before.waitFor(() => before.hits('/hook').length === 1, 20_000, 'the first attempt');
  const patched = await service.api('PATCH', `/v1/webhooks/${created.id}`, { url: after.url('/hook') });
  expect(patched.status).toBe(200);

  const hostOf = (url: string) => new URL(url).host;
  const expected = [hostOf(before.url('/')), hostOf(after.url('/')), hostOf(after.url('/'))];
  const failureLog = await eventually(
    async () => {
      const page = await service.api('GET', `/v1/failure-logs?webhookId=${created.id}`);
      return page.body.items[0] as { id: string } | undefined;
    },
    30_000,
    'the failure log',
  );
  const detail = await service.api('GET', `/v1/failure-logs/${failureLog.id}`);
  expect(detail.body.attempts.map((attempt: { host?: string }) => attempt.host)).toEqual(expected);

  const deliveries = await service.api('GET', `/v1/deliveries?webhookId=${created.id}`);
  const delivery = await service.api('GET', `/v1/deliveries/${deliveries.body.items[0].id}`);
  expect(delivery.body.attempts.map((attempt: { host?: string }) => attempt.host)).toEqual(expected);
});
