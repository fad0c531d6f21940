/**
 * Issue 9, end to end through `npm start`'s runtime (API on the main thread, deliveries on a delivery
 * thread): ONE tenant with many webhooks on a slow path of a shared host cannot take the process's
 * delivery capacity from another tenant (docs/contract.md#isolation). The per-webhook limit never binds here (each
 * webhook is below it); the per-tenant limit (MAX_CONCURRENCY_PER_TENANT) does.
 *
 * Nothing here asserts a duration: arrivals are checked against what is still pending.
 */
import type { ServerResponse } from 'node:http';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { serviceWithReceiver, TENANT_B_TOKEN, tenantMessage } from '#test/support/local-service';

const TENANT_SLOTS = 8;
const WEBHOOKS = 20;
const FLOOD_EVENTS = 30;
let sequence = 0;

const { service, receiver: host } = serviceWithReceiver({
  // Held requests must stay in flight for the whole test, not time out.
  DELIVERY_TIMEOUT_MS: '60000',
  MAX_CONCURRENCY_PER_ENDPOINT: '16',
  MAX_CONCURRENCY_PER_TENANT: String(TENANT_SLOTS),
});

function messageEntry(tenantId: string, brandId: string): { entry: PutEventsRequestEntry; eventId: string } {
  const eventId = `evt_t1_${++sequence}`;
  return { entry: tenantMessage(tenantId, eventId, { messageId: `m${sequence}`, brandId }), eventId };
}

async function createWebhook(body: Record<string, unknown>, token?: string): Promise<void> {
  await service.createWebhook(body, token);
}

const idsAt = (path: string) => host.hits(path).map((hit) => String(hit.headers['webhook-id']));

describe('one tenant with many slow webhooks does not hold back another tenant', () => {
  it('tenant-a’s events arrive while tenant-b’s backlog across 20 webhooks on one held path is pending', async () => {
    const held: ServerResponse[] = [];
    let isReleased = false;
    host.on('/b-held', (_hit, response) => {
      if (isReleased) response.writeHead(200).end('ok');
      else held.push(response);
    });
    for (let index = 0; index < WEBHOOKS; index++) {
      await createWebhook(
        { name: `b-held-${index}`, url: host.url('/b-held'), brandId: 'many' },
        TENANT_B_TOKEN,
      );
    }
    await createWebhook({ name: 'a-fast', url: host.url('/a-fast'), brandId: 'many' });

    // 30 events × 20 webhooks: 600 deliveries of tenant-b ahead of tenant-a's in the queue.
    for (let start = 0; start < FLOOD_EVENTS; start += 10) {
      const entries = Array.from({ length: 10 }, () => messageEntry('tenant-b', 'many').entry);
      expect((await service.publish(entries)).FailedEntryCount).toBe(0);
    }
    await host.waitFor(() => held.length >= TENANT_SLOTS, 20_000, 'tenant-b’s slots to fill');

    const fastIds: string[] = [];
    for (let index = 0; index < 10; index++) {
      const { entry, eventId } = messageEntry('tenant-a', 'many');
      fastIds.push(eventId);
      expect((await service.publish([entry])).FailedEntryCount).toBe(0);
    }
    await host.waitFor(
      () => fastIds.every((eventId) => idsAt('/a-fast').includes(eventId)),
      30_000,
      'tenant-a’s deliveries during the flood',
    );
    // Tenant-a got everything while tenant-b's first requests were still unanswered: no more than the
    // tenant's slots were ever in flight, although each of its 20 webhooks had 16 slots of its own.
    expect(held.every((response) => !response.writableEnded)).toBe(true);
    expect(host.hits('/b-held').length).toBeLessThanOrEqual(TENANT_SLOTS);

    // The refused deliveries went back to the queue and none is lost once the endpoint answers.
    isReleased = true;
    for (const response of held) response.writeHead(200).end('ok');
    const expected = WEBHOOKS * FLOOD_EVENTS;
    await host.waitFor(() => host.hits('/b-held').length >= expected, 120_000, 'tenant-b’s whole backlog');
    expect(new Set(idsAt('/b-held')).size).toBe(FLOOD_EVENTS);
  }, 240_000);
});
