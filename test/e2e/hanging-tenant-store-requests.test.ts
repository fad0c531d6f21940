/**
 * One tenant's many hanging webhooks against another tenant's delivery on the same host, through the
 * local runtime's delivery thread (docs/contract.md#isolation, #fair-share): tenant B has 40 webhooks
 * whose endpoint never answers and a backlog of events for them; tenant A's event, published while
 * that backlog is pending and while B's attempts time out and settle, still arrives exactly once, the
 * thread keeps running, and B's failure wave costs the store a bounded number of requests.
 *
 * No duration is asserted: every step waits on what the receiver has seen.
 */
import { expect, it } from 'vitest';
import { requestsBetween } from '#adapters/aws-clients';
import { serviceWithReceiver, TENANT_B_TOKEN, tenantMessage } from '#test/support/local-service';

const HANGING_WEBHOOKS = 40;
const HANGING_EVENTS = 20;
/** B's attempts in flight at once: the first wave, all timing out together. */
const TENANT_SLOTS = 96;
let sequence = 0;

// After the suite the service stops first; the receiver's close then ends the connections it never answered.
const { service, receiver: host } = serviceWithReceiver({
  DELIVERY_TIMEOUT_MS: '2000',
  RETRY_SCHEDULE: '1,1,1',
  MAX_CONCURRENCY_PER_TENANT: String(TENANT_SLOTS),
});

function entry(tenantId: string): { entry: ReturnType<typeof tenantMessage>; eventId: string } {
  const eventId = `evt_hang_${++sequence}`;
  return { eventId, entry: tenantMessage(tenantId, eventId, { messageId: `m${sequence}` }) };
}

const idsAt = (path: string) => host.hits(path).map((hit) => String(hit.headers['webhook-id']));
const hangingHits = () => host.hits().filter((hit) => hit.path.startsWith('/bhang/')).length;

it("a tenant's event arrives once while another tenant's 40 hanging webhooks time out around it", async () => {
  await service.createWebhook({ name: 'a', url: host.url('/a') });
  for (let index = 0; index < HANGING_WEBHOOKS; index++) {
    const path = `/bhang/${index}`;
    // Never answered: the attempt hangs until the service's timeout.
    host.on(path, () => {});
    await service.createWebhook({ name: `hang-${index}`, url: host.url(path) }, TENANT_B_TOKEN);
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
