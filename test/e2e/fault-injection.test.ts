/**
 * Fault tolerance, measured: `npm start` is SIGKILLed (the whole process group) several times
 * while events are being published, fanned out and retried against a receiver that fails a third
 * of the time. Afterwards every expected (event, webhook) pair must have reached the receiver with
 * a 2xx or have a failure log: at-least-once, zero lost.
 *
 * Reproduce a run with FAULT_SEED=<the printed seed>.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueProbeAt } from '../support/delivery-queue-probe';
import { type FaultyReceiver, pairKey, startFaultyReceiver } from '../support/faulty-receiver';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from '../support/npm-start-process';

const TOKEN = 'fault-injection-token-0123456789';
const TENANT = 'acme';
const EVENT_TYPE = 'message.created';
const WEBHOOKS = 8;
const EVENTS = 250;
const BATCH = 10;
const DELIVERY_TIMEOUT_MS = 800;
/** 1+1+2+2 s between 5 attempts (FAULT_RETRY_SCHEDULE to choose another, e.g. with the circuit breaker on). */
const RETRY_SCHEDULE = process.env.FAULT_RETRY_SCHEDULE ?? '1,1,2,2';
/** The local queues that carry work (src/local/runtime.ts), read to tell when the pipeline is idle. */
const WORK_QUEUES = ['chat-events-bus', 'chat-webhooks-deliveries', 'chat-webhooks-deliveries-dlq'];
/** Where events go that fan-out failed too often: nothing consumes it, so anything there is lost. */
const FAN_OUT_DLQ = 'chat-events-fan-out-dlq';
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 2_147_483_647);
const FAULT_TIMEOUT_MS = Number(process.env.FAULT_TIMEOUT_MS ?? 240_000);

let dataDir: string;
let faulty: FaultyReceiver;
let service: ServiceProcess | undefined;
const started: ServiceProcess[] = [];

