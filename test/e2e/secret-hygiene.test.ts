/**
 * Secret hygiene end to end (docs/contract.md#admin-api, #security): every secret the service is given or makes is
 * searched for in ALL log output at DEBUG, every API response but the two secret routes, the failure
 * logs and the stored items — after creating webhooks with each kind of authentication, rotating
 * signing secrets, delivering, failing, test deliveries, validation errors and a redelivery.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

// The service modules load in beforeAll, after the log level is set: Powertools reads it once at
// construction and resets to it on every invocation, so setLogLevel() alone would not hold.
let support: typeof import('../support/local-service');
let service: TestService;
let receiver: Receiver;
const captured: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };

/** Every secret value the test hands the service or the service hands back. */
const secrets = new Map<string, string>();
/** Every API response body, except the two routes whose job is to reveal the signing secret. */
const responses: { route: string; text: string }[] = [];
const webhookIds: string[] = [];

function addSigningSecret(label: string, secret: string): void {
  expect(secret).toMatch(/^whsec_/);
  secrets.set(label, secret);
  secrets.set(`${label} (key part)`, secret.slice('whsec_'.length));
}

/** Calls the API and files the answer for the search; `revealsSecret` marks the two secret routes. */
async function call(method: string, path: string, body?: unknown, options: { revealsSecret?: boolean } = {}) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${support.TENANT_A_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!options.revealsSecret) {
    // A create legitimately returns its own new signing secret once; everything else in it is searched.
    const { signingSecret: _own, ...rest } = parsed;
    responses.push({ route: `${method} ${path}`, text: JSON.stringify(rest) });
  }
  return { status: response.status, body: parsed as Record<string, any> };
}

