/**
 * An open circuit postpones, it never spends attempts: end to end on the local runtime, with a
 * 2-request threshold, a 3 s cool-down and a 2 s retry schedule, so deliveries' schedules end while
 * the circuit is open.
 *
 * - A receiver that keeps failing (through several retry gaps, the circuit opening and half-opening):
 *   every delivery ends in a failure log whose attempts are exactly the requests the receiver saw for
 *   it; those given up behind the open circuit cite a request that really failed; the webhook's
 *   health counts exactly the requests the receiver saw.
 * - A receiver that comes back while the circuit is open: every delivery arrives after the next
 *   probe, none ends in a failure log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageCreatedEntry, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/down', (_hit, response) => response.writeHead(500).end('still down'));
  // Down for its first two requests (they open the circuit), back for every later one.
  receiver.on('/back', (_hit, response, hitNumber) =>
    hitNumber <= 2 ? response.writeHead(500).end('down') : response.writeHead(200).end('ok'),
  );
  service = await startTestService({
    RETRY_SCHEDULE: '1,1',
    CIRCUIT_FAILURE_THRESHOLD: '2',
    CIRCUIT_COOLDOWN_MS: '3000',
    LOCAL_DELIVERY_THREADS: '1',
  });
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

async function createWebhook(path: string): Promise<string> {
  const created = await service.api('POST', '/v1/webhooks', {
    name: `circuit ${path}`,
    events: ['message.created'],
    url: receiver.url(path),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** Publishes two events, waits until both failed once (the circuit is open), then publishes `more`. */
async function openTheCircuitThenPublish(prefix: string, path: string, more: number): Promise<string[]> {
  const ids = Array.from({ length: 2 + more }, (_, index) => `${prefix}_${index}`);
  expect(
    (await service.publish([0, 1].map((index) => messageCreatedEntry(prefix, index)))).FailedEntryCount,
  ).toBe(0);
  await receiver.waitFor(
    () => receiver.hits(path).length >= 2,
    20_000,
    'the two requests that open the circuit',
  );
  const rest = Array.from({ length: more }, (_, index) => messageCreatedEntry(prefix, index + 2));
  expect((await service.publish(rest)).FailedEntryCount).toBe(0);
  return ids;
}

const hitsOf = (path: string, eventId: string) =>
  receiver.hits(path).filter((hit) => hit.headers['webhook-id'] === eventId);

describe('an open circuit postpones without spending attempts', () => {
  it('a receiver failing through several gaps: failure logs list only real requests and cite the evidence; health counts what the receiver saw', async () => {
    const webhookId = await createWebhook('/down');
    const ids = await openTheCircuitThenPublish('down', '/down', 6);

    const logs = await eventually(
      async () => {
        const page = await service.api('GET', `/v1/failure-logs?webhookId=${webhookId}&limit=50`);
        return page.body.items.length >= ids.length ? (page.body.items as FailureLogView[]) : undefined;
      },
      60_000,
      'a failure log for every delivery',
    );
    expect(logs.map((log) => log.eventId).sort()).toEqual([...ids].sort());
    for (const log of logs) {
      // Each attempt is one request the receiver saw for this event, and nothing else is an attempt.
      expect(log.attemptCount, log.eventId).toBe(hitsOf('/down', log.eventId).length);
      expect(log.attempts).toHaveLength(log.attemptCount);
      for (const attempt of log.attempts) expect(attempt.statusCode).toBe(500);
      if (log.givenUpReason === undefined) continue;
      // Given up behind the open circuit: on a request that really failed, which the log cites.
      expect(log.evidence?.statusCode).toBe(500);
      expect(log.givenUpReason).toContain(`the request to the webhook at ${log.evidence?.at} answered 500`);
      const evidenceAt = Date.parse(log.evidence?.at ?? '');
      expect(receiver.hits('/down').some((hit) => Math.abs(hit.at - evidenceAt) < 1_000)).toBe(true);
    }
    // The circuit did its job: most deliveries were never sent more than once, and some never.
    expect(logs.filter((log) => log.givenUpReason !== undefined).length).toBeGreaterThan(0);
    expect(receiver.hits('/down').length).toBeLessThan(ids.length * 3);

    const health = await eventually(
      async () => {
        const read = await service.api('GET', `/v1/webhooks/${webhookId}`);
        const counted = read.body.health as { failed24h: number; succeeded24h: number } | undefined;
        return counted?.failed24h === receiver.hits('/down').length ? counted : undefined;
      },
      30_000,
      'health to count the requests the receiver saw',
    );
    expect(health).toMatchObject({ succeeded24h: 0, failed24h: receiver.hits('/down').length });
  });

  it('a receiver back while the circuit is open gets every delivery after the next probe, no failure log', async () => {
    const webhookId = await createWebhook('/back');
    const ids = await openTheCircuitThenPublish('back', '/back', 4);

    // Delivered means answered 200: a delivery given up is never sent again, so each id's success
    // proves none of them ended in a failure log.
    await receiver.waitFor(
      () =>
        ids.every((id) => hitsOf('/back', id).length > 0) && receiver.hits('/back').length >= ids.length + 2,
      30_000,
      'every delivery to reach the receiver that came back',
    );
    const firstTwo = ids.slice(0, 2).map((id) => hitsOf('/back', id).length);
    expect(firstTwo).toEqual([2, 2]);
    const page = await service.api('GET', `/v1/failure-logs?webhookId=${webhookId}`);
    expect(page.body.items).toEqual([]);
    const deliveries = await eventually(
      async () => {
        const list = await service.api('GET', `/v1/deliveries?webhookId=${webhookId}&limit=50`);
        const items = list.body.items as { eventId: string; status: string; attemptCount: number }[];
        return items.length === ids.length && items.every((item) => item.status === 'succeeded')
          ? items
          : undefined;
      },
      15_000,
      'the delivery log to show every delivery succeeded',
    );
    // The two that failed before the circuit opened made two requests; the others one: postponements are no attempts.
    expect(
      Object.fromEntries(deliveries.map((delivery) => [delivery.eventId, delivery.attemptCount])),
    ).toEqual(Object.fromEntries(ids.map((id, index) => [id, index < 2 ? 2 : 1])));
  });
});

interface FailureLogView {
  eventId: string;
  attemptCount: number;
  attempts: { statusCode?: number }[];
  givenUpReason?: string;
  evidence?: { at: string; statusCode?: number };
}
