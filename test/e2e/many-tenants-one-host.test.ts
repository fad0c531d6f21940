/**
 * Issue 9, end to end through `npm start`'s runtime (API on the main thread, deliveries on a delivery
 * thread): two tenants whose webhooks share ONE receiving host, each finding's sequence replayed.
 *
 * 1. Admin changes apply to the next event (docs/contract.md#read-your-writes): create, PATCH, rotate-secret, deactivate, delete.
 * 2. One webhook's failures never open another's circuit, even on the same host (docs/contract.md#isolation).
 * 3. A flood at a slow endpoint does not hold back another tenant's deliveries (docs/contract.md#isolation).
 * 4. Settings the HTTP client cannot send are refused with a 400 naming the field (docs/contract.md#admin-api).
 * 5. Rotation is bounded: two signatures at most, and no rotation answers 5xx (docs/contract.md#isolation).
 *
 * Nothing here asserts a duration: arrivals are checked against what is still pending.
 */
import type { ServerResponse } from 'node:http';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { requestsBetween } from '#adapters/aws-clients';
import { serviceWithReceiver, TENANT_B_TOKEN, tenantMessage } from '#test/support/local-service';
import { verifyDelivery } from '#test/support/receiver';

const SLOTS = 4;
let sequence = 0;

const { service, receiver: host } = serviceWithReceiver({
  DELIVERY_TIMEOUT_MS: '20000',
  RETRY_SCHEDULE: '1,1',
  MAX_CONCURRENCY_PER_ENDPOINT: String(SLOTS),
  CIRCUIT_FAILURE_THRESHOLD: '2',
  CIRCUIT_COOLDOWN_MS: '60000',
});

/** A `message.created` of `tenantId`, with a fresh event id that the test returns. */
function messageEntry(tenantId: string, brandId = 'b'): { entry: PutEventsRequestEntry; eventId: string } {
  const eventId = `evt_i9_${++sequence}`;
  return { entry: tenantMessage(tenantId, eventId, { messageId: `m${sequence}`, brandId }), eventId };
}

async function publish(tenantId: string): Promise<string> {
  const { entry, eventId } = messageEntry(tenantId);
  const result = await service.publish([entry]);
  expect(result.FailedEntryCount).toBe(0);
  return eventId;
}

const idsAt = (path: string) => host.hits(path).map((hit) => String(hit.headers['webhook-id']));

const createWebhook = (body: Record<string, unknown>, token?: string) => service.createWebhook(body, token);

/**
 * Publishes a sentinel for tenant-b's always-on webhook and waits for it: every event published
 * before it has been fanned out and attempted by then (one queue, handled in order of arrival at
 * worst a batch apart), which lets a test assert that something did NOT arrive.
 */
