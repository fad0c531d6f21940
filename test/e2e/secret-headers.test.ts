/**
 * docs/contract.md#secret-headers through the whole local runtime (HTTP → API handler → DynamoDB adapter
 * on the embedded store → delivery thread → a loopback receiver): a custom header marked secret is
 * sent as it is, stored encrypted, never returned by any admin or portal route, masked in the delivery
 * log, scrubbed from an echoing receiver's snippet, and out of another tenant's reach.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  chatEvent,
  startTestService,
  TENANT_A_TOKEN,
  TENANT_B_TOKEN,
  type TestService,
} from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const PLATFORM_TOKEN = 'platform-token-0123456789abcdef';
const SECRET = 'hdr-Secret-8f3a61c0d2';
const PATCHED_SECRET = 'hdr-Patched-Secret-4b17e9';

let service: TestService;
let receiver: Receiver;
/** Every response body the test read, searched for the secrets at the end. */
const responses: { route: string; text: string }[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/echo', (hit, response) => response.writeHead(500).end(JSON.stringify(hit.headers)));
  service = await startTestService({
    RETRY_SCHEDULE: '',
    DELIVERY_TIMEOUT_MS: '1500',
    PLATFORM_TOKENS: PLATFORM_TOKEN,
  });
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

async function api(method: string, path: string, body?: unknown, token: string | null = TENANT_A_TOKEN) {
  const answer = await service.api(method, path, body, token);
  responses.push({ route: `${method} ${path}`, text: JSON.stringify(answer.body) });
  return answer;
}

async function portalSession(tenantId: string): Promise<string> {
  const minted = await service.api(
    'POST',
    '/v1/portal-sessions',
    { tenantId, capabilities: ['read', 'manage'] },
    PLATFORM_TOKEN,
  );
  expect(minted.status).toBe(201);
  const token = new URLSearchParams(new URL(minted.body.url).hash.slice(1)).get('token');
  const exchanged = await service.api('POST', '/v1/portal-sessions/exchange', { token }, null);
  expect(exchanged.status).toBe(200);
  return exchanged.body.sessionToken;
}

async function allFiles(dir: string): Promise<Buffer[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return Promise.all(
    entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))),
  );
}

