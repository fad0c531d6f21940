/**
 * Fair share under a burst, end to end (the local runtime as `npm start` runs it): tenant B publishes
 * a burst far larger than the service drains at once, to two instant webhooks; tenant A then publishes
 * a few events to its own instant webhook. Every queue between the bus and the receiver serves
 * tenants in turn, so A's deliveries arrive while most of B's backlog is still pending, not after it.
 * No duration is asserted: A's arrivals are checked against what of B's burst is still to come.
 */
import { describe, expect, it } from 'vitest';
import { serviceWithReceiver, TENANT_B_TOKEN, tenantMessage } from '#test/support/local-service';

const BURST_EVENTS = 600;
const CALM_EVENTS = 5;

// One delivery poller (Lambda concurrency 1): the backlog waits in the queues, where the order of
// service is decided, rather than in memory for per-endpoint slots.
const { service, receiver } = serviceWithReceiver(
  { DELIVERY_TIMEOUT_MS: '20000' },
  { deliveryConcurrency: 1, maxDeliveryConcurrency: 1 },
);

const entry = (tenantId: string, eventId: string) => tenantMessage(tenantId, eventId);

describe('fair share under a burst', () => {
  it('delivers the calm tenant’s events while the bursting tenant’s backlog is still pending', async () => {
    const webhook = (path: string, token?: string) =>
      service.createWebhook({ name: path, url: receiver.url(path) }, token);
    await webhook('/burst/1', TENANT_B_TOKEN);
    await webhook('/burst/2', TENANT_B_TOKEN);
    await webhook('/calm');
    const burstTotal = BURST_EVENTS * 2;
    const burstHits = () => receiver.hits('/burst/1').length + receiver.hits('/burst/2').length;

    for (let start = 0; start < BURST_EVENTS; start += 10) {
      const entries = Array.from({ length: 10 }, (_, offset) =>
        entry('tenant-b', `evt_burst_${start + offset}`),
      );
      expect((await service.publish(entries)).FailedEntryCount).toBe(0);
    }
    const calmEntries = Array.from({ length: CALM_EVENTS }, (_, index) =>
      entry('tenant-a', `evt_calm_${index}`),
    );
    expect((await service.publish(calmEntries)).FailedEntryCount).toBe(0);
    const pendingAtCalmPublish = burstTotal - burstHits();

    let burstWhenCalmDone = -1;
    await receiver.waitFor(
      () => {
        if (receiver.hits('/calm').length < CALM_EVENTS) return false;
        burstWhenCalmDone = burstHits();
        return true;
      },
      120_000,
      'the calm tenant’s deliveries',
    );
    // Served in arrival order, the calm events would come after the whole burst.
    // Served in arrival order, the calm events would come after the whole pending burst; in turn, they
    // come while most of it is still pending.
    expect(pendingAtCalmPublish).toBeGreaterThan(burstTotal / 2);
    expect(burstTotal - burstWhenCalmDone).toBeGreaterThan(pendingAtCalmPublish / 2);
    await receiver.waitFor(() => burstHits() >= burstTotal, 180_000, 'the rest of the burst');
    expect(
      receiver
        .hits('/calm')
        .map((hit) => hit.headers['webhook-id'])
        .sort(),
    ).toEqual(calmEntries.map((_, index) => `evt_calm_${index}`));
  }, 300_000);
});
