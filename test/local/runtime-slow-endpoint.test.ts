/**
 * A slow but healthy endpoint behind a short delivery visibility timeout: deliveries queue for its
 * few per-endpoint slots far longer than the timeout, yet none reappears mid-wait, so each is sent
 * exactly once and none is dead-lettered (the event source's visibility heartbeat).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeliveryQueueProbe, deliveryQueueProbe } from '../support/delivery-queue-probe';
import { messageCreatedEntry, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const EVENT_COUNT = 30;
const SLOTS = 2;
const ANSWER_AFTER_MS = 900;

let service: TestService;
let receiver: Receiver;
let queue: DeliveryQueueProbe;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/slow', (_hit, response) => {
    setTimeout(() => response.writeHead(200).end('ok'), ANSWER_AFTER_MS);
  });
  // Visibility max(5 s, 3 x 2.5 s) = 7.5 s; 30 deliveries through 2 slots at 0.9 s take ~13.5 s, so
  // the last ones wait ~12 s for a slot, well past the timeout. The attempt timeout keeps a wide margin
  // over the answer time: on a loaded machine a 0.9 s answer must not become a timeout and a retry.
  service = await startTestService({
    DELIVERY_TIMEOUT_MS: '2500',
    MAX_CONCURRENCY_PER_ENDPOINT: String(SLOTS),
    RETRY_SCHEDULE: '1,1',
    // The queue's depth is this test's barrier (support/delivery-queue-probe.ts).
    LOCAL_SQS_PORT: '0',
  });
  queue = deliveryQueueProbe(service);
});

afterAll(async () => {
  queue?.close();
  await service?.stop();
  await receiver?.close();
});

describe('slow healthy endpoint', () => {
  it('gets every delivery exactly once although they wait for slots longer than the visibility timeout', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'slow',
      events: ['message.created'],
      url: receiver.url('/slow'),
    });
    expect(created.status).toBe(201);

    for (let start = 0; start < EVENT_COUNT; start += 10) {
      const entries = Array.from({ length: 10 }, (_, offset) =>
        messageCreatedEntry('evt_slow', start + offset),
      );
      expect((await service.publish(entries)).FailedEntryCount).toBe(0);
    }
    await receiver.waitFor(() => receiver.hits('/slow').length >= EVENT_COUNT, 70_000, 'every delivery');
    // The barrier, not a sleep: once the queue holds nothing visible, in flight or delayed, every
    // message was deleted after its delivery settled; one that had reappeared mid-wait would still be
    // there (or would have been sent again by now).
    await eventually(() => queue.isDrained(), 30_000, 'the delivery queue to drain');

    const ids = receiver.hits('/slow').map((hit) => String(hit.headers['webhook-id']));
    expect(ids.sort()).toEqual(Array.from({ length: EVENT_COUNT }, (_, index) => `evt_slow_${index}`).sort());
    const logs = await service.api('GET', '/v1/failure-logs');
    expect(logs.status).toBe(200);
    expect(logs.body.items).toEqual([]);
  }, 100_000);
});
