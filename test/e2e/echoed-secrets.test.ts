/**
 * docs/contract.md#isolation: a receiver that echoes the request back (headers in its body, the Authorization
 * URL-encoded in a redirect's Location) must not get the webhook's secrets into the test route's
 * `error`, failure logs (`error`, `responseSnippet`), service logs or the data files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { AUTH_KIND_SAMPLES } from '#test/support/auth-kind-samples';
import type { TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let support: typeof import('../support/local-service');
let service: TestService;
let receiver: Receiver;
const captured: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };

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
  // Echoes every request header back in a 500's body.
  receiver.on('/echo', (hit, response) => response.writeHead(500).end(JSON.stringify(hit.headers)));
  // Redirects to a Location carrying the Authorization and api key, URL-encoded.
  receiver.on('/redirect', (hit, response) => {
    const authorization = String(hit.headers.authorization ?? '');
    const apiKey = String(hit.headers['x-api-key'] ?? '');
    const location = `https://collector.example/?auth=${encodeURIComponent(authorization)}&key=${encodeURIComponent(apiKey)}`;
    response.writeHead(302, { location }).end(`moved to ${location}`);
  });
  service = await support.startTestService({ RETRY_SCHEDULE: '', DELIVERY_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
  vi.unstubAllEnvs();
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
});

async function allFiles(dir: string): Promise<Buffer[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return Promise.all(
    entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))),
  );
}

it('scrubs echoed secrets in every encoding before anything is stored or logged', async () => {
  const token = 'echo-bearer-Secret-71c9e0';
  const password = 'echo pw/Secret+5d2=';
  const apiKeyValue = 'echo-apikey-Secret-0b44';
  const basicPair = Buffer.from(`crm:${password}`).toString('base64');
  const webhooks: { id: string; signingSecret: string }[] = [];
  // Every kind of the registry, echoed and redirected, from its sample (a new kind is covered too).
  const everyKind = Object.entries(AUTH_KIND_SAMPLES).flatMap(([type, { input }]) => [
    [`${type} sample echo`, '/echo', input] as const,
    [`${type} sample redirect`, '/redirect', input] as const,
  ]);
  for (const [name, path, authentication] of [
    ...everyKind,
    ['bearer echo', '/echo', { type: 'bearer', token }],
    ['bearer redirect', '/redirect', { type: 'bearer', token }],
    ['basic echo', '/echo', { type: 'basic', username: 'crm', password }],
    ['basic redirect', '/redirect', { type: 'basic', username: 'crm', password }],
    ['key echo', '/echo', { type: 'api_key', headerName: 'X-Api-Key', value: apiKeyValue }],
    ['key redirect', '/redirect', { type: 'api_key', headerName: 'X-Api-Key', value: apiKeyValue }],
  ] as const) {
    const created = await service.api('POST', '/v1/webhooks', {
      name,
      events: ['conversation.deleted'],
      url: receiver.url(path),
      authentication,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    webhooks.push({ id: created.body.id, signingSecret: created.body.signingSecret });
  }

  const testErrors: string[] = [];
  for (const { id } of webhooks) {
    const report = await service.api('POST', `/v1/webhooks/${id}/test`);
    expect(report.body.delivered).toBe(false);
    testErrors.push(JSON.stringify(report.body));
  }
  // Without scrubbing the redirect's error would carry `Bearer%20echo-bearer…`.
  expect(testErrors.join('\n')).toContain('redirect not followed: 302 to https://collector.example/');

  await service.publish([
    support.chatEvent('conversation.deleted', {
      tenantId: 'tenant-a',
      brandId: 'b',
      data: { conversationId: 'c' },
    }),
  ]);
  const failureLogs = await eventually(
    async () => {
      const page = await service.api('GET', '/v1/failure-logs?limit=100');
      return page.body.items.length >= webhooks.length ? page.body.items : undefined;
    },
    30_000,
    'a failure log per webhook',
  );
  const details = await Promise.all(
    failureLogs.map(
      async (log: { id: string }) => (await service.api('GET', `/v1/failure-logs/${log.id}`)).body,
    ),
  );
  expect(JSON.stringify(details)).toContain('[redacted]');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await service.stop({ keepData: true });
  const files = await allFiles(service.dataDir);

  const secretForms = [
    token,
    encodeURIComponent(`Bearer ${token}`),
    password,
    encodeURIComponent(password),
    basicPair,
    encodeURIComponent(`Basic ${basicPair}`),
    apiKeyValue,
    ...Object.values(AUTH_KIND_SAMPLES).flatMap(({ secret, header: [, value] }) => [
      secret,
      value,
      encodeURIComponent(value),
    ]),
    ...webhooks.flatMap(({ signingSecret }) => [signingSecret, signingSecret.slice('whsec_'.length)]),
  ];
  const places: [string, string | Buffer][] = [
    ['test route', testErrors.join('\n')],
    ['failure logs', JSON.stringify(details)],
    ['service logs', captured.join('')],
    ...files.map((file, index): [string, Buffer] => [`data file ${index}`, file]),
  ];
  const leaks: string[] = [];
  for (const secret of secretForms) {
    for (const [place, content] of places) {
      if (content.includes(secret)) leaks.push(`${secret} in ${place}`);
    }
  }
  expect(captured.join('')).toContain('"function_name":"chat-webhooks-delivery"');
  expect(leaks).toEqual([]);
}, 90_000);