async function createWebhook(label: string, body: Record<string, unknown>): Promise<string> {
  const created = await call('POST', '/v1/webhooks', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  addSigningSecret(`${label} signing secret`, created.body.signingSecret);
  webhookIds.push(created.body.id);
  return created.body.id;
}

beforeAll(async () => {
  const capture =
    (original: typeof process.stdout.write) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(process.stdout, '', ...rest);
    };
  process.stdout.write = capture(originalWrites.stdout) as typeof process.stdout.write;
  process.stderr.write = capture(originalWrites.stderr) as typeof process.stderr.write;
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  support = await import('../support/local-service');
  receiver = await startReceiver();
  receiver.on('/fail', (_hit, response) => response.writeHead(500).end('receiver is down'));
  service = await support.startTestService({ RETRY_SCHEDULE: '1', DELIVERY_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
  vi.unstubAllEnvs();
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
});

describe('secrets never leak', () => {
  it('keeps every secret out of logs, responses, failure logs and stored items, and the key file private', async () => {
    const password = 'basic-pw-Secret-4ac1f0';
    const bearerToken = 'bearer-Secret-9b27de51';
    const apiKeyValue = 'apikey-Secret-77e3a2c4';
    const failingToken = 'failing-bearer-Secret-31d';
    const patchedPassword = 'patched-pw-Secret-5c90';
    secrets.set('basic password', password);
    secrets.set('basic header', Buffer.from(`crm:${password}`).toString('base64'));
    secrets.set('bearer token', bearerToken);
    secrets.set('api_key value', apiKeyValue);
    secrets.set('failing bearer token', failingToken);
    secrets.set('patched password', patchedPassword);
    secrets.set('patched basic header', Buffer.from(`crm:${patchedPassword}`).toString('base64'));

    const base = { events: ['conversation.deleted'], url: receiver.url('/ok') };
    const basic = await createWebhook('basic', {
      ...base,
      name: 'basic',
      authentication: { type: 'basic', username: 'crm', password },
    });
    const bearer = await createWebhook('bearer', {
      ...base,
      name: 'bearer',
      authentication: { type: 'bearer', token: bearerToken },
    });
    const apiKey = await createWebhook('api_key', {
      ...base,
      name: 'api key',
      authentication: { type: 'api_key', headerName: 'X-Api-Key', value: apiKeyValue },
    });
    const failing = await createWebhook('failing', {
      ...base,
      name: 'failing',
      url: receiver.url('/fail'),
      authentication: { type: 'bearer', token: failingToken },
    });

    // Validation errors about the authentication object must not echo the secret they refuse.
    const refused: [string, unknown][] = [
      ['colon in username', { type: 'basic', username: 'a:b', password: 'refused-pw-Secret-1' }],
      ['unknown auth field', { type: 'bearer', token: 'refused-token-Secret-2', scope: 'x' }],
      [
        'reserved api key header',
        { type: 'api_key', headerName: 'Authorization', value: 'refused-key-Secret-3' },
      ],
      ['line break in token', { type: 'bearer', token: 'refused-token-Secret-4\r\nX: y' }],
      ['unknown type', { type: 'digest', token: 'refused-token-Secret-5' }],
    ];
    for (const [label, authentication] of refused) {
      const secret = JSON.stringify(authentication).match(/refused-[a-z]+-Secret-\d/)![0];
      secrets.set(`refused (${label})`, secret);
      const answer = await call('POST', '/v1/webhooks', { ...base, name: 'refused', authentication });
      expect(answer.status, label).toBe(400);
      expect(JSON.stringify(answer.body.error.details)).toContain('authentication');
    }
    const refusedPatch = await call('PATCH', `/v1/webhooks/${bearer}`, {
      authentication: { type: 'bearer', token: 'refused-token-Secret-6', extra: true },
    });
    secrets.set('refused (patch)', 'refused-token-Secret-6');
    expect(refusedPatch.status).toBe(400);
    const malformed = await call(
      'POST',
      '/v1/webhooks',
      `{"authentication":{"type":"bearer","token":"refused-token-Secret-7"`,
    );
    secrets.set('refused (malformed JSON)', 'refused-token-Secret-7');
    expect(malformed.status).toBe(400);

    // Rotations: the old secret keeps signing for 24 h, so both are live.
    for (const [label, id] of [
      ['basic', basic],
      ['bearer', bearer],
    ] as const) {
      const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`, undefined, {
        revealsSecret: true,
      });
      expect(rotated.status).toBe(200);
      addSigningSecret(`${label} rotated signing secret`, rotated.body.signingSecret);
      const revealed = await call('GET', `/v1/webhooks/${id}/secret`, undefined, { revealsSecret: true });
      expect(revealed.body.signingSecret).toBe(rotated.body.signingSecret);
    }
    const patched = await call('PATCH', `/v1/webhooks/${basic}`, {
      authentication: { type: 'basic', username: 'crm', password: patchedPassword },
    });
    expect(patched.status).toBe(200);

    // Test deliveries, successful and failed.
    for (const id of [basic, bearer, apiKey, failing]) {
      const report = await call('POST', `/v1/webhooks/${id}/test`);
      expect(report.status).toBe(200);
      expect(report.body.delivered).toBe(id !== failing);
    }

    // Real deliveries: three succeed, one fails into a failure log and is redelivered.
    await service.publish([
      support.chatEvent('conversation.deleted', {
        tenantId: 'tenant-a',
        brandId: 'b',
        data: { conversationId: 'c-hyg' },
      }),
    ]);
    await receiver.waitFor(
      () => receiver.hits('/ok').filter((hit) => hit.body.includes('c-hyg')).length === 3,
      20_000,
      'three deliveries',
    );
    expect(receiver.hits('/ok').some((hit) => hit.headers['x-api-key'] === apiKeyValue)).toBe(true);
    const failureLogId = await eventually(
      async () => {
        const page = await call('GET', `/v1/failure-logs?webhookId=${failing}`);
        return page.body.items[0]?.id as string | undefined;
      },
      30_000,
      'the failure log',
    );
    expect((await call('GET', `/v1/failure-logs/${failureLogId}`)).status).toBe(200);
    const failedHits = receiver.hits('/fail').length;
    expect((await call('POST', `/v1/failure-logs/${failureLogId}/redeliver`)).status).toBe(202);
    await receiver.waitFor(() => receiver.hits('/fail').length > failedHits, 20_000, 'the redelivery');
    // Read everything back once more, as an admin would.
    await call('GET', '/v1/webhooks?limit=100');
    for (const id of webhookIds) await call('GET', `/v1/webhooks/${id}`);
    await call('GET', '/v1/failure-logs?limit=100');
    await call('GET', '/v1/rejected-events?limit=100');
    // Let the last redelivery attempt and its logs finish.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const stored = JSON.stringify({
      webhooks: await Promise.all(
        webhookIds.map((id) => service.runtime.services.webhooks.get('tenant-a', id)),
      ),
      failureLogs: await service.runtime.services.failureLogs.list('tenant-a', { limit: 100 }),
      rejectedEvents: await service.runtime.services.rejectedEvents.list('tenant-a', { limit: 100 }),
    });
    const logs = captured.join('');
    expect(logs).toContain('"level":"DEBUG"');
    // The delivery thread's lines (it signs and sends with the secrets) are among those searched.
    expect(logs).toContain('"function_name":"chat-webhooks-delivery"');
    expect(logs).toContain('"message":"delivered"');
    const places: [string, string][] = [
      ['logs', logs],
      ['stored items', stored],
      ...responses.map(({ route, text }): [string, string] => [`response of ${route}`, text]),
    ];
    const leaks: string[] = [];
    for (const [label, secret] of secrets) {
      for (const [place, text] of places) {
        const occurrences = text.split(secret).length - 1;
        if (occurrences > 0) leaks.push(`${label} ×${occurrences} in ${place}`);
      }
    }
    console.log(
      `secret hygiene: secrets=${secrets.size} places=${places.length} log_bytes=${logs.length} responses=${responses.length} occurrences=${leaks.length}`,
    );
    expect(leaks).toEqual([]);

    const keyFile = await stat(join(service.dataDir, 'keys', 'master.key'));
    expect((keyFile.mode & 0o777).toString(8)).toBe('600');
  });
});