let sentinelPath: string | undefined;
async function drain(): Promise<void> {
  if (!sentinelPath) {
    sentinelPath = '/sentinel';
    await createWebhook(
      { name: 'sentinel', url: host.url(sentinelPath), brandId: 'sentinel' },
      TENANT_B_TOKEN,
    );
  }
  const { entry, eventId } = messageEntry('tenant-b', 'sentinel');
  expect((await service.publish([entry])).FailedEntryCount).toBe(0);
  await host.waitFor(() => idsAt('/sentinel').includes(eventId), 20_000, 'the sentinel');
  // A delivery thread settles a batch as a whole; give a batch that shared it time to settle.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

describe('finding 1: admin changes apply to the next event (docs/contract.md#read-your-writes)', () => {
  it('a webhook created right after an event of its tenant and brand receives the next one', async () => {
    await createWebhook({ name: 'warm-up', url: host.url('/warm'), brandId: 'b' });
    const before = await publish('tenant-a'); // fans out for tenant-a / message.created / brand b
    await host.waitFor(() => idsAt('/warm').includes(before), 20_000, 'the warm-up event');
    const created = await createWebhook({ name: 'new', url: host.url('/created') });
    const after = await publish('tenant-a');
    await host.waitFor(() => idsAt('/created').includes(after), 20_000, 'the event after create');
    expect(idsAt('/created')).toEqual([after]);
    expect(created.id).toMatch(/^wh_/);
  });

  it('after PATCH the next event goes to the new URL with the new headers and authentication', async () => {
    const { id } = await createWebhook({
      name: 'patched',
      url: host.url('/old'),
      headers: { 'X-Version': '1' },
    });
    const first = await publish('tenant-a');
    await host.waitFor(() => idsAt('/old').includes(first), 20_000, 'the first event');

    const patched = await service.api('PATCH', `/v1/webhooks/${id}`, {
      url: host.url('/new'),
      headers: { 'X-Version': '2' },
      authentication: { type: 'bearer', token: 'tok-after-patch' },
    });
    expect(patched.status).toBe(200);
    const next = await publish('tenant-a');
    await host.waitFor(() => idsAt('/new').includes(next), 20_000, 'the event after PATCH');
    const hit = host.hits('/new').find((candidate) => candidate.headers['webhook-id'] === next);
    expect(hit?.headers['x-version']).toBe('2');
    expect(hit?.headers.authorization).toBe('Bearer tok-after-patch');
    expect(idsAt('/old')).toEqual([first]);
  });

  it('after rotate-secret the next delivery carries both signatures', async () => {
    const { id, signingSecret: oldSecret } = await createWebhook({
      name: 'rotated',
      url: host.url('/rotated'),
    });
    const first = await publish('tenant-a');
    await host.waitFor(() => idsAt('/rotated').includes(first), 20_000, 'the first event');

    const rotated = await service.api('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret: string = rotated.body.signingSecret;
    const next = await publish('tenant-a');
    await host.waitFor(() => idsAt('/rotated').includes(next), 20_000, 'the event after rotation');
    const hit = host.hits('/rotated').find((candidate) => candidate.headers['webhook-id'] === next);
    if (!hit) throw new Error('no delivery after rotation');
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver that already switched to the new secret accepts it, and one still on the old one too.
    expect(verifyDelivery(hit, newSecret)).toMatchObject({ id: next });
    expect(verifyDelivery(hit, oldSecret)).toMatchObject({ id: next });
  });

  it('after deactivate or delete nothing more is sent, retries of earlier events included', async () => {
    const failing = await createWebhook({ name: 'failing', url: host.url('/failing') });
    const removed = await createWebhook({ name: 'deleted', url: host.url('/deleted') });
    host.on('/failing', (_hit, response) => response.writeHead(500).end('down'));
    host.on('/deleted', (_hit, response) => response.writeHead(500).end('down'));
    const early = await publish('tenant-a');
    await host.waitFor(
      () => idsAt('/failing').includes(early) && idsAt('/deleted').includes(early),
      20_000,
      'the first (failed) attempts',
    );
    // Retries are due 1 s later; the admin acts first.
    expect((await service.api('POST', `/v1/webhooks/${failing.id}/deactivate`)).status).toBe(200);
    expect((await service.api('DELETE', `/v1/webhooks/${removed.id}`)).status).toBe(204);
    const hitsAtChange = { failing: host.hits('/failing').length, deleted: host.hits('/deleted').length };
    await publish('tenant-a');
    // Long enough for both retries of the schedule (1 s, 1 s) to have come due.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await drain();
    // An attempt already on the wire when the admin acted may still land; nothing after it does.
    expect(host.hits('/failing').length).toBeLessThanOrEqual(hitsAtChange.failing + 1);
    expect(host.hits('/deleted').length).toBeLessThanOrEqual(hitsAtChange.deleted + 1);
    expect(new Set(idsAt('/failing'))).toEqual(new Set([early]));
    expect(new Set(idsAt('/deleted'))).toEqual(new Set([early]));
  });
});

describe('finding 2: one webhook’s failures never open another’s circuit on the same host', () => {
  it('tenant-a keeps receiving while tenant-b’s webhook on the same host fails and its circuit opens', async () => {
    await createWebhook({ name: 'b-broken', url: host.url('/b-broken'), brandId: 'iso2' }, TENANT_B_TOKEN);
    const healthy = await createWebhook({ name: 'a-healthy', url: host.url('/a-healthy'), brandId: 'iso2' });
    host.on('/b-broken', (_hit, response) => response.writeHead(503).end('unavailable'));
    const broken: PutEventsRequestEntry[] = [];
    for (let index = 0; index < 6; index++) broken.push(messageEntry('tenant-b', 'iso2').entry);
    expect((await service.publish(broken)).FailedEntryCount).toBe(0);
    // The threshold is 2: after these the broken webhook's circuit is open.
    await host.waitFor(() => host.hits('/b-broken').length >= 2, 20_000, 'tenant-b’s failures');

    const healthyIds: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { entry, eventId } = messageEntry('tenant-a', 'iso2');
      healthyIds.push(eventId);
      expect((await service.publish([entry])).FailedEntryCount).toBe(0);
    }
    await host.waitFor(
      () => healthyIds.every((eventId) => idsAt('/a-healthy').includes(eventId)),
      20_000,
      'tenant-a’s deliveries',
    );
    const logs = await service.api('GET', `/v1/failure-logs?webhookId=${healthy.id}`);
    expect(logs.body.items).toEqual([]);
    const webhook = await service.api('GET', `/v1/webhooks/${healthy.id}`);
    expect(webhook.body.status).toBe('active');
    expect(webhook.body.disabledReason).toBeUndefined();
  });
});

describe('finding 3: a flood at a slow endpoint does not hold back another tenant', () => {
  it('tenant-a’s events arrive while tenant-b’s backlog at the same host is still pending', async () => {
    const FLOOD = 120;
    const held: ServerResponse[] = [];
    let isReleased = false;
    host.on('/b-slow', (_hit, response) => {
      if (isReleased) response.writeHead(200).end('ok');
      else held.push(response);
    });
    await createWebhook({ name: 'b-slow', url: host.url('/b-slow'), brandId: 'iso3' }, TENANT_B_TOKEN);
    await createWebhook({ name: 'a-fast', url: host.url('/a-fast'), brandId: 'iso3' });

    for (let start = 0; start < FLOOD; start += 10) {
      const entries = Array.from({ length: 10 }, () => messageEntry('tenant-b', 'iso3').entry);
      expect((await service.publish(entries)).FailedEntryCount).toBe(0);
    }
    // Every slot of tenant-b's webhook is taken by a request its endpoint holds.
    await host.waitFor(() => held.length >= SLOTS, 20_000, 'tenant-b’s slots to fill');

    const fastIds: string[] = [];
    for (let index = 0; index < 10; index++) {
      const { entry, eventId } = messageEntry('tenant-a', 'iso3');
      fastIds.push(eventId);
      expect((await service.publish([entry])).FailedEntryCount).toBe(0);
    }
    await host.waitFor(
      () => fastIds.every((eventId) => idsAt('/a-fast').includes(eventId)),
      15_000,
      'tenant-a’s deliveries during the flood',
    );
    // Tenant-a got everything while tenant-b's first requests were still unanswered and most of its
    // backlog had not even been sent: no more than its slots were ever in flight.
    expect(held.every((response) => !response.writableEnded)).toBe(true);
    expect(host.hits('/b-slow').length).toBeLessThanOrEqual(SLOTS);

    isReleased = true;
    for (const response of held) response.writeHead(200).end('ok');
    await host.waitFor(() => new Set(idsAt('/b-slow')).size >= FLOOD, 90_000, 'tenant-b’s whole backlog');
    expect(new Set(idsAt('/b-slow')).size).toBe(FLOOD);
  }, 120_000);
});

describe('finding 4: only sendable settings are accepted', () => {
  it.each([
    [{ headers: { 'X-Name': 'café €' } }, 'headers.X-Name'],
    [{ headers: { 'X-Name': 'a\u0001b' } }, 'headers.X-Name'],
    [{ headers: { 'Keep-Alive': 'timeout=5' } }, 'headers.Keep-Alive'],
    [{ headers: { Expect: '100-continue' } }, 'headers.Expect'],
    [{ headers: { Upgrade: 'websocket' } }, 'headers.Upgrade'],
    [{ authentication: { type: 'bearer', token: 'jeton-é' } }, 'authentication.token'],
    [{ authentication: { type: 'api_key', headerName: 'X-Key', value: 'clé' } }, 'authentication.value'],
  ])('refuses %j with a 400 naming %s', async (settings, field) => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'unsendable',
      events: ['message.created'],
      url: host.url('/never'),
      ...settings,
    });
    expect(created.status).toBe(400);
    expect(created.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });
});

