/**
 * One tenant's many hanging webhooks against another tenant's delivery on the same host, through the
 * local runtime's delivery thread (docs/contract.md#isolation, #fair-share): tenant B has 40 webhooks
 * whose endpoint never answers and a backlog of events for them; tenant A's event, published while
 * that backlog is pending and while B's attempts time out and settle, still arrives exactly once, the
 * thread keeps running, and B's failure wave costs the store a bounded number of requests.
 *
 * No duration is asserted: every step waits on what the receiver has seen.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestsBetween } from '#adapters/aws-clients';
import { chatEvent, startTestService, TENANT_B_TOKEN, type TestService } from '../support/local-service';
import { type Receiver, startReceiver } from '../support/receiver';

const HANGING_WEBHOOKS = 40;
const HANGING_EVENTS = 20;
/** B's attempts in flight at once: the first wave, all timing out together. */
const TENANT_SLOTS = 96;
let service: TestService;
let host: Receiver;
const hung: ServerResponse[] = [];
let sequence = 0;

beforeAll(async () => {
  host = await startReceiver();
  service = await startTestService({
    DELIVERY_TIMEOUT_MS: '2000',
    RETRY_SCHEDULE: '1,1,1',
    MAX_CONCURRENCY_PER_TENANT: String(TENANT_SLOTS),
  });
});

afterAll(async () => {
  await service?.stop();
  for (const response of hung) response.destroy();
  await host?.close();
});

function entry(tenantId: string): { entry: ReturnType<typeof chatEvent>; eventId: string } {
  const eventId = `evt_hang_${++sequence}`;
  return {
    eventId,
    entry: chatEvent('message.created', {
      tenantId,
      brandId: 'b',
      id: eventId,
      data: {
        conversationId: 'c1',
        message: {
          id: `m${sequence}`,
          author: { type: 'customer', id: 'u1' },
          text: 'hi',
          createdAt: '2026-11-24T10:00:00Z',
        },
      },
    }),
  };
}

const idsAt = (path: string) => host.hits(path).map((hit) => String(hit.headers['webhook-id']));
const hangingHits = () => host.hits().filter((hit) => hit.path.startsWith('/bhang/')).length;

it("a tenant's event arrives once while another tenant's 40 hanging webhooks time out around it", async () => {
  const created = await service.api('POST', '/v1/webhooks', {
    name: 'a',
    url: host.url('/a'),
    events: ['message.created'],
  });
  expect(created.status).toBe(201);
  for (let index = 0; index < HANGING_WEBHOOKS; index++) {
    const path = `/bhang/${index}`;
    host.on(path, (_hit, response) => hung.push(response));
    const hanging = await service.api(
      'POST',
      '/v1/webhooks',
      { name: `hang-${index}`, url: host.url(path), events: ['message.created'] },
      TENANT_B_TOKEN,
    );
    expect(hanging.status).toBe(201);
  }
  const before = service.counter.snapshot();
  for (let start = 0; start < HANGING_EVENTS; start += 10) {
    const entries = Array.from(
      { length: Math.min(10, HANGING_EVENTS - start) },
      () => entry('tenant-b').entry,
    );
    expect((await service.publish(entries)).FailedEntryCount).toBe(0);
  }
  // Barrier 1: every hanging webhook has an attempt open, and a backlog waits behind them.
  await host.waitFor(() => hangingHits() >= HANGING_WEBHOOKS, 60_000, 'an attempt at every hanging webhook');
  const first = entry('tenant-a');
  expect((await service.publish([first.entry])).FailedEntryCount).toBe(0);
  await host.waitFor(() => idsAt('/a').length >= 1, 60_000, "tenant A's first event");
  // Barrier 2: the first attempts have timed out and settled (retries were sent), so B's failure
  // wave (health, log, retries) is under way; A's next event arrives through it.
  await host.waitFor(
    () => hangingHits() >= TENANT_SLOTS + HANGING_WEBHOOKS,
    120_000,
    'the retries of the hanging webhooks',
  );
  const second = entry('tenant-a');
  const publishedAt = Date.now();
  expect((await service.publish([second.entry])).FailedEntryCount).toBe(0);
  await host.waitFor(() => idsAt('/a').length >= 2, 60_000, "tenant A's second event");
  console.log('A second event ms', (host.hits('/a')[1]?.at ?? 0) - publishedAt);
  const requests = requestsBetween(before, service.counter.snapshot());
  console.log('requests while B hung', JSON.stringify(requests), 'hanging attempts', hangingHits());
  expect(service.runtime.deliveryThreadHeapUsed().length).toBe(1);
  expect(new Set(idsAt('/a')).size).toBe(idsAt('/a').length);
}, 300_000);
