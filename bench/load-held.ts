process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Load held (docs/contract.md#limits): tenant A at its webhook limit, every webhook with the largest
 * secrets the API accepts (a 4 KiB bearer token, 20 custom headers filling their 8 KiB, a rotated
 * signing secret so two sign), all on the same receiving host as tenant B, publishes the largest
 * events PutEvents takes (one ~255 KB entry each). Meanwhile tenant B publishes small events at a
 * steady rate. Measured: the process's peak memory (RSS, main heap, delivery threads' heaps), B's
 * publish → receipt latency, and whether every delivery of both tenants arrived.
 *
 * `npm run bench:load-held` prints the figures (options below); test/e2e/load-held.test.ts runs a
 * small version for the behaviour only (no crash, B served), asserting no time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { loadConfig } from '#config';
import { MAX_REQUEST_ENTRY_BYTES } from '#local/eventbridge-ingest';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { startBenchReceiver } from './receiver';

// The lock file pins SDK versions that run on Node 20; its notice about later releases needs no action.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface LoadHeldOptions {
  /** Tenant A's webhooks (its limit, MAX_WEBHOOKS_PER_TENANT). @default 100 */
  webhooks?: number;
  /** Largest events tenant A publishes. @default 10 */
  aEvents?: number;
  /** Small events tenant B publishes during A's load, at `bEventsPerSecond`. @default 50 */
  bEvents?: number;
  bEventsPerSecond?: number;
  /** Delivery threads (LOCAL_DELIVERY_THREADS). @default 1 */
  deliveryThreads?: number;
  /** How long to wait for every delivery before giving up. @default 300 s */
  maxWaitMs?: number;
}

export interface LoadHeldResult {
  webhooks: number;
  aEvents: number;
  aEventBytes: number;
  aDeliveriesExpected: number;
  aDeliveriesReceived: number;
  bEvents: number;
  bReceived: number;
  bLatencyMs: { p50: number; p90: number; p99: number; max: number };
  peakRssMiB: number;
  peakMainHeapMiB: number;
  peakDeliveryThreadHeapMiB: number;
  healthyAfter: boolean;
  durationMs: number;
}

const TOKEN_A = `load-a-${randomBytes(12).toString('hex')}`;
const TOKEN_B = `load-b-${randomBytes(12).toString('hex')}`;

