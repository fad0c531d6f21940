/**
 * The service under test: the whole local runtime in this process (the code `npm start` runs) on a
 * loopback port and a fresh data directory, with every AWS SDK request and handler invocation counted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsRequestCounter, createAwsRequestCounter } from '#adapters/aws-clients';
import { loadConfig } from '#config';
import type { HostResolver } from '#domain/ports';
import { type LocalFunctionName, type LocalRuntime, startLocalRuntime } from '#local/runtime';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const BENCH_TENANT = 'bench';
/**
 * Tenants of the other phases: each phase's webhooks belong to its own tenant, so its events reach
 * only them (fan-out selects by tenant and event type).
 */
export const PHASE_TENANTS = [
  'lat-0',
  'lat-200',
  'lat-1000',
  'lat1-0',
  'lat1-200',
  'lat1-1000',
  'iso-calm',
  'iso-flood',
  'fair-calm',
  'fair-burst',
] as const;
export type BenchTenant = typeof BENCH_TENANT | (typeof PHASE_TENANTS)[number];
const tokenOf = (tenant: BenchTenant): string => `${ADMIN_TOKEN}-${tenant}`;

/** Destinations are loopback only; any other name fails to resolve, so nothing leaves the machine. */
const loopbackOnly: HostResolver = {
  async resolve(hostname) {
    if (hostname === 'localhost' || hostname === '127.0.0.1') return ['127.0.0.1'];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  },
};

/** Time spent in one function's handler. */
export interface HandlerTime {
  invocations: number;
  totalMs: number;
}

export interface BenchService {
  runtime: LocalRuntime;
  counter: AwsRequestCounter;
  handlerTimes: Map<LocalFunctionName, HandlerTime>;
  /** Creates an active, signed webhook of `tenant` (default: the main bench tenant) for `eventTypes` at `url`; returns its id. */
  createWebhook(name: string, url: string, eventTypes: string[], tenant?: BenchTenant): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the service; `deliveryConcurrency` pollers drain the delivery queue. */
export async function startBenchService(options: {
  deliveryConcurrency: number;
  webhooksPerMessage: number;
  deliveryThreads: number;
  deliveryLog: 'all' | 'failures' | 'off';
}): Promise<BenchService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cw-bench-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_TOKENS: ([BENCH_TENANT, ...PHASE_TENANTS] as BenchTenant[])
      .map((tenant) => `${tokenOf(tenant)}=${tenant}`)
      .join(','),
    ALLOW_INSECURE_LOCALHOST: 'true',
    WEBHOOKS_PER_DELIVERY_MESSAGE: String(options.webhooksPerMessage),
    LOCAL_DELIVERY_THREADS: String(options.deliveryThreads),
    DELIVERY_LOG: options.deliveryLog,
  });
  const counter = createAwsRequestCounter();
  const handlerTimes = new Map<LocalFunctionName, HandlerTime>();
  const runtime = await startLocalRuntime({
    config,
    counter,
    resolver: loopbackOnly,
    deliveryConcurrency: options.deliveryConcurrency,
    onInvocation: (name, durationMs) => {
      const time = handlerTimes.get(name) ?? { invocations: 0, totalMs: 0 };
      time.invocations += 1;
      time.totalMs += durationMs;
      handlerTimes.set(name, time);
    },
  });
  return {
    runtime,
    counter,
    handlerTimes,
    async createWebhook(name, url, eventTypes, tenant = BENCH_TENANT) {
      const response = await fetch(`${runtime.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenOf(tenant)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, url, events: eventTypes }),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status !== 201 || !body.id) {
        throw new Error(`could not create a webhook: ${response.status} ${JSON.stringify(body)}`);
      }
      return body.id;
    },
    async stop() {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
