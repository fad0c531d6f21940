/**
 * Starts the whole local runtime in this process (the same code `npm start` runs) on a free
 * loopback port with a fresh data directory, and gives tests a small API client for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, expect } from 'vitest';
import { createAwsRequestCounter } from '#adapters/aws-clients';
import { loadConfig } from '#config';
import type { HostResolver } from '#domain/ports';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '#local/runtime';
import { type Receiver, startReceiver } from '#test/support/receiver';

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
  /**
   * Adds a webhook as tenant A (or with the given token), on `message.created` unless `body` names
   * its events, and expects a 201; returns the created webhook (id, signingSecret, …).
   */
  createWebhook(
    body: Record<string, unknown>,
    token?: string,
  ): Promise<{ id: string; signingSecret: string }>;
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
  const testService: TestService = {
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
    async createWebhook(body, token) {
      const created = await testService.api(
        'POST',
        '/v1/webhooks',
        { events: ['message.created'], ...body },
        token,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body;
    },
    async stop(stopOptions) {
      events.destroy();
      await runtime.close();
      if (!stopOptions?.keepData && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return testService;
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

/**
 * The platform's `message.created` of `tenantId` with event id `eventId`, from customer u1 in
 * conversation c1; `messageId` defaults to `m_${eventId}`, `brandId` to 'b', `text` to 'hi'.
 */
export function tenantMessage(
  tenantId: string,
  eventId: string,
  options: { messageId?: string; brandId?: string; text?: string } = {},
): PutEventsRequestEntry {
  return chatEvent('message.created', {
    tenantId,
    brandId: options.brandId ?? 'b',
    id: eventId,
    data: {
      conversationId: 'c1',
      message: {
        id: options.messageId ?? `m_${eventId}`,
        author: { type: 'customer', id: 'u1' },
        text: options.text ?? 'hi',
        createdAt: '2026-11-24T10:00:00Z',
      },
    },
  });
}

/** The platform's `message.created` for tenant-a, numbered: event id `${idPrefix}_${index}`, message `m${index}`. */
export function messageCreatedEntry(idPrefix: string, index: number): PutEventsRequestEntry {
  return tenantMessage('tenant-a', `${idPrefix}_${index}`, {
    messageId: `m${index}`,
    text: `message ${index}`,
  });
}

/**
 * A service and a receiver for one test file, started before its tests and stopped after them.
 * Both stand for the started ones: each property read is forwarded, so a file can name them at its
 * top level; reading one before the suite starts (or after a failed start) throws.
 */
export interface ServiceWithReceiver {
  service: TestService;
  receiver: Receiver;
}

/**
 * The set-up of most end-to-end files: a loopback receiver, then startTestService(env, options);
 * after the suite the service stops and the receiver closes. Call at the top level of a test file
 * (it registers beforeAll/afterAll, ahead of the file's own hooks).
 */
export function serviceWithReceiver(
  env: Record<string, string> = {},
  options: Parameters<typeof startTestService>[1] = {},
): ServiceWithReceiver {
  let service: TestService | undefined;
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    receiver = await startReceiver();
    service = await startTestService(env, options);
  });
  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
  });
  return {
    service: forwardTo(() => service, 'the service'),
    receiver: forwardTo(() => receiver, 'the receiver'),
  };
}

/** An object that forwards every property read to `current()`, once that is started. */
function forwardTo<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      if (target === undefined) throw new Error(`${what} is not started yet`);
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
