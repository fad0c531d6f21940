/**
 * A slow endpoint must not delay deliveries to a healthy one (issue 4, item 7): both subscribe to
 * the same events; the slow one hangs past DELIVERY_TIMEOUT_MS. Healthy deliveries all arrive while
 * the slow endpoint's first requests still hang; after the threshold its circuit opens, so it sees
 * only a bounded number of requests while its deliveries are postponed, not dropped; once it
 * recovers, every postponed delivery arrives.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageCreatedEntry, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const EVENT_COUNT = 30;
const THRESHOLD = 3;

let service: TestService;
let slow: Receiver;
let healthy: Receiver;

beforeAll(async () => {
  // Two receivers, so two origins: the breaker and the per-endpoint limit work per origin.
  slow = await startReceiver();
  healthy = await startReceiver();
  service = await startTestService({
    DELIVERY_TIMEOUT_MS: '3000',
    MAX_CONCURRENCY_PER_ENDPOINT: String(THRESHOLD),
    CIRCUIT_FAILURE_THRESHOLD: String(THRESHOLD),
    CIRCUIT_COOLDOWN_MS: '2000',
    // Long enough that no postponed delivery runs out of schedule while the endpoint is down.
    RETRY_SCHEDULE: '5,60',
  });
});

afterAll(async () => {
  await service?.stop();
  await slow?.close();
  await healthy?.close();
});

describe('endpoint isolation', () => {
  it('delivers to a healthy endpoint while another hangs, then backs off the hanging one without losing anything', async () => {
    // One ordered record of what both endpoints saw, for relative (not wall-clock) assertions.
    const timeline: string[] = [];
    const held: { response: ServerResponse; webhookId: string }[] = [];
    const delivered = new Set<string>();
    let isSlowDown = true;
    healthy.on('/ok', (_hit, response) => {
      timeline.push('healthy-delivered');
      response.writeHead(200).end('ok');
    });
    slow.on('/slow', (hit, response) => {
      timeline.push('slow-hit');
      if (!isSlowDown) {
        delivered.add(String(hit.headers['webhook-id']));
        response.writeHead(200).end('ok');
        return;
      }
      // Hangs; the sender gives up at DELIVERY_TIMEOUT_MS and closes the connection.
      held.push({ response, webhookId: String(hit.headers['webhook-id']) });
      response.on('close', () => {
        if (!response.writableEnded) timeline.push('slow-abandoned');
      });
    });
    for (const [name, url] of [
      ['hangs', slow.url('/slow')],
      ['healthy', healthy.url('/ok')],
    ]) {
      const created = await service.api('POST', '/v1/webhooks', { name, events: ['message.created'], url });
      expect(created.status).toBe(201);
    }

    for (let start = 0; start < EVENT_COUNT; start += 10) {
      const entries = Array.from({ length: 10 }, (_, offset) =>
        messageCreatedEntry('evt_isolation', start + offset),
      );
      expect((await service.publish(entries)).FailedEntryCount).toBe(0);
    }

    await healthy.waitFor(() => healthy.hits('/ok').length >= EVENT_COUNT, 20_000, 'every healthy delivery');
    const allHealthyAt = timeline.lastIndexOf('healthy-delivered');
    const firstAbandonedAt = timeline.indexOf('slow-abandoned');
    // Every healthy delivery arrived while the slow endpoint's first requests were still hanging.
    expect(timeline.slice(0, allHealthyAt)).toContain('slow-hit');
    expect(firstAbandonedAt === -1 || firstAbandonedAt > allHealthyAt).toBe(true);
    expect(new Set(healthy.hits('/ok').map((hit) => hit.headers['webhook-id'])).size).toBe(EVENT_COUNT);

    // The first attempts time out; after THRESHOLD of them the circuit opens.
    await slow.waitFor(
      () => timeline.filter((entry) => entry === 'slow-abandoned').length >= THRESHOLD,
      20_000,
      'the first attempts to time out',
    );
    // Two cool-downs with the endpoint still down: only probes may reach it.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const hitsWhileDown = slow.hits('/slow').length;
    // Before the circuit opens: THRESHOLD attempts in flight (the per-endpoint limit is THRESHOLD too),
    // plus up to THRESHOLD - 1 sent into the slots the first timeouts freed. After it: one probe at a
    // time, each hanging 3 s then re-opening for a 2 s cool-down, so at most two in the 7.5 s since.
    // Without the breaker every one of the EVENT_COUNT deliveries would have been tried.
    expect(hitsWhileDown).toBeGreaterThanOrEqual(THRESHOLD);
    expect(hitsWhileDown).toBeLessThanOrEqual(THRESHOLD + (THRESHOLD - 1) + 2);

    isSlowDown = false;
    // A probe still hanging now gets its answer, as a recovering server would give it.
    for (const { response, webhookId } of held) {
      if (response.writableEnded || response.destroyed) continue;
      delivered.add(webhookId);
      response.writeHead(200).end('ok');
    }
    await eventually(
      async () => delivered.size >= EVENT_COUNT,
      60_000,
      'every postponed delivery to arrive after recovery',
    );
    const sent = new Set(healthy.hits('/ok').map((hit) => String(hit.headers['webhook-id'])));
    expect(delivered).toEqual(sent);
    const failureLogs = await service.api('GET', '/v1/failure-logs?limit=50');
    expect(failureLogs.body.items).toEqual([]);
  });
});