describe('finding 5: rotation is bounded', () => {
  it('after many rotations a delivery carries two signatures: the current secret and the one it replaced', async () => {
    const { id } = await createWebhook({ name: 'rotating', url: host.url('/rotating'), brandId: 'iso5' });
    const secrets: string[] = [];
    for (let index = 0; index < 60; index++) {
      const rotated = await service.api('POST', `/v1/webhooks/${id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      secrets.push(rotated.body.signingSecret);
    }
    const { entry, eventId } = messageEntry('tenant-a', 'iso5');
    expect((await service.publish([entry])).FailedEntryCount).toBe(0);
    await host.waitFor(() => idsAt('/rotating').includes(eventId), 20_000, 'the delivery');
    const hit = host.hits('/rotating')[0];
    if (!hit) throw new Error('no delivery');
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyDelivery(hit, secrets.at(-1) ?? '')).toMatchObject({ id: eventId });
    expect(verifyDelivery(hit, secrets.at(-2) ?? '')).toMatchObject({ id: eventId });
    // The secret before those stopped signing when it was rotated out a second time.
    expect(() =>
      new Webhook(secrets.at(-3) ?? '').verify(hit.body, hit.headers as Record<string, string>),
    ).toThrow();
  }, 60_000);
});

describe('what read-your-writes costs in store reads', () => {
  it('one consistent Query per event (two with a brand) and at most one consistent webhook read per delivery attempt, batched', async () => {
    await createWebhook({ name: 'cost-1', url: host.url('/cost-1'), brandId: 'cost' });
    await createWebhook({ name: 'cost-2', url: host.url('/cost-2'), brandId: 'cost' }, TENANT_B_TOKEN);
    await drain();
    const before = service.counter.snapshot();
    const eventIds = new Set<string>();
    const entries: PutEventsRequestEntry[] = [];
    for (let index = 0; index < 20; index++) {
      const { entry, eventId } = messageEntry(index % 2 === 0 ? 'tenant-a' : 'tenant-b', 'cost');
      entries.push(entry);
      eventIds.add(eventId);
    }
    for (let start = 0; start < entries.length; start += 10) {
      expect((await service.publish(entries.slice(start, start + 10))).FailedEntryCount).toBe(0);
    }
    const deliveries = () =>
      host.hits().filter((hit) => eventIds.has(String(hit.headers['webhook-id']))).length;
    // Both cost webhooks, plus tenant-a's all-brand webhooks from earlier tests, receive them.
    await host.waitFor(
      () => idsAt('/cost-1').length + idsAt('/cost-2').length >= eventIds.size,
      20_000,
      'the measured deliveries',
    );
    await drain();
    const requests = requestsBetween(before, service.counter.snapshot());
    const queries = requests['DynamoDB.Query'] ?? 0;
    const gets = requests['DynamoDB.GetItem'] ?? 0;
    const batchGets = requests['DynamoDB.BatchGetItem'] ?? 0;
    // Each webhook a BatchGetItem asks for is billed as one consistent GetItem (items under 4 KB).
    const webhookReads = gets + (requests['DynamoDB.BatchGetItem:items'] ?? 0);
    const delivered = deliveries();
    // The drain's own sentinel event adds one fan-out (two queries) and one delivery.
    console.log(
      `store reads: ${queries} Query for ${eventIds.size + 1} events, ${gets} GetItem and ${batchGets} BatchGetItem (${webhookReads} webhooks read) for ${delivered + 1} deliveries`,
    );
    expect(queries).toBeLessThanOrEqual(2 * (eventIds.size + 1));
    expect(webhookReads).toBeLessThanOrEqual(delivered + 1);
    expect(webhookReads).toBeGreaterThan(0);
    expect(gets + batchGets).toBeLessThanOrEqual(webhookReads);
  });
});
