import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSender } from '#adapters/http-sender';
import { secretContext } from '#app/credentials';
import type { DeadLetteredTask } from '#app/dead-letters';
import { deliverGroup, deliverTask, processDeliveryBatch } from '#app/deliver';
import type { Config } from '#config';
import type { DeliveryTask, StoredWebhook } from '#domain/model';
import { generateSigningSecret } from '#domain/signing';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver';

const DAY_MS = 86_400_000;
const sender = createHttpSender({
  resolver: { resolve: async () => ['127.0.0.1'] },
  allowInsecureLocalhost: true,
  maxConcurrencyPerEndpoint: 4,
});
let receiver: LoopbackReceiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterEach(() => {
  receiver.received.length = 0;
});
afterAll(async () => {
  await receiver.close();
  await sender.close();
});

function servicesFor(config: Partial<Config> = {}): TestServices {
  const services = createTestServices({ sender, config: { RETRY_SCHEDULE: [5, 300, 1800], ...config } });
  // The standardwebhooks verifier checks webhook-timestamp against the real clock.
  services.clock.set(new Date());
  return services;
}

async function storeWebhook(
  services: TestServices,
  overrides: Partial<StoredWebhook> = {},
  secrets: { secret: string; expiresAt?: string }[] = [],
): Promise<StoredWebhook> {
  const base = webhookFixture({ url: receiver.url, ...overrides });
  const signingSecrets = await Promise.all(
    secrets.map(async ({ secret, expiresAt }) => ({
      encryptedSecret: await services.cipher.encrypt(secret, secretContext(base)),
      createdAt: base.createdAt,
      ...(expiresAt ? { expiresAt } : {}),
    })),
  );
  const webhook = { ...base, signingSecrets, signing: { enabled: secrets.length > 0 } };
  await services.webhooks.create(webhook);
  return webhook;
}

function taskFor(webhook: StoredWebhook, overrides: Partial<DeliveryTask> = {}): DeliveryTask {
  return {
    tenantId: webhook.tenantId,
    webhookId: webhook.id,
    event: {
      id: 'evt_01',
      type: 'message.created',
      timestamp: '2026-03-01T11:59:00.000Z',
      tenantId: webhook.tenantId,
      brandId: 'brand-1',
      data: { conversationId: 'c-1' },
    },
    attempts: [],
    ...overrides,
  };
}

