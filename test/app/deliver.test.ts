import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { secretContext } from '#app/credentials';
import type { DeadLetteredTask } from '#app/dead-letters';
import { deliverGroup, deliverTask, processDeliveryBatch } from '#app/deliver';
import { createDeliveryAdmission } from '#app/endpoint-circuits';
import { flushHealthCounters, readWebhookHealth } from '#app/health-counters';
import type { Config } from '#config';
import type { DeliveryTask } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { generateSigningSecret } from '#domain/signing';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const DAY_MS = 86_400_000;
const { sender, receiver } = loopbackDeliverySuite({ clearAfterEach: true });

/** The failing period's start as the webhook's health item stores it (undefined: none open). */
async function failingSinceOf(services: TestServices, webhook: Pick<StoredWebhook, 'tenantId' | 'id'>) {
  return (await services.webhookHealth.failingPeriod(webhook.tenantId, webhook.id)).period?.failingSince;
}

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
        // Where it went: the URL's host and port at the time of this attempt.
        host: new URL(webhook.url).host,
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

  it('reads the webhook afresh for every attempt: an edit applies to the next attempt, a deactivation ends retries', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    receiver.respondWith({ status: 500 });
    expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'retry-scheduled' });
    const retry = services.deliveryQueue.delayed[0]?.task as DeliveryTask;

    const failing = (await services.webhooks.get(webhook.tenantId, webhook.id)) as StoredWebhook;
    await services.webhooks.update(
      { ...failing, headers: { 'x-edited': 'yes' }, version: failing.version + 1 },
      failing.version,
    );
    expect(await deliverTask(services, { ...retry, notBefore: undefined })).toMatchObject({
      status: 'delivered',
    });
    expect(headerMap(1)['x-edited']).toBe('yes');

    const edited = (await services.webhooks.get(webhook.tenantId, webhook.id)) as StoredWebhook;
    await services.webhooks.update(
      { ...edited, status: 'inactive', version: edited.version + 1 },
      edited.version,
    );
    expect(await deliverTask(services, { ...retry, notBefore: undefined })).toEqual({
      status: 'dropped',
      reason: 'webhook inactive',
    });
    expect(receiver.received).toHaveLength(2);
  });

  it('holds no slot while it reads, and reads again when its slot came after a wait: a deactivation during the wait ends it', async () => {
    const services = servicesFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 });
    services.admission = createDeliveryAdmission(services.deliveryPolicy.admission, services.clock, {
      slotWaitMs: 5_000,
    });
    const webhook = await storeWebhook(services);
    const key = `${webhook.tenantId}/${webhook.id}`;
    // A first attempt ends at once, so the webhook counts as fast and a second delivery may wait.
    expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'delivered' });
    const readsBefore = services.webhooks.reads;
    const held = await services.admission.admit(key);
    if (!held.isAdmitted) throw new Error('expected a slot');
    const timersBefore = services.clock.pendingTimers;
    const waiting = deliverTask(services, taskFor(webhook));
    // The event waited for, not a fixed time: its wait for the slot sets a timer on the manual clock
    // (which cannot fire by itself). It read once before asking for the slot, and waits for it now.
    await vi.waitFor(() => expect(services.clock.pendingTimers).toBeGreaterThan(timersBefore));
    expect(services.webhooks.reads).toBe(readsBefore + 1);
    await services.webhooks.update(
      { ...webhook, status: 'inactive', version: webhook.version + 1 },
      webhook.version,
    );
    held.lease.release('up');
    expect(await waiting).toEqual({ status: 'dropped', reason: 'webhook inactive' });
    expect(services.webhooks.reads).toBe(readsBefore + 2);
    expect(receiver.received).toHaveLength(1);
    // The slot it got was given back.
    expect((await services.admission.admit(key)).isAdmitted).toBe(true);
  });

  it('a request the sender cannot build is dead-lettered at once, counting against neither circuit nor health', async () => {
    const services = servicesFor({ CIRCUIT_FAILURE_THRESHOLD: 1 });
    // A value the API refuses today, as an older release may have stored it.
    const webhook = await storeWebhook(services, { headers: { 'x-name': 'caf\u00e9 \u20ac' } });

    const result = await deliverTask(services, taskFor(webhook));

    expect(result).toMatchObject({ status: 'dead-lettered' });
    const [dead] = services.deliveryQueue.deadLettered as DeadLetteredTask[];
    // Nothing went on the wire: no attempt, the reason beside the (empty) attempts.
    expect(dead?.attempts).toEqual([]);
    expect(dead?.givenUp?.reason).toMatch(
      /^not sent: the request could not be built \(invalid request: .*x-name/,
    );
    expect(receiver.received).toHaveLength(0);
    expect(await failingSinceOf(services, webhook)).toBeUndefined();
    // With a threshold of 1 a counted failure would have opened the circuit: the next delivery is tried.
    const fixed = { ...webhook, headers: {}, version: 2 };
    await services.webhooks.update(fixed, 1);
    expect(await deliverTask(services, taskFor(fixed))).toMatchObject({ status: 'delivered' });
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
    expect(stored).toMatchObject({ status: 'active' });
    expect(await failingSinceOf(services, webhook)).toBe(start.toISOString());
    for (let index = 1; index < failuresBeforeDue; index++) {
      services.clock.advance(stepMs);
      expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'retry-scheduled' });
    }
    stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ status: 'active' });
    expect(await failingSinceOf(services, webhook)).toBe(start.toISOString());
    expect(services.notices.disabled).toHaveLength(0);

    services.clock.advance(stepMs);
    // The delivery that triggers the deactivation is not retried into a dropped task: it is dead-lettered.
    expect(await deliverTask(services, taskFor(webhook))).toMatchObject({ status: 'dead-lettered' });
    expect(services.deliveryQueue.deadLettered).toHaveLength(1);
    stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    const reason = `Deliveries failed without a single success since ${start.toISOString()}`;
    expect(stored).toMatchObject({ status: 'inactive', disabledReason: reason });
    expect(await failingSinceOf(services, webhook)).toBeUndefined();
    expect(services.notices.disabled).toEqual([
      { tenantId: 'tenant-a', webhookId: 'wh_1', reason, at: services.clock.now().toISOString() },
    ]);
    // Evidence costs a few health writes per evidence gap, not one per failure; the webhook record is
    // written once, to deactivate it.
    expect(services.webhookHealth.periodWrites).toBeLessThan(failuresBeforeDue / 3);
    expect(stored?.version).toBe(2);

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
    expect(stored).toMatchObject({ status: 'active' });
    expect(await failingSinceOf(services, webhook)).toBe(services.clock.now().toISOString());
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

  it('clears the failing period after a success, on the health item alone', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    await services.webhookHealth.replaceFailingPeriod(
      webhook.tenantId,
      webhook.id,
      { expected: undefined, next: { failingSince: '2026-02-27T00:00:00.000Z' } },
      new Date('2100-01-01T00:00:00Z'),
    );

    await deliverTask(services, taskFor(webhook));

    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(await failingSinceOf(services, webhook)).toBeUndefined();
    // The webhook record is not written: its version (and the credentials cached by it) stay.
    expect(stored?.version).toBe(1);
  });

  it('does not race an admin who changed the webhook concurrently: health is written beside it', async () => {
    const services = servicesFor();
    const webhook = await storeWebhook(services);
    await services.webhooks.update({ ...webhook, description: 'edited', version: 2 }, 1);
    receiver.respondWith({ status: 500 });

    await deliverTask(services, taskFor(webhook));

    const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
    expect(stored).toMatchObject({ description: 'edited', version: 2 });
    expect(await failingSinceOf(services, webhook)).toEqual(expect.any(String));
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

    const storeDown = createTestServices({ sender });
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

describe('circuit breaker per webhook', () => {
  const circuitConfig = {
    RETRY_SCHEDULE: [60, 600],
    CIRCUIT_FAILURE_THRESHOLD: 2,
    CIRCUIT_COOLDOWN_MS: 30_000,
  };

  it('after the threshold, postpones that webhook’s deliveries without using an attempt; another webhook on the same host still goes', async () => {
    const services = servicesFor(circuitConfig);
    const dead = await storeWebhook(services, { id: 'wh_dead', url: `${receiver.url}/b` });
    // Another tenant's webhook on the very same host.
    const healthy = await storeWebhook(services, {
      id: 'wh_ok',
      tenantId: 'tenant-b',
      url: `${receiver.url}/a`,
    });
    receiver.respondWith({ status: 503 }, { status: 503 });

    expect(await deliverTask(services, taskFor(dead))).toMatchObject({ status: 'retry-scheduled' });
    expect(await deliverTask(services, taskFor(dead))).toMatchObject({ status: 'retry-scheduled' });
    // Tried a minute ago: well inside its 660 s schedule.
    const previous = {
      at: new Date(services.clock.now().getTime() - 60_000).toISOString(),
      error: 'connection refused',
      durationMs: 1,
    };
    const refused = await deliverTask(services, taskFor(dead, { attempts: [previous] }));

    // The 30 s cool-down plus the jitter of the test services' fixed draw (0.5 → +10 %).
    expect(refused).toEqual({ status: 'postponed', delaySeconds: 33, reason: 'circuit-open' });
    const postponed = services.deliveryQueue.delayed[2];
    expect(postponed?.delaySeconds).toBe(33);
    expect(postponed?.task.attempts).toEqual([previous]);
    expect(postponed?.task.firstTriedAt).toBe(previous.at);
    expect(postponed?.task.notBefore).toBe(new Date(services.clock.now().getTime() + 33_000).toISOString());
    expect(await deliverTask(services, taskFor(healthy))).toMatchObject({ status: 'delivered' });
    expect(receiver.received.map((request) => request.path)).toEqual(['/hook/b', '/hook/b', '/hook/a']);
    expect(await failingSinceOf(services, { tenantId: 'tenant-b', id: 'wh_ok' })).toBeUndefined();
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

  it('notes an opening in the webhook’s health, which shows it only while it lasts and no attempt succeeded since', async () => {
    const services = servicesFor(circuitConfig);
    const flaky = await storeWebhook(services, { id: 'wh_flaky' });
    receiver.respondWith({ status: 502 }, { status: 503 });
    await deliverTask(services, taskFor(flaky));
    await deliverTask(services, taskFor(flaky));
    await flushHealthCounters(services);
    const openUntil = new Date(services.clock.now().getTime() + 30_000).toISOString();
    const healthOf = async () => (await readWebhookHealth(services, flaky.tenantId, [flaky])).get(flaky.id);
    expect(await healthOf()).toMatchObject({ circuitOpenUntil: openUntil, lastOutcome: 'failed' });
    // Another tenant's webhook of the same id reads no circuit of it.
    expect(
      (await readWebhookHealth(services, 'tenant-b', [flaky])).get(flaky.id)?.circuitOpenUntil,
    ).toBeUndefined();

    // Once the cool-down is over the circuit is no longer said to be open (a probe may go out).
    services.clock.advance(30_000);
    expect((await healthOf())?.circuitOpenUntil).toBeUndefined();
    // The circuit re-opens when its probe fails; a success afterwards (from any process) ends it.
    receiver.respondWith({ status: 503 });
    await deliverTask(services, taskFor(flaky));
    await flushHealthCounters(services);
    expect((await healthOf())?.circuitOpenUntil).toBeDefined();
    await services.webhookHealth.add(flaky.tenantId, flaky.id, {
      counts: [{ hour: Math.floor(services.clock.now().getTime() / 3_600_000), succeeded: 1, failed: 0 }],
      last: { at: services.clock.now().toISOString(), statusCode: 204, outcome: 'succeeded' },
    });
    expect((await healthOf())?.circuitOpenUntil).toBeUndefined();
  });

  it('past its schedule, gives a delivery up only on a request that failed after the schedule ended, citing it, without an attempt or a health count', async () => {
    const services = servicesFor(circuitConfig);
    const dead = await storeWebhook(services, { id: 'wh_dead', url: await deadUrl() });
    await deliverTask(services, taskFor(dead));
    await deliverTask(services, taskFor(dead));
    const openedAt = services.clock.now();
    // First tried 700 s ago: the 660 s schedule ended 40 s before the request that opened the circuit.
    const attempts = [
      {
        at: new Date(openedAt.getTime() - 700_000).toISOString(),
        error: 'connection refused',
        durationMs: 1,
      },
    ];
    services.clock.advance(1_000);

    const result = await deliverTask(services, taskFor(dead, { attempts }));

    expect(result).toMatchObject({ status: 'dead-lettered', givenUp: { reason: expect.any(String) } });
    expect(result).not.toHaveProperty('attempt');
    const [given] = services.deliveryQueue.deadLettered as DeadLetteredTask[];
    expect(given?.attempts).toEqual(attempts);
    expect(given?.givenUp?.evidence).toEqual({
      at: openedAt.toISOString(),
      error: expect.stringMatching(/ECONNREFUSED|refused/),
    });
    expect(given?.givenUp?.reason).toMatch(
      new RegExp(
        `^given up: its retry schedule \\(660 s since the first try\\) ended while the webhook's circuit was open, and the request to the webhook at ${openedAt.toISOString().replace(/[.]/g, '\\.')} failed`,
      ),
    );
    // Health saw the two requests made, not the give-up.
    await flushHealthCounters(services);
    const health = await services.webhookHealth.get(dead.tenantId, [dead.id], services.clock.now());
    expect(health.get(dead.id)).toMatchObject({ succeeded24h: 0, failed24h: 2 });
  });

  it('past its schedule with only evidence from before it ended, waits for the probe; an endpoint back by then gets it', async () => {
    const services = servicesFor(circuitConfig);
    const flaky = await storeWebhook(services, { id: 'wh_flaky' });
    receiver.respondWith({ status: 503 }, { status: 503 });
    await deliverTask(services, taskFor(flaky));
    await deliverTask(services, taskFor(flaky));
    const openedAt = services.clock.now();
    // Its 660 s schedule ends 10 s after the circuit opened; the endpoint is back (200 from now on).
    const attempts = [
      { at: new Date(openedAt.getTime() - 650_000).toISOString(), statusCode: 503, durationMs: 1 },
    ];
    services.clock.advance(15_000);

    const waiting = await deliverTask(services, taskFor(flaky, { attempts }));

    expect(waiting).toMatchObject({ status: 'postponed', reason: 'circuit-open' });
    expect(services.deliveryQueue.deadLettered).toEqual([]);
    const postponed = services.deliveryQueue.delayed.at(-1);
    expect(postponed?.task.attempts).toEqual(attempts);
    expect(Date.parse(postponed?.task.notBefore ?? '')).toBeGreaterThanOrEqual(openedAt.getTime() + 30_000);

    services.clock.advance(20_000);
    expect(await deliverTask(services, postponed!.task)).toMatchObject({ status: 'delivered' });
    expect(receiver.received).toHaveLength(3);
  });

  it('never counts an open circuit against a delivery that has not been tried yet: its first try is noted, no attempt', async () => {
    const services = servicesFor(circuitConfig);
    const dead = await storeWebhook(services, { id: 'wh_dead', url: await deadUrl() });
    await deliverTask(services, taskFor(dead));
    await deliverTask(services, taskFor(dead));
    const refusedAt = services.clock.now();

    expect(await deliverTask(services, taskFor(dead))).toMatchObject({ status: 'postponed' });

    const postponed = services.deliveryQueue.delayed.at(-1);
    expect(postponed?.task.attempts).toEqual([]);
    expect(postponed?.task.firstTriedAt).toBe(refusedAt.toISOString());
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

  it('hands members whose webhook has no free slot off as single tasks, without an attempt', async () => {
    const services = servicesFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 });
    services.admission = createDeliveryAdmission(services.deliveryPolicy.admission, services.clock, {
      slotWaitMs: 0,
    });
    await storeWebhook(services, { id: 'wh_a', url: `${receiver.url}/a` });
    await storeWebhook(services, { id: 'wh_busy', url: `${receiver.url}/busy` });
    // Another delivery holds wh_busy's only slot.
    const held = await services.admission.admit('tenant-a/wh_busy');
    expect(held.isAdmitted).toBe(true);

    const results = await deliverGroup(services, groupFor(['wh_a', 'wh_busy']));

    expect(results.map(({ result }) => result.status)).toEqual(['delivered', 'postponed']);
    expect(results[1]?.result).toMatchObject({ reason: 'slots-busy' });
    expect(receiver.received.map((request) => request.path)).toEqual(['/hook/a']);
    expect(services.deliveryQueue.delayed[0]?.task).toMatchObject({
      webhookId: 'wh_busy',
      attempts: [],
      slotPostponements: 1,
    });
    expect(services.deliveryQueue.delayed[0]?.task.webhookIds).toBeUndefined();
    if (held.isAdmitted) held.lease.release('up');

    services.clock.advance(2_000);
    const alone = await deliverTask(services, services.deliveryQueue.delayed[0]!.task);
    expect(alone.status).toBe('delivered');
  });

  it('asks a busy webhook again after a wait that grows with each refusal in a row', async () => {
    const services = servicesFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 });
    services.admission = createDeliveryAdmission(services.deliveryPolicy.admission, services.clock, {
      slotWaitMs: 0,
    });
    const webhook = await storeWebhook(services);
    const held = await services.admission.admit(`${webhook.tenantId}/${webhook.id}`);
    expect(held.isAdmitted).toBe(true);
    const delays: number[] = [];
    let task = taskFor(webhook);
    for (let refusal = 0; refusal < 7; refusal++) {
      const result = await deliverTask(services, { ...task, notBefore: undefined });
      expect(result).toMatchObject({ status: 'postponed', reason: 'slots-busy' });
      const postponed = services.deliveryQueue.delayed.at(-1);
      delays.push(postponed?.delaySeconds ?? 0);
      task = postponed?.task as DeliveryTask;
    }
    // 1, 2, 4, 8 s spread by ±50 %, never past 8 s (+50 %); no attempt used, nothing sent.
    expect(delays[0]).toBeLessThanOrEqual(2);
    expect(delays[6]).toBeGreaterThanOrEqual(4);
    expect(Math.max(...delays)).toBeLessThanOrEqual(12);
    expect(task.attempts).toEqual([]);
    expect(receiver.received).toHaveLength(0);
  });
});