const env = () => ({
  PORT: '0',
  DATA_DIR: dataDir,
  ADMIN_TOKENS: `${TOKEN}=${TENANT}`,
  ALLOW_INSECURE_LOCALHOST: 'true',
  RETRY_SCHEDULE,
  DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
  POWERTOOLS_LOG_LEVEL: 'WARN',
  // PORT speaks no SQS: queue depths are read on the opt-in loopback SQS endpoint.
  LOCAL_SQS_PORT: '0',
  // All eight webhooks share one receiver origin that fails a third of the time at random, so the
  // per-origin circuit breaker would open within seconds and turn this into a breaker test (its
  // 30 s cool-down outlasts this short retry schedule). FAULT_CIRCUIT_BREAKER=on keeps it on.
  ...(process.env.FAULT_CIRCUIT_BREAKER === 'on' ? {} : { CIRCUIT_FAILURE_THRESHOLD: '1000000' }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(): Promise<ServiceProcess> {
  const next = await startServiceProcess(env());
  started.push(next);
  service = next;
  return next;
}

/** SIGKILL mid-flight, then a restart on the same data directory (PORT=0: the URL changes). */
async function killAndRestart(): Promise<void> {
  // `service` keeps pointing at the dead instance until the new one is up, so the publisher meets
  // refused connections meanwhile, as a real publisher would.
  if (service) await killProcessGroupHard(service.child);
  await start();
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const current = service;
  if (!current) throw new Error('the service is down');
  const response = await fetch(`${current.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function eventEntry(conversationId: string, index: number): PutEventsRequestEntry {
  return {
    Source: 'chat.platform',
    DetailType: EVENT_TYPE,
    EventBusName: 'chat-events',
    Detail: JSON.stringify({
      tenantId: TENANT,
      brandId: 'main',
      data: {
        conversationId,
        message: {
          id: `msg-${index}`,
          author: { type: 'customer', id: 'cust-1' },
          text: `message ${index}`,
          createdAt: '2026-11-24T10:00:00Z',
        },
      },
    }),
  };
}

/**
 * Publishes every entry at least once, whatever the service's state: an entry the service did not
 * acknowledge (refused, reset, InternalException) is sent again, to whichever instance is up.
 */
async function publishUntilAcknowledged(
  entries: { conversationId: string; entry: PutEventsRequestEntry }[],
  stats: { requests: number; resent: number },
  onAcknowledged: (conversationId: string) => void,
): Promise<void> {
  let pending = entries;
  let client: { url: string; events: EventBridgeClient } | undefined;
  try {
    while (pending.length > 0) {
      const current = service;
      if (!current) {
        await sleep(50);
        continue;
      }
      if (client?.url !== current.url) {
        client?.events.destroy();
        client = {
          url: current.url,
          // One attempt per call: this loop is the retry policy, and it follows restarts to the new port.
          events: new EventBridgeClient({
            endpoint: current.url,
            region: 'us-east-1',
            credentials: current.awsKey,
            maxAttempts: 1,
          }),
        };
      }
      stats.requests += 1;
      try {
        const output = await client.events.send(
          new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }),
        );
        const unacknowledged = pending.filter((_item, index) => !output.Entries?.[index]?.EventId);
        for (const item of pending) if (!unacknowledged.includes(item)) onAcknowledged(item.conversationId);
        stats.resent += unacknowledged.length;
        pending = unacknowledged;
      } catch {
        stats.resent += pending.length;
        await sleep(100);
      }
    }
  } finally {
    client?.events.destroy();
  }
}

interface FailureLogSummary {
  id: string;
  webhookId: string;
  eventId: string;
  attemptCount: number;
  givenUpReason?: string;
}

async function listFailureLogs(): Promise<FailureLogSummary[]> {
  const logs: FailureLogSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api(
      'GET',
      `/v1/failure-logs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    logs.push(...(page.body.items as FailureLogSummary[]));
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return logs;
}

/** Messages waiting, in flight or delayed on the named local queues; undefined when unreadable. */
async function queuedMessages(queues: string[]): Promise<number | undefined> {
  const current = service;
  if (!current) return undefined;
  if (!current.sqsUrl) return undefined;
  const probe = queueProbeAt({ endpoint: current.sqsUrl, awsKey: current.awsKey, maxAttempts: 1 });
  try {
    let total = 0;
    for (const name of queues) total += await probe.queuedMessages(name);
    return total;
  } catch {
    return undefined;
  } finally {
    probe.close();
  }
}

/**
 * Waits until nothing moves: every queue empty, and no new receiver hit nor failure log for a
 * while longer than one attempt plus the visibility timeout's slack.
 */
async function waitForQuiescence(timeoutMs: number): Promise<FailureLogSummary[]> {
  const quietMs = 4_000;
  const deadline = Date.now() + timeoutMs;
  let lastHits = -1;
  let lastLogs = -1;
  let stableSince = Date.now();
  for (;;) {
    const hits = faulty.totalHits();
    const logs = await listFailureLogs();
    const queued = await queuedMessages(WORK_QUEUES);
    if (hits !== lastHits || logs.length !== lastLogs || queued !== 0) {
      lastHits = hits;
      lastLogs = logs.length;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      return logs;
    }
    if (Date.now() > deadline) throw new Error(`no quiescence after ${timeoutMs} ms (${queued} queued)`);
    await sleep(500);
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cw-fault-injection-'));
  faulty = await startFaultyReceiver({
    seed: SEED,
    mix: { error: 0.15, hang: 0.07, reset: 0.08 },
    hangMs: DELIVERY_TIMEOUT_MS * 3,
  });
});

afterAll(async () => {
  // Dead before the data directory goes, so no process writes into a removed tree.
  await Promise.all(started.map((each) => killProcessGroupHard(each.child).catch(() => undefined)));
  await faulty?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('fault injection: SIGKILL the service while deliveries are in flight', () => {
  it('loses no delivery: each expected (event, webhook) pair got a 2xx or a failure log', {
    // FAULT_TIMEOUT_MS: longer runs (the circuit breaker on, a loaded machine) wait longer to drain.
    timeout: FAULT_TIMEOUT_MS,
  }, async () => {
    const startedAt = Date.now();
    console.log(`fault-injection seed ${SEED} (FAULT_SEED=${SEED} reproduces the receiver's answers)`);
    await start();

    const paths = Array.from({ length: WEBHOOKS }, (_unused, index) => `/hook-${index}`);
    const pathOfWebhook = new Map<string, string>();
    for (const path of paths) {
      faulty.serve(path);
      const created = await api('POST', '/v1/webhooks', {
        name: `fault injection ${path}`,
        events: [EVENT_TYPE],
        url: faulty.url(path),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      pathOfWebhook.set(created.body.id as string, path);
    }

    const conversations = Array.from({ length: EVENTS }, (_unused, index) => `conv-${SEED}-${index}`);
    const acknowledged = new Set<string>();
    const publishing = { requests: 0, resent: 0 };
    let kills = 0;

    // Two publishers side by side, so a kill is likely to catch a PutEvents request in flight.
    let nextOffset = 0;
    const publishLane = async () => {
      for (let offset = nextOffset; offset < EVENTS; offset = nextOffset) {
        nextOffset += BATCH;
        const batch = conversations.slice(offset, offset + BATCH).map((conversationId, index) => ({
          conversationId,
          entry: eventEntry(conversationId, offset + index),
        }));
        await publishUntilAcknowledged(batch, publishing, (id) => acknowledged.add(id));
        // Spread publishing over a few seconds so a kill lands in the middle of it.
        await sleep(60);
      }
    };
    const publisher = Promise.all([publishLane(), publishLane()]);

    // Kill 1: mid-publishing, with fan-out and first attempts under way.
    await waitUntil(() => acknowledged.size >= EVENTS * 0.4, 60_000, '40% of events acknowledged');
    await killAndRestart();
    kills += 1;
    await publisher;
    expect(acknowledged.size).toBe(EVENTS);

    // Kill 2: mid-retries, once several pairs have failed at least twice.
    const retried = () => [...faulty.pairs.values()].filter((pair) => pair.hits >= 3).length;
    // A time bound too: the kill must happen whatever the receiver's luck (or an open circuit) does.
    await waitUntil(() => retried() >= 20, 15_000, 'pairs on their third attempt', { orTimeout: true });
    await killAndRestart();
    kills += 1;

    // Kill 3: while late retries and dead-lettering happen.
    const late = () => [...faulty.pairs.values()].filter((pair) => pair.hits >= 4).length;
    const lateBefore = late();
    await waitUntil(() => late() >= lateBefore + 5, 10_000, 'more pairs on their fourth attempt', {
      orTimeout: true,
    });
    await killAndRestart();
    kills += 1;

    const failureLogs = await waitForQuiescence(FAULT_TIMEOUT_MS / 2);

    const fanOutDeadLetters = await queuedMessages([FAN_OUT_DLQ]);
    const failed = new Set<string>();
    let unattributed = 0;
    for (const log of failureLogs) {
      const path = pathOfWebhook.get(log.webhookId);
      let conversationId = faulty.conversationOfEvent.get(log.eventId);
      if (!conversationId) {
        // A log with no attempt (abandoned by the queue's redrive) never reached the receiver.
        const detail = await api('GET', `/v1/failure-logs/${log.id}`);
        conversationId = detail.body?.event?.data?.conversationId as string | undefined;
      }
      if (!path || !conversationId) {
        unattributed += 1;
        continue;
      }
      failed.add(pairKey(conversationId, path));
    }

    let delivered = 0;
    let withFailureLog = 0;
    let duplicates = 0;
    let sameIdDuplicates = 0;
    const lost: string[] = [];
    for (const conversationId of conversations) {
      for (const path of paths) {
        const key = pairKey(conversationId, path);
        const record = faulty.pairs.get(key);
        if (record && record.successes > 0) {
          delivered += 1;
          if (record.successes > 1) duplicates += 1;
          if ([...record.successesByEvent.values()].some((count) => count > 1)) sameIdDuplicates += 1;
        } else if (failed.has(key)) withFailureLog += 1;
        else lost.push(key);
      }
    }
    const expected = conversations.length * paths.length;

    // Dead-lettered without ever reaching the receiver: a failure log whose event the receiver never saw.
    let deadLetteredUnsent = 0;
    let givenUpBehindCircuit = 0;
    for (const log of failureLogs) {
      const path = pathOfWebhook.get(log.webhookId);
      const conversationId = faulty.conversationOfEvent.get(log.eventId);
      const seen = path && conversationId ? faulty.pairs.get(pairKey(conversationId, path)) : undefined;
      if (!seen?.eventIds.has(log.eventId)) deadLetteredUnsent += 1;
      if (log.givenUpReason !== undefined) givenUpBehindCircuit += 1;
    }
    // Health's counts against what the receiver itself answered (a kill loses at most the counts a
    // process had not yet written, and the answers to requests in flight).
    const receiverCounts = { succeeded: 0, failed: 0 };
    for (const [key, pair] of faulty.pairs) {
      if (!paths.includes(key.slice(key.indexOf('|') + 1))) continue;
      receiverCounts.succeeded += pair.successes;
      receiverCounts.failed += pair.hits - pair.successes;
    }
    const healthCounts = { succeeded: 0, failed: 0 };
    for (const webhookId of pathOfWebhook.keys()) {
      const read = await api('GET', `/v1/webhooks/${webhookId}`);
      healthCounts.succeeded += Number(read.body?.health?.succeeded24h ?? 0);
      healthCounts.failed += Number(read.body?.health?.failed24h ?? 0);
    }
    const rows: [string, string | number][] = [
      ['seed', SEED],
      ['deliveries expected', expected],
      ['received with 2xx', delivered],
      ['with failure log', withFailureLog],
      ['lost', lost.length],
      ['duplicates (2xx more than once)', duplicates],
      ['duplicate rate', `${((duplicates / expected) * 100).toFixed(2)}%`],
      ['  of which same webhook-id (dedupable)', sameIdDuplicates],
      ['fan-out DLQ depth (undeliverable)', fanOutDeadLetters ?? 'unreadable'],
      ['receiver hits', faulty.totalHits()],
      ['answers ok/500/hang/reset', Object.values(faulty.outcomes).join('/')],
      ['failure logs (unattributed)', `${failureLogs.length} (${unattributed})`],
      ['  dead-lettered never sent', deadLetteredUnsent],
      ['  given up behind an open circuit', givenUpBehindCircuit],
      ['health ok/failed', `${healthCounts.succeeded}/${healthCounts.failed}`],
      ['receiver ok/failed (its own count)', `${receiverCounts.succeeded}/${receiverCounts.failed}`],
      ['duplicates per kill', (duplicates / Math.max(1, kills)).toFixed(1)],
      ['PutEvents requests (entries resent)', `${publishing.requests} (${publishing.resent})`],
      ['kills (SIGKILL)', kills],
      ['total time', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`],
    ];
    console.log(
      ['fault-injection summary', ...rows.map(([name, value]) => `  ${name.padEnd(38)} ${value}`)].join('\n'),
    );
    if (lost.length > 0) console.log(`lost pairs (first 20): ${lost.slice(0, 20).join(', ')}`);

    expect(kills).toBeGreaterThanOrEqual(2);
    // The first kill landed mid-publishing: the publishers met a dead service and had to re-send.
    expect(publishing.resent).toBeGreaterThan(0);
    expect(unattributed).toBe(0);
    expect(lost).toEqual([]);
  });
});

/** Polls `predicate`; at `timeoutMs` throws, or with `orTimeout` simply returns. */
async function waitUntil(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
  options: { orTimeout?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      if (options.orTimeout) return;
      // What the service said is the first thing to read when the pipeline stalls.
      console.log(`service output (tail):\n${service?.output().slice(-5000) ?? '(none)'}`);
      throw new Error(`Timed out waiting for ${what} (receiver hits: ${faulty.totalHits()})`);
    }
    await sleep(25);
  }
}
