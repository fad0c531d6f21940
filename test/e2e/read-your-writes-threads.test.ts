/**
 * Read-your-writes across several delivery environments (docs/contract.md#read-your-writes): with two delivery threads, each
 * like its own Lambda environment, and the admin API on the main thread, every event published after
 * a PATCH / deactivate answer follows it, whichever thread delivers it. No thread can hold a stale copy
 * because none keeps one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryQueueProbe, deliveryQueueProbe } from '#test/support/delivery-queue-probe';
import { messageCreatedEntry, serviceWithReceiver } from '#test/support/local-service';
import { eventually } from '#test/support/receiver';

// LOCAL_SQS_PORT: the queues' depth is the barrier below (support/delivery-queue-probe.ts).
const { service, receiver: host } = serviceWithReceiver({
  LOCAL_DELIVERY_THREADS: '2',
  RETRY_SCHEDULE: '1,1',
  LOCAL_SQS_PORT: '0',
});
let queues: DeliveryQueueProbe;
beforeAll(() => {
  queues = deliveryQueueProbe(service);
});
afterAll(() => queues?.close());

const idsAt = (path: string) => host.hits(path).map((hit) => String(hit.headers['webhook-id']));

describe('read-your-writes with two delivery threads', () => {
  it('sends every event published after a PATCH to the new URL, and none after a deactivation', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'moving',
      events: ['message.created'],
      url: host.url('/before'),
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    // Warm both threads on the old settings.
    const warm = Array.from({ length: 20 }, (_, index) => messageCreatedEntry('evt_warm', index));
    expect((await service.publish(warm.slice(0, 10))).FailedEntryCount).toBe(0);
    expect((await service.publish(warm.slice(10))).FailedEntryCount).toBe(0);
    await host.waitFor(() => idsAt('/before').length >= 20, 20_000, 'the warm-up events');

    expect((await service.api('PATCH', `/v1/webhooks/${id}`, { url: host.url('/after') })).status).toBe(200);
    const moved = Array.from({ length: 10 }, (_, index) => messageCreatedEntry('evt_moved', index));
    expect((await service.publish(moved)).FailedEntryCount).toBe(0);
    await host.waitFor(() => idsAt('/after').length >= 10, 20_000, 'the events after PATCH');
    expect(idsAt('/before').filter((eventId) => eventId.startsWith('evt_moved'))).toEqual([]);

    expect((await service.api('POST', `/v1/webhooks/${id}/deactivate`)).status).toBe(200);
    const late = Array.from({ length: 10 }, (_, index) => messageCreatedEntry('evt_late', index));
    expect((await service.publish(late)).FailedEntryCount).toBe(0);
    // A second webhook created after the deactivation gets these events: once it has them all, every
    // thread has handled the batch that would have carried them to the deactivated one.
    const witness = await service.api('POST', '/v1/webhooks', {
      name: 'witness',
      events: ['message.created'],
      url: host.url('/witness'),
    });
    expect(witness.status).toBe(201);
    const after = Array.from({ length: 10 }, (_, index) => messageCreatedEntry('evt_after', index));
    expect((await service.publish(after)).FailedEntryCount).toBe(0);
    await host.waitFor(() => idsAt('/witness').length >= 10, 20_000, 'the witness events');
    // Then the barrier for what shared a group message with the witness's, or a batch of the other
    // thread: with the bus and the delivery queue holding nothing visible, in flight or delayed, every
    // event has been fanned out and every delivery of it has settled, so nothing more can be sent.
    await eventually(
      async () => (await queues.isDrained('chat-events-bus')) && (await queues.isDrained()),
      20_000,
      'the bus and the delivery queue to drain',
    );
    const lateHits = [...idsAt('/before'), ...idsAt('/after')].filter(
      (eventId) => eventId.startsWith('evt_late') || eventId.startsWith('evt_after'),
    );
    expect(lateHits).toEqual([]);
  }, 60_000);
});