/** Runs the scenario on a fresh runtime and data directory; stops both before answering. */
export async function runLoadHeld(options: LoadHeldOptions = {}): Promise<LoadHeldResult> {
  const webhooks = options.webhooks ?? 100;
  const aEvents = options.aEvents ?? 10;
  const bEvents = options.bEvents ?? 50;
  const bEventsPerSecond = options.bEventsPerSecond ?? 10;
  const startedAt = performance.now();
  const receiver = await startReceiver();
  const dataDir = await mkdtemp(join(tmpdir(), 'cw-load-held-'));
  const runtime = await startLocalRuntime({
    config: loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_TOKENS: `${TOKEN_A}=load-a,${TOKEN_B}=load-b`,
      ALLOW_INSECURE_LOCALHOST: 'true',
      MAX_WEBHOOKS_PER_TENANT: String(webhooks),
      RETRY_SCHEDULE: '1,1',
      DELIVERY_TIMEOUT_MS: '10000',
      LOCAL_DELIVERY_THREADS: String(options.deliveryThreads ?? 1),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    }),
    resolver: {
      async resolve(hostname) {
        if (hostname === '127.0.0.1' || hostname === 'localhost') return ['127.0.0.1'];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    },
  });
  const memory = sampleMemory(runtime);
  const events = new EventBridgeClient({
    endpoint: runtime.url,
    region: 'us-east-1',
    credentials: { ...runtime.awsKey },
  });
  try {
    for (let index = 0; index < webhooks; index++) {
      await createWorstCaseWebhook(runtime.url, receiver.url(`/a/${index}`), index);
    }
    // The limit holds: one more is refused.
    const extra = await api(runtime.url, TOKEN_A, 'POST', '/v1/webhooks', {
      name: 'one too many',
      events: ['message.created'],
      url: receiver.url('/a/extra'),
    });
    if (extra.status !== 409) throw new Error(`create past the limit answered ${extra.status}`);
    const created = await api(runtime.url, TOKEN_B, 'POST', '/v1/webhooks', {
      name: 'tenant B',
      events: ['message.created'],
      url: receiver.url('/b'),
    });
    if (created.status !== 201) throw new Error(`tenant B's webhook: ${created.status}`);

    const bigEntry = largestEntry();
    const aEventBytes = entryBytes(bigEntry(0));
    const publishA = (async () => {
      for (let index = 0; index < aEvents; index++) {
        const answer = await events.send(new PutEventsCommand({ Entries: [bigEntry(index)] }));
        if (answer.FailedEntryCount) throw new Error(`A's event ${index}: ${JSON.stringify(answer.Entries)}`);
      }
    })();
    const publishB = (async () => {
      for (let index = 0; index < bEvents; index++) {
        const sentAt = Date.now();
        const entry = smallEntry(index, sentAt);
        receiver.published((JSON.parse(entry.Detail) as { id: string }).id, sentAt);
        const answer = await events.send(new PutEventsCommand({ Entries: [entry] }));
        if (answer.FailedEntryCount) throw new Error(`B's event ${index}: ${JSON.stringify(answer.Entries)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000 / bEventsPerSecond));
      }
    })();
    await Promise.all([publishA, publishB]);
    const aDeliveriesExpected = aEvents * webhooks;
    await receiver.until(
      () => receiver.aCount() >= aDeliveriesExpected && receiver.bLatencies().length >= bEvents,
      options.maxWaitMs ?? 300_000,
    );
    const health = await fetch(`${runtime.url}/health`);
    const latencies = [...receiver.bLatencies()].sort((left, right) => left - right);
    const at = (fraction: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil(fraction * latencies.length) - 1)] ?? Number.NaN;
    const peaks = memory.stop();
    return {
      webhooks,
      aEvents,
      aEventBytes,
      aDeliveriesExpected,
      aDeliveriesReceived: receiver.aCount(),
      bEvents,
      bReceived: latencies.length,
      bLatencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: latencies.at(-1) ?? Number.NaN },
      ...peaks,
      healthyAfter: health.status === 200,
      durationMs: Math.round(performance.now() - startedAt),
    };
  } finally {
    memory.stop();
    events.destroy();
    await runtime.close();
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A webhook of tenant A with the largest secrets the API accepts. */
async function createWorstCaseWebhook(baseUrl: string, url: string, index: number): Promise<void> {
  const headers: Record<string, string> = {};
  // 20 headers, names and values totalling just under the 8,192-byte cap.
  for (let header = 0; header < 20; header++) {
    headers[`x-secret-${String(header).padStart(2, '0')}`] = randomBytes(300)
      .toString('base64')
      .slice(0, 395);
  }
  const created = await api(baseUrl, TOKEN_A, 'POST', '/v1/webhooks', {
    name: `A worst case ${index}`,
    events: ['message.created'],
    url,
    authentication: { type: 'bearer', token: randomBytes(3072).toString('base64') },
    headers,
  });
  if (created.status !== 201)
    throw new Error(`A's webhook ${index}: ${created.status} ${JSON.stringify(created.body)}`);
  // Rotated, so two secrets sign (and are scrubbed) on every delivery.
  const rotated = await api(baseUrl, TOKEN_A, 'POST', `/v1/webhooks/${created.body?.id}/rotate-secret`, {});
  if (rotated.status !== 200) throw new Error(`rotate ${index}: ${rotated.status}`);
}

/**
 * Tenant A's event: as close to PutEvents' 256 KB entry limit as the entry allows, the bulk in an
 * extra field of `data` (a message's text is capped at 100,000 characters; extra fields pass through).
 */
function largestEntry() {
  const overhead = entryBytes(entryWithPadding(0, ''));
  const padding = 'x'.repeat(MAX_REQUEST_ENTRY_BYTES - overhead - 64);
  return (index: number) => entryWithPadding(index, padding);
}

function entryWithPadding(index: number, padding: string) {
  return {
    Source: 'chat.platform',
    DetailType: 'message.created',
    EventBusName: 'chat-events',
    Detail: JSON.stringify({
      tenantId: 'load-a',
      brandId: 'b',
      id: `evt_a_${index}_${randomBytes(4).toString('hex')}`,
      data: {
        conversationId: `c${index}`,
        message: {
          id: `m${index}`,
          author: { type: 'customer', id: 'u1' },
          text: 'largest event',
          createdAt: new Date().toISOString(),
        },
        padding,
      },
    }),
  };
}

function smallEntry(index: number, sentAt: number) {
  return {
    Source: 'chat.platform',
    DetailType: 'message.created',
    EventBusName: 'chat-events',
    Detail: JSON.stringify({
      tenantId: 'load-b',
      brandId: 'b',
      id: `evt_b_${index}_${randomBytes(4).toString('hex')}`,
      data: {
        conversationId: `b${index}`,
        message: {
          id: `bm${index}`,
          author: { type: 'customer', id: 'u2' },
          text: `sent ${sentAt}`,
          createdAt: new Date(sentAt).toISOString(),
        },
      },
    }),
  };
}

function entryBytes(entry: { Source: string; DetailType: string; Detail: string }): number {
  return (
    Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail)
  );
}

async function api(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { id?: string } | undefined }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { id?: string }) : undefined };
}