/** A loopback URL nobody listens on: every attempt is refused at once. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}

function headerMap(index: number): Record<string, string> {
  const headers = receiver.received[index]?.headers ?? {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

describe('deliverTask', () => {
  it('POSTs the signed envelope with authentication and custom headers, and nothing follows a 2xx', async () => {
    const services = servicesFor();
    const secret = generateSigningSecret();
    const webhook = await storeWebhook(
      services,
      {
        authentication: {
          type: 'basic',
          username: 'ops',
          encryptedPassword: await services.cipher.encrypt('s3cret', 'tenant-a/wh_1'),
        },
        headers: { 'x-team': 'support' },
      },
      [{ secret }],
    );

    const result = await deliverTask(services, taskFor(webhook));

    expect(result.status).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0]!;
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toEqual({
      id: 'evt_01',
      type: 'message.created',
      timestamp: '2026-03-01T11:59:00.000Z',
      tenantId: 'tenant-a',
      brandId: 'brand-1',
      data: { conversationId: 'c-1' },
    });
    const headers = headerMap(0);
    expect(headers['user-agent']).toBe('chat-webhooks/0.1.0');
    expect(headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    expect(headers['x-team']).toBe('support');
    expect(new Webhook(secret).verify(request.body, headers)).toEqual(JSON.parse(request.body));
    expect(services.deliveryQueue.delayed).toHaveLength(0);
    expect(services.deliveryQueue.deadLettered).toHaveLength(0);
  });

  it('signs with the current and the rotated-out secret until the old one expires', async () => {
    const services = servicesFor();
    const current = generateSigningSecret();
    const previous = generateSigningSecret();
    const expired = generateSigningSecret();
    const now = services.clock.now().getTime();
    const webhook = await storeWebhook(services, {}, [
      { secret: previous, expiresAt: new Date(now + DAY_MS).toISOString() },
      { secret: current },
      { secret: expired, expiresAt: new Date(now - 1000).toISOString() },
    ]);

    await deliverTask(services, taskFor(webhook));

    const headers = headerMap(0);
    const body = receiver.received[0]!.body;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(expired).verify(body, headers)).toThrow();
  });

  it('schedules a failed attempt after the first scheduled delay, keeping the attempt', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 500, body: 'upstream broke' });
    const attemptAt = services.clock.now();

    const result = await deliverTask(services, taskFor(webhook));

    expect(result).toMatchObject({ status: 'retry-scheduled', delaySeconds: 5 });
    const [scheduled] = services.deliveryQueue.delayed;
    expect(scheduled?.delaySeconds).toBe(5);
    expect(scheduled?.task.notBefore).toBe(new Date(attemptAt.getTime() + 5000).toISOString());
    expect(scheduled?.task.attempts).toEqual([
      {
        at: attemptAt.toISOString(),
        statusCode: 500,
        durationMs: expect.any(Number),
        responseSnippet: 'upstream broke',
        ...(scheduled?.task.attempts[0]?.error ? { error: scheduled.task.attempts[0].error } : {}),
      },
    ]);
    expect(scheduled?.task.event.id).toBe('evt_01');
  });

  it('honours a Retry-After longer than the schedule, and not a shorter one', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    receiver.respondWith(
      { status: 503, headers: { 'retry-after': '120' } },
      { status: 429, headers: { 'retry-after': '10' } },
    );
    const previousAttempt = { at: '2026-03-01T11:59:10.000Z', statusCode: 500, durationMs: 3 };

    const first = await deliverTask(services, taskFor(webhook));
    const second = await deliverTask(services, taskFor(webhook, { attempts: [previousAttempt] }));

    expect(first).toMatchObject({ status: 'retry-scheduled', delaySeconds: 120 });
    expect(second).toMatchObject({ status: 'retry-scheduled', delaySeconds: 300 });
    expect(services.deliveryQueue.delayed.map((entry) => entry.delaySeconds)).toEqual([120, 300]);
    expect(services.deliveryQueue.delayed[1]?.task.attempts).toHaveLength(2);
  });

  it('hands the task to the dead-letter queue when its last attempt fails', async () => {
    const services = servicesFor({ RETRY_SCHEDULE: [1, 2] });
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 410 });
    const earlier = [
      { at: '2026-03-01T11:59:00.000Z', statusCode: 500, durationMs: 3 },
      { at: '2026-03-01T11:59:01.000Z', error: 'timeout after 10000 ms', durationMs: 10000 },
    ];

    const result = await deliverTask(services, taskFor(webhook, { attempts: earlier }));

    expect(result.status).toBe('dead-lettered');
    expect(services.deliveryQueue.delayed).toHaveLength(0);
    const [dead] = services.deliveryQueue.deadLettered as DeadLetteredTask[];
    expect(dead?.attempts).toHaveLength(3);
    expect(dead?.attempts[2]?.statusCode).toBe(410);
    expect(dead).toMatchObject({ webhookName: 'Orders hook', url: receiver.url });
  });

  it('re-enqueues an early task for the time left, without sending', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    const notBefore = new Date(services.clock.now().getTime() + 2_000_500).toISOString();

    const result = await deliverTask(services, taskFor(webhook, { notBefore }));

    expect(result).toEqual({ status: 'postponed', delaySeconds: 2001 });
    expect(services.deliveryQueue.delayed[0]).toMatchObject({ delaySeconds: 2001, task: { notBefore } });
    expect(receiver.received).toHaveLength(0);
  });

  it('sends a task that is due within a second', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    const notBefore = new Date(services.clock.now().getTime() + 500).toISOString();
    await expect(deliverTask(services, taskFor(webhook, { notBefore }))).resolves.toMatchObject({
      status: 'delivered',
    });
    expect(receiver.received).toHaveLength(1);
  });

  it.each([
    ['deleted', null, 'webhook deleted'],
    ['inactive', { status: 'inactive' as const }, 'webhook inactive'],
    [
      'unsubscribed from the type',
      { events: ['conversation.created'] },
      'webhook no longer subscribed to this event type',
    ],
    ['narrowed to another brand', { brandId: 'brand-2' }, 'webhook no longer subscribed to this brand'],
  ] satisfies [string, Partial<StoredWebhook> | null, string][])(
    'drops the task silently when the webhook was %s after enqueue',
    async (_case, change, reason) => {
      const services = servicesFor();
      const webhook = await storeWebhook(services);
      if (change === null) await services.webhooks.delete(webhook.tenantId, webhook.id);
      else await services.webhooks.update({ ...webhook, ...change, version: 2 }, 1);

      const result = await deliverTask(services, taskFor(webhook));

      expect(result).toEqual({ status: 'dropped', reason });
      expect(receiver.received).toHaveLength(0);
      expect(services.deliveryQueue.delayed).toHaveLength(0);
    },
  );

  it('stamps and signs each attempt when it goes on the wire, not before a wait for a sender slot', async () => {
    const services = servicesFor();
    const secret = generateSigningSecret();
    const webhook = await storeWebhook(services, {}, [{ secret }]);
    let onTheWire: { headers: Record<string, string>; body: string; at: Date } | undefined;
    // Stands in for a sender whose per-endpoint slots are all taken for 90 s (the clock moves instead).
    services.sender = {
      send: async (request, { admit }) => {
        services.clock.advance(90_000);
        if (admit && !admit()) return { isSuccess: false, isNotSent: true, error: 'not sent', durationMs: 0 };
        onTheWire = { headers: { ...request.headers }, body: request.body, at: services.clock.now() };
        return { isSuccess: false, statusCode: 500, durationMs: 1 };
      },
    };

    await deliverTask(services, taskFor(webhook));

    const sentAt = onTheWire?.at as Date;
    expect(onTheWire?.headers['webhook-timestamp']).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    const verifier = new Webhook(secret);
    expect(verifier.verify(onTheWire?.body ?? '', onTheWire?.headers ?? {})).toMatchObject({ id: 'evt_01' });
    expect(services.deliveryQueue.delayed[0]?.task.attempts[0]?.at).toBe(sentAt.toISOString());
  });

  it('sends webhook.test tasks whatever the subscription', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services, { events: ['conversation.created'], brandId: 'brand-9' });
    const task = taskFor(webhook);
    const result = await deliverTask(services, { ...task, event: { ...task.event, type: 'webhook.test' } });
    expect(result.status).toBe('delivered');
  });
});

describe('webhook health', () => {
  it('deactivates a webhook that failed continuously for AUTO_DISABLE_AFTER_DAYS, dead-lettering the trigger', async () => {
    const services = servicesFor({ AUTO_DISABLE_AFTER_DAYS: 1 });
    const webhook = await storeWebhook(services);
    const start = services.clock.now();
    // Retries at most 1800 s apart: a failure every 5 minutes is continuous evidence.
    const stepMs = 5 * 60_000;
    const failuresBeforeDue = Math.ceil(DAY_MS / stepMs);
    receiver.respondWith(...Array.from({ length: failuresBeforeDue + 1 }, () => ({ status: 500 })));

    expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'retry-scheduled' });
    let stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ status: 'active', failingSince: start.toISOString() });
    for (let index = 1; index < failuresBeforeDue; index++) {
      services.clock.advance(stepMs);
      expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'retry-scheduled' });
    }
    stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ status: 'active', failingSince: start.toISOString() });
    expect(services.notices.disabled).toHaveLength(0);

    services.clock.advance(stepMs);
    // The delivery that triggers the deactivation is not retried into a dropped task: it is dead-lettered.
    expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'dead-lettered' });
    expect(services.deliveryQueue.deadLettered).toHaveLength(1);
    stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    const reason = `Deliveries failed without a single success since ${start.toISOString()}`;
    expect(stored).toMatchObject({ status: 'inactive', disabledReason: reason });
    expect(stored?.failingSince).toBeUndefined();
    expect(services.notices.disabled).toEqual([
      { tenantId: 'tenant-a', webhookId: 'wh_1', reason, at: services.clock.now().toISOString() },
    ]);
    // Evidence costs a few webhook writes per evidence gap, not one per failure.
    expect(stored?.version).toBeLessThan(failuresBeforeDue / 3);

    services.clock.advance(60_000);
    expect(await deliverTask(services, taskFor(webhook))).toEqual({
      status: 'dropped',
      reason: 'webhook inactive',
    });
  });

  it('two failures far apart with nothing between them do not deactivate (issue 10 item 3)', async () => {
    const services = servicesFor({ AUTO_DISABLE_AFTER_DAYS: 1, RETRY_SCHEDULE: [1] });
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 500 }, { status: 500 }, { status: 500 });
    // The first event fails all its attempts.
    await deliverTask(services, taskFor(webhook));
    services.clock.advance(1_000);
    await deliverTask(
      services,
      taskFor(webhook, { attempts: [{ at: 'x', durationMs: 1, statusCode: 500 }] }),
    );
    // Nothing for longer than the window; then a second event's first attempt fails.
    services.clock.advance(2 * DAY_MS);
    const second = await deliverTask(
      services,
      taskFor(webhook, { event: { ...taskFor(webhook).event, id: 'evt_02' } }),
    );
    expect(second).toMatchObject({ status: 'retry-scheduled' });
    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ status: 'active', failingSince: services.clock.now().toISOString() });
    expect(services.notices.disabled).toHaveLength(0);
  });

  it('a 410 Gone deactivates at once, publishes webhook.disabled and dead-letters the delivery (issue 10 item 1)', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services, { id: 'wh_gone' });
    receiver.respondWith({ status: 410 });
    const result = await deliverTask(services, taskFor(webhook));
    expect(result).toMatchObject({ status: 'dead-lettered', attempt: { statusCode: 410 } });
    expect(services.deliveryQueue.deadLettered).toHaveLength(1);
    expect(services.deliveryQueue.delayed).toHaveLength(0);
    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored?.status).toBe('inactive');
    expect(stored?.disabledReason).toMatch(/410 Gone/);
    expect(services.notices.disabled).toEqual([
      expect.objectContaining({ webhookId: 'wh_gone', reason: stored?.disabledReason }),
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it('clears the failing period after a success', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services, { failingSince: '2026-02-27T00:00:00.000Z' });

    await deliverTask(services, taskFor(webhook));

    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored?.failingSince).toBeUndefined();
    expect(stored?.version).toBe(2);
  });

  it('re-reads and retries once when an admin changed the webhook concurrently', async () => {
    const services = servicesFor({ LOOKUP_CACHE_TTL_MS: 60_000 });
    const webhook = await storeWebhook(services);
    await deliverTask(services, taskFor(webhook)); // caches version 1
    await services.webhooks.update({ ...webhook, description: 'edited', version: 2 }, 1);
    receiver.respondWith({ status: 500 });

    await deliverTask(services, taskFor(webhook));

    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ description: 'edited', version: 3, failingSince: expect.any(String) });
  });
});

describe('processDeliveryBatch', () => {
  it('reports only unreadable records and infrastructure failures, not endpoint failures', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 500 });

    const endpointFailure = await processDeliveryBatch(services, [
      { messageId: 'm-fail', body: JSON.stringify(taskFor(webhook)) },
      { messageId: 'm-junk', body: '{"not":"a task"}' },
      { messageId: 'm-text', body: 'not json' },
    ]);
    expect(endpointFailure.batchItemFailures).toEqual([
      { itemIdentifier: 'm-junk' },
      { itemIdentifier: 'm-text' },
    ]);
    expect(services.deliveryQueue.delayed).toHaveLength(1);

    services.deliveryQueue.isUnavailable = true;
    receiver.respondWith({ status: 500 });
    const queueDown = await processDeliveryBatch(services, [
      { messageId: 'm-retry', body: JSON.stringify(taskFor(webhook)) },
    ]);
    expect(queueDown.batchItemFailures).toEqual([{ itemIdentifier: 'm-retry' }]);

    const storeDown = createTestServices({ sender, config: { LOOKUP_CACHE_TTL_MS: 0 } });
    storeDown.webhooks.isUnavailable = true;
    const result = await processDeliveryBatch(storeDown, [
      { messageId: 'm-store', body: JSON.stringify(taskFor(webhook)) },
      {
        messageId: 'm-ok',
        body: JSON.stringify({ ...taskFor(webhook), notBefore: '2999-01-01T00:00:00.000Z' }),
      },
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-store' }]);
  });
});

describe('circuit breaker per destination', () => {
  const circuitConfig = {
    RETRY_SCHEDULE: [60, 600],
    CIRCUIT_FAILURE_THRESHOLD: 2,
    CIRCUIT_COOLDOWN_MS: 30_000,
  };

  it('after the threshold, postpones deliveries to that origin without using an attempt; others still go', async () => {
    const services = servicesFor(circuitConfig);
    const dead = await storeWebhook(services, { id: 'wh_dead', url: await deadUrl() });
    const healthy = await storeWebhook(services, { id: 'wh_ok' });

    expect(await deliverTask(services, taskFor(dead))).toMatchObject({ status: 'retry-scheduled' });
    expect(await deliverTask(services, taskFor(dead))).toMatchObject({ status: 'retry-scheduled' });
    const previous = { at: '2026-03-01T11:58:00.000Z', error: 'connection refused', durationMs: 1 };
    const refused = await deliverTask(services, taskFor(dead, { attempts: [previous] }));

    expect(refused).toEqual({ status: 'postponed', delaySeconds: 30, reason: 'circuit-open' });
    const postponed = services.deliveryQueue.delayed[2];
    expect(postponed?.delaySeconds).toBe(30);
    expect(postponed?.task.attempts).toEqual([previous]);
    expect(postponed?.task.circuitPostponedSeconds).toBe(30);
    expect(postponed?.task.notBefore).toBe(new Date(services.clock.now().getTime() + 30_000).toISOString());
    expect(await deliverTask(services, taskFor(healthy))).toMatchObject({ status: 'delivered' });
    expect(receiver.received).toHaveLength(1);
  });

  it('lets one probe through after the cool-down, and a success closes the circuit', async () => {
    const services = servicesFor(circuitConfig);
    const flaky = await storeWebhook(services, { id: 'wh_flaky' });
    receiver.respondWith({ status: 502 }, { status: 503 });
    await deliverTask(services, taskFor(flaky));
    await deliverTask(services, taskFor(flaky));
    expect(await deliverTask(services, taskFor(flaky))).toMatchObject({ reason: 'circuit-open' });
    expect(receiver.received).toHaveLength(2);

    services.clock.advance(30_000);
    expect(await deliverTask(services, taskFor(flaky))).toMatchObject({ status: 'delivered' });
    expect(await deliverTask(services, taskFor(flaky))).toMatchObject({ status: 'delivered' });
    expect(receiver.received).toHaveLength(4);
  });

  it('counts the refusal as a failed attempt once the retry schedule left is spent waiting', async () => {
    const services = servicesFor(circuitConfig);
    const dead = await storeWebhook(services, { id: 'wh_dead', url: await deadUrl() });
    await deliverTask(services, taskFor(dead));
    await deliverTask(services, taskFor(dead));
    const attempts = [{ at: '2026-03-01T11:58:00.000Z', error: 'connection refused', durationMs: 1 }];

    // One attempt made: 600 s of schedule left, 590 already spent waiting for the circuit.
    const result = await deliverTask(services, taskFor(dead, { attempts, circuitPostponedSeconds: 590 }));

    expect(result).toMatchObject({ status: 'retry-scheduled', delaySeconds: 600 });
    const scheduled = services.deliveryQueue.delayed.at(-1);
    expect(scheduled?.task.attempts).toHaveLength(2);
    expect(scheduled?.task.attempts[1]).toMatchObject({
      error: expect.stringMatching(/^not sent: the circuit/),
    });

    const last = await deliverTask(services, {
      ...taskFor(dead, { attempts: scheduled?.task.attempts ?? [] }),
      circuitPostponedSeconds: 590,
    });
    expect(last.status).toBe('dead-lettered');
    expect(services.deliveryQueue.deadLettered[0]?.attempts).toHaveLength(3);
  });

  it('a 4xx answer does not count against the circuit', async () => {
    const services = servicesFor(circuitConfig);
    const webhook = await storeWebhook(services, { id: 'wh_missing' });
    receiver.respondWith({ status: 404 }, { status: 404 }, { status: 404 });
    for (let index = 0; index < 3; index++) {
      expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'retry-scheduled' });
    }
    expect(receiver.received).toHaveLength(3);
  });
});

describe('group tasks (one message per event)', () => {
  function groupFor(webhookIds: string[]): DeliveryTask {
    const [first = ''] = webhookIds;
    return { ...taskFor(webhookFixture({ id: first })), webhookIds };
  }

  it('delivers to each webhook; only the failed one continues, as its own single task', async () => {
    const services = servicesFor();
    await storeWebhook(services, { id: 'wh_a' });
    await storeWebhook(services, { id: 'wh_b', headers: { 'x-hook': 'b' } });
    await storeWebhook(services, { id: 'wh_down', url: await deadUrl() });
    await storeWebhook(services, { id: 'wh_off', status: 'inactive' });
    const attemptAt = services.clock.now();

    const result = await processDeliveryBatch(services, [
      {
        messageId: 'm-group',
        body: JSON.stringify(groupFor(['wh_a', 'wh_down', 'wh_b', 'wh_off', 'wh_gone'])),
      },
    ]);

    expect(result.batchItemFailures).toEqual([]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual(['evt_01', 'evt_01']);
    expect(receiver.received.map((request) => request.headers['x-hook'] ?? null).sort()).toEqual(['b', null]);
    expect(services.deliveryQueue.delayed).toHaveLength(1);
    const [retry] = services.deliveryQueue.delayed;
    expect(retry?.delaySeconds).toBe(5);
    expect(retry?.task).not.toHaveProperty('webhookIds');
    expect(retry?.task).toMatchObject({
      webhookId: 'wh_down',
      notBefore: new Date(attemptAt.getTime() + 5000).toISOString(),
      attempts: [{ at: attemptAt.toISOString(), error: expect.any(String) }],
      event: { id: 'evt_01' },
    });
    expect(services.deliveryQueue.deadLettered).toEqual([]);
  });

  it('reports each webhook’s outcome, and dead-letters a member whose only attempt failed', async () => {
    const services = servicesFor({ RETRY_SCHEDULE: [] });
    await storeWebhook(services, { id: 'wh_a' });
    await storeWebhook(services, { id: 'wh_down', url: await deadUrl() });

    const results = await deliverGroup(services, groupFor(['wh_a', 'wh_down', 'wh_gone']));

    expect(results.map(({ webhookId, result }) => [webhookId, result.status])).toEqual([
      ['wh_a', 'delivered'],
      ['wh_down', 'dead-lettered'],
      ['wh_gone', 'dropped'],
    ]);
    const [dead] = services.deliveryQueue.deadLettered as DeadLetteredTask[];
    expect(dead).toMatchObject({ webhookId: 'wh_down', webhookName: 'Orders hook', attempts: [{}] });
    expect(dead).not.toHaveProperty('webhookIds');
  });

  it('leaves the group unacknowledged when a follow-up cannot be enqueued; redelivery loses nothing', async () => {
    const services = servicesFor();
    await storeWebhook(services, { id: 'wh_a' });
    await storeWebhook(services, { id: 'wh_down', url: await deadUrl() });
    const message = { messageId: 'm-group', body: JSON.stringify(groupFor(['wh_a', 'wh_down'])) };

    services.deliveryQueue.isUnavailable = true;
    const first = await processDeliveryBatch(services, [message]);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-group' }]);
    expect(receiver.received).toHaveLength(1);

    services.deliveryQueue.isUnavailable = false;
    const again = await processDeliveryBatch(services, [message]);
    expect(again.batchItemFailures).toEqual([]);
    // At-least-once: wh_a gets the event twice, with the same webhook-id to de-duplicate on.
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual(['evt_01', 'evt_01']);
    expect(services.deliveryQueue.delayed.map(({ task }) => task.webhookId)).toEqual(['wh_down']);
  });

  it('processes old single-task messages beside groups in one batch', async () => {
    const services = servicesFor();
    await storeWebhook(services, { id: 'wh_a' });
    await storeWebhook(services, { id: 'wh_b' });
    // Written by the version before group tasks: no webhookIds.
    const legacy =
      '{"tenantId":"tenant-a","webhookId":"wh_a","event":{"id":"evt_old","type":"message.created",' +
      '"timestamp":"2026-03-01T11:00:00.000Z","tenantId":"tenant-a","brandId":null,"data":{}},"attempts":[]}';

    const result = await processDeliveryBatch(services, [
      { messageId: 'm-old', body: legacy },
      { messageId: 'm-group', body: JSON.stringify(groupFor(['wh_a', 'wh_b'])) },
    ]);

    expect(result.batchItemFailures).toEqual([]);
    const ids = receiver.received.map((request) => request.headers['webhook-id']).sort();
    expect(ids).toEqual(['evt_01', 'evt_01', 'evt_old']);
  });

  it('hands members that wait too long for a sender slot off as single tasks, without an attempt', async () => {
    const services = servicesFor({ DELIVERY_TIMEOUT_MS: 1000 });
    let releaseSlow = () => {};
    const fastAdmitted = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    let admittedFast = 0;
    const sent: string[] = [];
    // Stands in for a sender whose per-endpoint slots are all taken: the slow member gets its slot
    // only after 2.5 attempt timeouts (the clock moves instead of the test waiting).
    services.sender = {
      send: async (request, { admit }) => {
        const isSlow = request.url.endsWith('/slow');
        if (isSlow) {
          await fastAdmitted;
          services.clock.advance(2500);
        }
        const isAdmitted = admit ? admit() : true;
        if (!isSlow && ++admittedFast === 2) releaseSlow();
        if (!isAdmitted) return { isSuccess: false, isNotSent: true, error: 'not sent', durationMs: 0 };
        sent.push(request.url);
        return { isSuccess: true, statusCode: 200, durationMs: 1 };
      },
    };
    await storeWebhook(services, { id: 'wh_a', url: 'https://a.example/hook' });
    await storeWebhook(services, { id: 'wh_slow', url: 'https://slow.example/slow' });
    await storeWebhook(services, { id: 'wh_b', url: 'https://b.example/hook' });

    const results = await deliverGroup(services, groupFor(['wh_a', 'wh_slow', 'wh_b']));

    expect(results.map(({ result }) => result.status)).toEqual(['delivered', 'postponed', 'delivered']);
    expect(results[1]?.result).toEqual({ status: 'postponed', delaySeconds: 0, reason: 'group-slot-wait' });
    expect(sent.sort()).toEqual(['https://a.example/hook', 'https://b.example/hook']);
    expect(services.deliveryQueue.delayed).toEqual([
      { task: taskFor(webhookFixture({ id: 'wh_slow' })), delaySeconds: 0 },
    ]);

    // On its own, the same delivery has no slot budget and goes out whatever the wait.
    const alone = await deliverTask(services, services.deliveryQueue.delayed[0]!.task);
    expect(alone.status).toBe('delivered');
  });
});