it('sends a secret header as it is and never shows, stores or logs its value', async () => {
  const created = await api('POST', '/v1/webhooks', {
    name: 'secret header',
    events: ['conversation.deleted'],
    url: receiver.url('/ok'),
    headers: { 'X-Public': 'shown', 'X-Api-Secret': { value: SECRET, secret: true } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.headers).toEqual({ 'X-Public': 'shown', 'X-Api-Secret': { secret: true } });
  const id = created.body.id as string;

  // Read back every way an admin and a portal session can.
  const got = await api('GET', `/v1/webhooks/${id}`);
  expect(got.body.headers).toEqual({ 'X-Public': 'shown', 'X-Api-Secret': { secret: true } });
  const listed = await api('GET', '/v1/webhooks?limit=100');
  expect(listed.body.items.find((item: { id: string }) => item.id === id).headers['X-Api-Secret']).toEqual({
    secret: true,
  });
  const portal = await portalSession('tenant-a');
  const portalGot = await api('GET', `/portal/v1/webhooks/${id}`, undefined, portal);
  expect(portalGot.status).toBe(200);
  expect(portalGot.body.headers['X-Api-Secret']).toEqual({ secret: true });
  await api('GET', '/portal/v1/webhooks?limit=100', undefined, portal);

  // The stored item, read through the real adapter on the embedded store, holds ciphertext.
  const stored = await service.runtime.services.webhooks.get('tenant-a', id);
  const storedSecret = stored?.headers['X-Api-Secret'];
  expect(storedSecret).toMatchObject({ secret: true, encryptedValue: expect.any(String) });
  expect(JSON.stringify(stored)).not.toContain(SECRET);

  // Tenant B cannot see it, nor keep it into a webhook of its own by name.
  expect((await api('GET', `/v1/webhooks/${id}`, undefined, TENANT_B_TOKEN)).status).toBe(404);
  expect((await api('PATCH', `/v1/webhooks/${id}`, { name: 'x' }, TENANT_B_TOKEN)).status).toBe(404);
  const stolen = await api(
    'POST',
    '/v1/webhooks',
    {
      name: 'thief',
      events: ['conversation.deleted'],
      url: receiver.url('/ok'),
      headers: { 'X-Api-Secret': { secret: true } },
    },
    TENANT_B_TOKEN,
  );
  expect(stolen.status).toBe(400);
  expect(JSON.stringify(stolen.body.error.details)).toContain('headers.X-Api-Secret');

  // A delivery sends the real value; the delivery log masks it.
  await service.publish([
    chatEvent('conversation.deleted', {
      tenantId: 'tenant-a',
      brandId: 'b',
      data: { conversationId: 'c-sh1' },
    }),
  ]);
  await receiver.waitFor(
    () => receiver.hits('/ok').some((hit) => hit.body.includes('c-sh1')),
    20_000,
    'the delivery',
  );
  const hit = receiver.hits('/ok').find((each) => each.body.includes('c-sh1'));
  expect(hit?.headers['x-api-secret']).toBe(SECRET);
  expect(hit?.headers['x-public']).toBe('shown');
  const delivery = await eventually(
    async () => {
      const page = await api('GET', `/v1/deliveries?webhookId=${id}`);
      const item = page.body.items?.find((each: { status: string }) => each.status === 'succeeded');
      return item ? ((await api('GET', `/v1/deliveries/${item.id}`)).body as Record<string, any>) : undefined;
    },
    20_000,
    'the delivery log',
  );
  expect(delivery.attempts[0].requestHeaders).toMatchObject({ 'x-api-secret': '****', 'x-public': 'shown' });

  // PATCH: `{ secret: true }` keeps the stored value; a new value replaces it; both never echoed.
  const renamed = await api('PATCH', `/v1/webhooks/${id}`, {
    headers: { 'X-Public': 'changed', 'X-Api-Secret': { secret: true } },
  });
  expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
  expect(renamed.body.headers).toEqual({ 'X-Public': 'changed', 'X-Api-Secret': { secret: true } });
  expect((await service.runtime.services.webhooks.get('tenant-a', id))?.headers['X-Api-Secret']).toEqual(
    storedSecret,
  );
  const patched = await api('PATCH', `/v1/webhooks/${id}`, {
    url: receiver.url('/echo'),
    headers: { 'X-Api-Secret': { value: PATCHED_SECRET, secret: true } },
  });
  expect(patched.status).toBe(200);
  expect(patched.body.headers).toEqual({ 'X-Api-Secret': { secret: true } });
  const portalPatched = await api(
    'PATCH',
    `/portal/v1/webhooks/${id}`,
    { headers: { 'X-Api-Secret': { secret: true }, 'X-Other': 'o' } },
    portal,
  );
  expect(portalPatched.status).toBe(200);
  expect(portalPatched.body.headers['X-Api-Secret']).toEqual({ secret: true });

  // A kept value still counts toward the 8 KiB of custom headers.
  const big = await api('PATCH', `/v1/webhooks/${id}`, {
    headers: { 'X-Api-Secret': { value: 'k'.repeat(4096), secret: true } },
  });
  expect(big.status).toBe(200);
  const public4 = Object.fromEntries([1, 2, 3, 4].map((n) => [`X-Pad-${n}`, 'p'.repeat(1024)]));
  const over = await api('PATCH', `/v1/webhooks/${id}`, {
    headers: { ...public4, 'X-Api-Secret': { secret: true } },
  });
  expect(over.status).toBe(400);
  expect(JSON.stringify(over.body.error.details)).toContain('8192');
  const { 'X-Pad-4': _dropped, ...public3 } = public4;
  const under = await api('PATCH', `/v1/webhooks/${id}`, {
    headers: { ...public3, 'X-Api-Secret': { secret: true } },
  });
  expect(under.status).toBe(200);
  const restored = await api('PATCH', `/v1/webhooks/${id}`, {
    headers: { 'X-Api-Secret': { value: PATCHED_SECRET, secret: true } },
  });
  expect(restored.status).toBe(200);

  // An echoing receiver: the value reaches it, but not the failure log's snippet nor the test report.
  const report = await api('POST', `/v1/webhooks/${id}/test`);
  expect(report.status).toBe(200);
  expect(receiver.hits('/echo').at(-1)?.headers['x-api-secret']).toBe(PATCHED_SECRET);
  await service.publish([
    chatEvent('conversation.deleted', {
      tenantId: 'tenant-a',
      brandId: 'b',
      data: { conversationId: 'c-sh2' },
    }),
  ]);
  const failureLog = await eventually(
    async () => (await api('GET', `/v1/failure-logs?webhookId=${id}`)).body.items?.[0] as Record<string, any>,
    20_000,
    'the failure log',
  );
  const detail = await api('GET', `/v1/failure-logs/${failureLog.id}`);
  expect(detail.body.attempts[0].responseSnippet).toContain('x-api-secret');
  const failedDelivery = await eventually(
    async () => {
      const page = await api('GET', `/v1/deliveries?webhookId=${id}&status=failed`);
      const item = page.body.items?.[0];
      return item ? ((await api('GET', `/v1/deliveries/${item.id}`)).body as Record<string, any>) : undefined;
    },
    20_000,
    'the failed delivery log',
  );
  expect(failedDelivery.attempts[0].requestHeaders['x-api-secret']).toBe('****');

  const leaks = responses.filter(({ text }) => text.includes(SECRET) || text.includes(PATCHED_SECRET));
  expect(leaks.map(({ route }) => route)).toEqual([]);
  const files = await allFiles(service.dataDir);
  for (const secret of [SECRET, PATCHED_SECRET]) {
    expect(files.filter((file) => file.includes(secret)).length, secret).toBe(0);
  }
}, 60_000);