/** Peak memory of this process (every thread) and of the delivery threads' heaps, sampled every 50 ms. */
function sampleMemory(runtime: LocalRuntime) {
  let peakRss = 0;
  let peakHeap = 0;
  let peakThreadHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    for (const heap of runtime.deliveryThreadHeapUsed()) peakThreadHeap = Math.max(peakThreadHeap, heap);
  };
  const timer = setInterval(sample, 50);
  sample();
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      // maxRSS (KiB) covers peaks between samples.
      peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
      return {
        peakRssMiB: mib(peakRss),
        peakMainHeapMiB: mib(peakHeap),
        peakDeliveryThreadHeapMiB: mib(peakThreadHeap),
      };
    },
  };
}

/**
 * One loopback receiver for both tenants (the shared receiving host): A's paths and B's, in a process
 * of its own as in `npm run bench` (bench/receiver-process.ts). In this process its reading of A's
 * ~256 KB bodies (hundreds of MB) shared the service's event loop and was counted as the service
 * holding B back. B's latency is its receipt time there minus the time its publish started here.
 */
async function startReceiver() {
  const receiver = await startBenchReceiver();
  const sentAt = new Map<string, number>();
  const receipts = () => {
    let aCount = 0;
    const bLatencies: number[] = [];
    for (const [key, atMs] of receiver.receivedAt) {
      const [eventId = '', path = ''] = key.split(' ');
      if (path === '/b') {
        const sent = sentAt.get(eventId);
        if (sent !== undefined) bLatencies.push(Math.round(atMs - sent));
      } else aCount++;
    }
    return { aCount, bLatencies };
  };
  return {
    url: (path: string) => `${receiver.origin}${path}`,
    /** Notes when B's event `eventId` was published (its latency is counted from here). */
    published: (eventId: string, atMs: number) => sentAt.set(eventId, atMs),
    aCount: () => receipts().aCount,
    bLatencies: () => receipts().bLatencies,
    /** Resolves once `done()` holds, asking the receiver for its receipts until then; rejects after `timeoutMs`. */
    until: async (done: () => boolean, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        await receiver.flush();
        if (done()) return;
        if (performance.now() > deadline) {
          const { aCount, bLatencies } = receipts();
          throw new Error(
            `not every delivery arrived within ${timeoutMs} ms (A ${aCount}, B ${bLatencies.length})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => receiver.close(),
  };
}

if (process.argv[1]?.endsWith('load-held.ts')) {
  const option = (name: string): number | undefined => {
    const value = Number(process.argv.find((argument) => argument.startsWith(`--${name}=`))?.split('=')[1]);
    return value > 0 ? Math.round(value) : undefined;
  };
  const result = await runLoadHeld({
    ...(option('webhooks') ? { webhooks: option('webhooks')! } : {}),
    ...(option('a-events') ? { aEvents: option('a-events')! } : {}),
    ...(option('b-events') ? { bEvents: option('b-events')! } : {}),
    ...(option('threads') ? { deliveryThreads: option('threads')! } : {}),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
