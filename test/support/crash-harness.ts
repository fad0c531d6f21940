/**
 * The set-up of a kill -9 test: one tenant `acme` with `token`, a data directory that outlives each
 * `npm start`, a loopback receiver, and every started service killed and the directory removed after
 * the suite. Call at the top level of a test file (it registers beforeAll/afterAll).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from './npm-start-process';
import { type Receiver, startReceiver } from './receiver';

export interface CrashHarness {
  receiver(): Receiver;
  /** Starts `npm start` on the harness's data directory (again after a kill). */
  start(): Promise<ServiceProcess>;
  /** GET `path` on `url` as the tenant. */
  call(url: string, path: string): Promise<{ status: number; body: any }>;
  /** POST `body` as JSON to `path` on `url` as the tenant (`call`'s twin for writes). */
  post(url: string, path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export function crashHarness(token: string, directoryPrefix: string): CrashHarness {
  let dataDir: string;
  let receiver: Receiver | undefined;
  const running: ServiceProcess[] = [];
  const env = {
    PORT: '0',
    ADMIN_TOKENS: `${token}=acme`,
    ALLOW_INSECURE_LOCALHOST: 'true',
    // Long enough to kill the service between a delivery's attempts.
    RETRY_SCHEDULE: '4',
    // A freshly started service under a loaded CI run can take over a second for its first request;
    // a timeout there would use the test's one retry and end the delivery failed.
    DELIVERY_TIMEOUT_MS: '5000',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), directoryPrefix));
    receiver = await startReceiver();
  });

  afterAll(async () => {
    for (const service of running) await killProcessGroupHard(service.child).catch(() => undefined);
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  return {
    receiver() {
      if (!receiver) throw new Error('the receiver is not started yet');
      return receiver;
    },
    async start() {
      const service = await startServiceProcess({ ...env, DATA_DIR: dataDir });
      running.push(service);
      return service;
    },
    async call(url, path) {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    },
    async post(url, path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    },
  };
}
