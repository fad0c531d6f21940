/**
 * Drives chat events through the EventBridge-compatible ingest with the real EventBridge client and
 * matches each expected delivery (event x webhook) to its receipt: throughput, latency, loss.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { BENCH_TENANT, type BenchTenant } from './bench-service';
import type { PublishAnswer, PublishRequest } from './publisher-process';
import type { BenchReceiver } from './receiver';
import { receiptKey } from './receiver';

export const BENCH_EVENT_TYPE = 'message.created';
const ENTRIES_PER_PUT = 10;
const now = (): number => performance.timeOrigin + performance.now();

/** What one phase measured. */
export interface PhaseResult {
  events: number;
  expected: number;
  received: number;
  lost: number;
  /** Publish → receipt of every received delivery, in milliseconds. */
  latenciesMs: number[];
  /** `latenciesMs` plus, for each delivery never received, publish → end of the phase (a lower bound). */
  censoredLatenciesMs: number[];
  /** Received deliveries per second, first publish to last receipt. */
  deliveriesPerSecond: number;
  elapsedMs: number;
}

/** A chat event whose Detail carries our own id, so the delivery's webhook-id names it. */
export function benchEventEntry(
  eventId: string,
  text: string,
  tenant: BenchTenant = BENCH_TENANT,
): PutEventsRequestEntry {
  return {
    Source: 'chat.platform',
    DetailType: BENCH_EVENT_TYPE,
    EventBusName: 'chat-events',
    Detail: JSON.stringify({
      tenantId: tenant,
      brandId: 'brand-1',
      id: eventId,
      data: {
        conversationId: 'conv_1',
        message: {
          id: `msg_${eventId}`,
          author: { type: 'customer', id: 'cust_1', name: 'Customer' },
          text,
          createdAt: '2026-11-24T10:00:00Z',
        },
      },
    }),
  };
}

const PUBLISHER_SCRIPT = fileURLToPath(new URL('./publisher-process.ts', import.meta.url));

/** The platform's publisher: PutEvents with the real EventBridge client, from another process (publisher-process.ts). */
export interface Publisher {
  /** PutEvents calls made so far (the platform's, not counted as the service's requests). */
  counter: { total(): number };
  put(entries: PutEventsRequestEntry[]): Promise<void>;
  destroy(): void;
}

/** Starts the publisher process aimed at the local ingest and waits until it is ready. */
export async function createPublisher(
  ingestUrl: string,
  ingestKey: { accessKeyId: string; secretAccessKey: string },
): Promise<Publisher> {
  const child: ChildProcess = fork(PUBLISHER_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    // The key the ingest checks signatures against (the runtime's DATA_DIR key), for the child to sign with.
    env: { ...process.env, BENCH_INGEST_URL: ingestUrl, BENCH_INGEST_KEY: JSON.stringify(ingestKey) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let calls = 0;
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the publisher exited early (${code})`)));
    child.on('message', (answer: PublishAnswer) => {
      if (answer.id === 0) return resolve();
      const call = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error) call?.reject(new Error(answer.error));
      else call?.resolve();
    });
  });
  child.removeAllListeners('exit');
  child.once('exit', () => {
    for (const call of waiting.values()) call.reject(new Error('the publisher exited'));
    waiting.clear();
  });
  return {
    counter: { total: () => calls },
    put(entries) {
      calls += 1;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, entries } satisfies PublishRequest);
      });
    },
    destroy: () => {
      if (child.connected) child.send('close');
    },
  };
}

export interface PhaseOptions {
  name: string;
  events: number;
  /** Webhook paths every event reaches. */
  paths: string[];
  publisher: Publisher;
  receiver: BenchReceiver;
  messageText: string;
  /** Events per second, paced (open loop); absent = as fast as `publishConcurrency` allows. */
  eventsPerSecond?: number;
  publishConcurrency: number;
  /** The tenant whose events these are. @default BENCH_TENANT */
  tenant?: BenchTenant;
  /** Stop waiting this long after the last publish even if receipts still come. @default no limit */
  maxWaitMs?: number;
  /** Give up on missing deliveries after this long without a new receipt. */
  quietTimeoutMs: number;
  onProgress?: (received: number, expected: number) => void;
}

/** Publishes `events` events and waits for their deliveries. */
export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  const publishedAt = new Map<string, number>();
  const expected = options.events * options.paths.length;
  // Only the benchmark's receipts for this phase's events: every receipt of a path we expect counts once.
  const countReceived = (): number => options.receiver.receivedWithPrefix(`evt_${options.name}`);

  const batches: string[][] = [];
  for (let index = 0; index < options.events; index += ENTRIES_PER_PUT) {
    const size = Math.min(ENTRIES_PER_PUT, options.events - index);
    batches.push(Array.from({ length: size }, (_, offset) => `evt_${options.name}_${index + offset}`));
  }
  const publishBatch = async (eventIds: string[]): Promise<void> => {
    const at = now();
    for (const eventId of eventIds) publishedAt.set(eventId, at);
    await options.publisher.put(
      eventIds.map((eventId) => benchEventEntry(eventId, options.messageText, options.tenant)),
    );
  };

  const startedAt = now();
  let received = 0;
  const progress = setInterval(() => {
    received = countReceived();
    options.onProgress?.(received, expected);
  }, 250);
  try {
    let next = 0;
    const publishers = Array.from({ length: options.publishConcurrency }, async () => {
      while (next < batches.length) {
        const batchIndex = next++;
        const batch = batches[batchIndex]!;
        if (options.eventsPerSecond) {
          // Open loop: each batch goes at its scheduled time, whatever the service's backlog.
          const dueAt = startedAt + ((batchIndex * ENTRIES_PER_PUT) / options.eventsPerSecond) * 1000;
          const waitMs = dueAt - now();
          if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
        await publishBatch(batch);
      }
    });
    await Promise.all(publishers);
    const publishedAllAt = now();

    let lastCount = -1;
    let lastChangeAt = now();
    for (;;) {
      await options.receiver.flush();
      received = countReceived();
      if (received !== lastCount) {
        lastCount = received;
        lastChangeAt = now();
      }
      if (received >= expected || now() - lastChangeAt > options.quietTimeoutMs) break;
      if (options.maxWaitMs !== undefined && now() - publishedAllAt > options.maxWaitMs) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    clearInterval(progress);
  }

  const latenciesMs: number[] = [];
  let lastReceiptAt = startedAt;
  for (const [eventId, at] of publishedAt) {
    for (const path of options.paths) {
      const receivedAt = options.receiver.receivedAt.get(receiptKey(eventId, path));
      if (receivedAt === undefined) continue;
      latenciesMs.push(receivedAt - at);
      lastReceiptAt = Math.max(lastReceiptAt, receivedAt);
    }
  }
  const elapsedMs = lastReceiptAt - startedAt;
  // Deliveries not received by the end count as having waited until then: a lower bound on their latency.
  const endedAt = now();
  const censoredLatenciesMs = [...latenciesMs];
  for (const [eventId, at] of publishedAt) {
    for (const path of options.paths) {
      if (!options.receiver.receivedAt.has(receiptKey(eventId, path))) censoredLatenciesMs.push(endedAt - at);
    }
  }
  return {
    censoredLatenciesMs,
    events: options.events,
    expected,
    received: latenciesMs.length,
    lost: expected - latenciesMs.length,
    latenciesMs,
    deliveriesPerSecond: elapsedMs > 0 ? (latenciesMs.length * 1000) / elapsedMs : 0,
    elapsedMs,
  };
}
