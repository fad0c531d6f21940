/**
 * The local `/health` says whether the runtime can deliver: 200 only while a delivery thread is up,
 * 503 with the reason otherwise, so a supervisor (or a test waiting for the service) never takes a
 * runtime that accepts events it cannot send for a healthy one. The thread pool's own count of ready
 * threads, which the runtime reads, is pinned in delivery-threads.test.ts.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenRegistry } from '#local/admin-tokens';
import { createLocalServer, type LocalServerRoutes } from '#local/server';
import { startTestService, type TestService } from '../support/local-service';

describe('the local /health', () => {
  let unready: string | undefined;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const routes: LocalServerRoutes = {
      tokens: new AdminTokenRegistry([]),
      tenantClaim: 'tenant',
      awsKey: { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'test-secret' },
      api: async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"status":"ok"}',
      }),
      putEvents: async () => ({ statusCode: 500, headers: {}, body: '' }),
      sqs: async () => ({ statusCode: 500, headers: {}, body: '' }),
      onError: () => {},
      unreadiness: () => unready,
    };
    const server = createLocalServer(routes);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await close?.();
  });

  it('answers 503 with the reason while no delivery thread is up, and 200 once one is', async () => {
    unready = 'no delivery thread is running; one is being restarted';
    const down = await fetch(`${url}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', reason: unready });
    const head = await fetch(`${url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');

    unready = undefined;
    const up = await fetch(`${url}/health?probe=1`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok' });
  });

  it('leaves every other route alone while not ready', async () => {
    unready = 'the service is stopping';
    const other = await fetch(`${url}/v1/webhooks`);
    expect(other.status).toBe(200);
    unready = undefined;
  });
});

describe('a running runtime with delivery threads', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ LOCAL_DELIVERY_THREADS: '1' });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('answers 200 once started: its thread is up', async () => {
    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(200);
  });
});
