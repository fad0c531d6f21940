/**
 * `npm run verify` against the local runtime (the same checks a deploy gets, minus what only AWS has),
 * and its judgements of failures that only a real account shows, against loopback stand-ins.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatChecklist } from '#bin/verify';
import { judgeConcurrency, runVerify, tenantOfToken, type VerifyTarget } from '#bin/verify-checks';
import { startTestService, TENANT_A_TOKEN, type TestService } from '../support/local-service';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run verify against the local runtime', () => {
  let service: TestService;
  let target: VerifyTarget;

  beforeAll(async () => {
    service = await startTestService();
    target = {
      apiUrl: service.url,
      eventsEndpoint: service.url,
      eventBusName: 'chat-events',
      region: 'us-east-1',
      credentials: { ...service.runtime.awsKey },
    };
  }, 60_000);
  afterAll(async () => service?.stop());

  it('passes health, the authorized read and a chat event reaching the service; skips what only AWS has, saying why', async () => {
    const results = await runVerify(target, {
      token: TENANT_A_TOKEN,
      tenant: 'tenant-a',
      eventTimeoutMs: 20_000,
    });
    const byName = Object.fromEntries(results.map((result) => [result.name, result]));
    expect(byName.health?.status).toBe('pass');
    expect(byName['authorized read']?.status).toBe('pass');
    expect(byName['chat event reaches the service']).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/recorded as a rejected event \(unknown_event_type\)/),
    });
    for (const name of [
      'console CORS preflight',
      'alarm topic subscription',
      'Lambda concurrency vs the delivery event source',
    ]) {
      expect(byName[name]?.status, name).toBe('skip');
      expect(byName[name]?.detail.length, name).toBeGreaterThan(10);
    }
    // The probe went to tenant a only: tenant b's list does not hold it.
    const other = await service.api('GET', '/v1/rejected-events', undefined, 'tenant-b-token-0123456789');
    expect(JSON.stringify(other.body)).not.toContain('chat-webhooks.verify');
  }, 60_000);

  it('fails a token the API refuses, saying what it means and what to do', async () => {
    const results = await runVerify(target, {
      token: 'not-a-token',
      tenant: 'tenant-a',
      eventTimeoutMs: 2_000,
    });
    const read = results.find((result) => result.name === 'authorized read');
    expect(read).toMatchObject({ status: 'fail', detail: expect.stringContaining('401') });
    expect(read?.advice).toMatch(/issuer or audience/);
    expect(results.find((result) => result.name === 'chat event reaches the service')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('refused your token'),
    });
    expect(formatChecklist('local', results)).toMatch(
      /✘ authorized read: .*\n {6}→ The authorizer refused the token/,
    );
  }, 60_000);

  it('runs as the npm script prints it, exit code 0', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      [
        'tsx',
        'bin/verify.ts',
        '--local',
        service.url,
        '--token',
        TENANT_A_TOKEN,
        '--tenant',
        'tenant-a',
        '--timeout',
        '20',
      ],
      {
        cwd: PROJECT_ROOT,
        // The service's DATA_DIR, where verify finds the key pair the local ingest checks signatures against.
        env: {
          ...process.env,
          DATA_DIR: service.dataDir,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    expect(stdout).toContain(`chat-webhooks verify: local runtime at ${service.url}`);
    expect(stdout).toMatch(/✔ health/);
    expect(stdout).toMatch(/✔ chat event reaches the service/);
    expect(stdout).toMatch(/3 passed, 0 failed, 3 skipped/);
  }, 90_000);
});

describe('verify’s judgements of what only an account shows', () => {
  let server: Server;
  let base: string;
  let preflight: 'authorizer' | 'cors' = 'authorizer';
  const origin = 'https://d111111abcdef8.cloudfront.net';

  beforeAll(async () => {
    // API Gateway's two answers to a preflight: the authorizer's 401 (a route took OPTIONS), or CORS.
    server = createServer((request, response) => {
      if (request.method === 'OPTIONS' && preflight === 'authorizer')
        response.writeHead(401).end('{"message":"Unauthorized"}');
      else if (request.method === 'OPTIONS')
        response
          .writeHead(204, {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'DELETE,GET,PATCH,POST',
            'access-control-allow-headers': 'authorization,content-type',
          })
          .end();
      else response.writeHead(200).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fails a preflight that meets the authorizer, and passes one API Gateway answers with CORS', async () => {
    const target = { apiUrl: base, consoleOrigin: origin, eventBusName: 'chat-events', region: 'eu-west-1' };
    const cors = async () =>
      (await runVerify(target, {})).find((result) => result.name === 'console CORS preflight');
    preflight = 'authorizer';
    expect(await cors()).toMatchObject({ status: 'fail', advice: expect.stringMatching(/authorizer/) });
    preflight = 'cors';
    expect((await cors())?.status).toBe('pass');
  });

  it('fails an event source maximum above the unreserved concurrency (a new account’s 10), naming the setting', () => {
    const newAccount = judgeConcurrency({ limit: 10, unreserved: 10, eventSourceMaximum: 50 });
    expect(newAccount.status).toBe('fail');
    expect(newAccount.advice).toMatch(/deliveryMaxConcurrency=8/);
    expect(newAccount.advice).toMatch(/Service Quotas/);
    expect(judgeConcurrency({ limit: 1000, unreserved: 1000, eventSourceMaximum: 50 }).status).toBe('pass');
  });

  it('reads the tenant from a JWT’s claim, and nothing from a token that is none', () => {
    const jwt = [
      'e30',
      Buffer.from(JSON.stringify({ 'custom:tenant_id': 'acme' })).toString('base64url'),
      'sig',
    ].join('.');
    expect(tenantOfToken(jwt, 'custom:tenant_id')).toBe('acme');
    expect(tenantOfToken('dev_token', 'tenant_id')).toBeUndefined();
  });
});
