/**
 * Starts the whole local runtime in this process (the same code `npm start` runs) on a free
 * loopback port with a fresh data directory, and gives tests a small API client for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAwsRequestCounter } from '#adapters/aws-clients';
import { loadConfig } from '#config';
import type { HostResolver } from '#domain/ports';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '#local/runtime';

export const TENANT_A_TOKEN = 'tenant-a-token-0123456789';
export const TENANT_B_TOKEN = 'tenant-b-token-0123456789';

/** Names tests may use as destinations: they all resolve to loopback, nothing leaves the machine. */
export const loopbackResolver: HostResolver = {
  async resolve(hostname) {
    if (hostname === 'localhost' || hostname.endsWith('.test')) return ['127.0.0.1'];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  },
};

export interface TestService {
  runtime: LocalRuntime;
  url: string;
  counter: ReturnType<typeof createAwsRequestCounter>;
  /** Calls the admin API as tenant A (or with the given token). */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any }>;
  publish(
    entries: PutEventsRequestEntry[],
  ): Promise<{ FailedEntryCount?: number; Entries?: { EventId?: string; ErrorCode?: string }[] }>;
  stop(options?: { keepData?: boolean }): Promise<void>;
  dataDir: string;
}

/** Starts a service; `env` overrides variables as a user would set them. */
export async function startTestService(
  env: Record<string, string> = {},
  options: Partial<Omit<LocalRuntimeOptions, 'config'>> & { dataDir?: string } = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cw-service-')));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_TOKENS: `${TENANT_A_TOKEN}=tenant-a,${TENANT_B_TOKEN}=tenant-b`,
    ALLOW_INSECURE_LOCALHOST: 'true',
    RETRY_SCHEDULE: '1,1',
    DELIVERY_TIMEOUT_MS: '2000',
    ...env,
  });
  const counter = createAwsRequestCounter();
  const runtime = await startLocalRuntime({ resolver: loopbackResolver, counter, ...options, config });
  const events = new EventBridgeClient({
    endpoint: runtime.url,
    region: 'us-east-1',
    // Signed with this DATA_DIR's key, as the ingest requires (docs/contract.md#local-runtime).
    credentials: { ...runtime.awsKey },
  });
  return {
    runtime,
    url: runtime.url,
    counter,
    dataDir,
    async api(method, path, body, token = TENANT_A_TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async publish(entries) {
      return events.send(new PutEventsCommand({ Entries: entries }));
    },
    async stop(stopOptions) {
      events.destroy();
      await runtime.close();
      if (!stopOptions?.keepData && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A chat event entry as the platform publishes it. */
export function chatEvent(detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry {
  return {
    Source: 'chat.platform',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    EventBusName: 'chat-events',
  };
}

/** The platform's `message.created` for tenant-a, numbered: event id `${idPrefix}_${index}`, message `m${index}`. */
export function messageCreatedEntry(idPrefix: string, index: number): PutEventsRequestEntry {
  return chatEvent('message.created', {
    tenantId: 'tenant-a',
    brandId: 'b',
    id: `${idPrefix}_${index}`,
    data: {
      conversationId: 'c1',
      message: {
        id: `m${index}`,
        author: { type: 'customer', id: 'u1' },
        text: `message ${index}`,
        createdAt: '2026-11-24T10:00:00Z',
      },
    },
  });
}
