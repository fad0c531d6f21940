/**
 * The local queue engine's memory follows the number of queued messages, never their bodies
 * (docs/contract.md#limits: one tenant's backlog must not take the process down, nor keep it from
 * restarting), and a data directory written by the earlier layout (bodies inline in the metadata
 * record) still opens and serves its messages.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { md5OfBody, md5OfMessageAttributes } from '#local/sqs/message-md5';
import { QueueStore } from '#local/sqs/queue-store';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

// The test runner gives no --expose-gc; this flag, set at run time, makes `gc` available to new contexts.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** V8 heap in use after full collections, in bytes. */
function heapUsedAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MESSAGES = 2_000;
const BODY_BYTES = 32 * 1024;
const BODIES_BYTES = MESSAGES * BODY_BYTES;

let dataDir: string;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'queue-store-memory-'));
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openStore(): Promise<QueueStore> {
  const store = await QueueStore.open({ path: join(dataDir, 'sqs'), accountId: '123456789012' });
  closers.push(() => store.close());
  return store;
}

/** A distinct body of BODY_BYTES characters, as a body parsed off the wire is its own string. */
const bodyOf = (index: number): string =>
  `${index}:${randomBytes(BODY_BYTES).toString('base64')}`.slice(0, BODY_BYTES);

describe('QueueStore memory', () => {
  it('holds a backlog of large bodies without keeping them on the heap, and reopens it without reading them', async () => {
    let store = await openStore();
    await store.createQueue('backlog');
    const before = heapUsedAfterGc();
    for (let sent = 0; sent < MESSAGES; sent += 10) {
      await store.sendMessages(
        'backlog',
        Array.from({ length: 10 }, (_, offset) => ({
          body: bodyOf(sent + offset),
          messageGroupId: `tenant-${(sent + offset) % 3}`,
        })),
      );
    }
    const afterSend = heapUsedAfterGc();
    // Bodies kept in memory would grow the heap by at least their total; metadata is a few hundred bytes each.
    expect(afterSend - before).toBeLessThan(BODIES_BYTES / 8);
    expect(store.countMessages('backlog')).toEqual({ visible: MESSAGES, inFlight: 0, delayed: 0 });

    await store.close();
    closers.length = 0;
    const closed = heapUsedAfterGc();
    store = await openStore();
    expect(store.payloadReads).toBe(0);
    expect(heapUsedAfterGc() - closed).toBeLessThan(BODIES_BYTES / 8);
    expect(store.countMessages('backlog')).toEqual({ visible: MESSAGES, inFlight: 0, delayed: 0 });

    const received = await store.receiveMessages('backlog', { maxMessages: 10 });
    expect(received).toHaveLength(10);
    // Only the messages handed out had their bodies read.
    expect(store.payloadReads).toBe(10);
    for (const message of received) {
      expect(message.body).toHaveLength(BODY_BYTES);
      expect(message.body.startsWith(`${message.body.split(':')[0]}:`)).toBe(true);
    }
  });

  it('redrives a message to its DLQ without reading its body, and the DLQ serves the body', async () => {
    let now = Date.UTC(2030, 0, 1);
    const store = await QueueStore.open({
      path: join(dataDir, 'sqs'),
      accountId: '123456789012',
      now: () => now,
    });
    closers.push(() => store.close());
    await store.createQueue('dead');
    await store.createQueue('main', {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: store.queueArn('dead'), maxReceiveCount: 1 }),
    });
    const body = bodyOf(7);
    await store.sendMessages('main', [{ body }]);
    await store.receiveMessages('main', { maxMessages: 1 });
    const readsBeforeRedrive = store.payloadReads;
    now += 10_000;
    expect(await store.receiveMessages('main', { maxMessages: 1 })).toEqual([]);
    expect(store.payloadReads).toBe(readsBeforeRedrive);
    const [dead] = await store.receiveMessages('dead', { maxMessages: 1 });
    expect(dead?.body).toBe(body);
  });

  it('opens a data directory whose messages carry their bodies inline (the earlier layout) and keeps serving them', async () => {
    // The earlier layout, as that version wrote it: the queue record, then each message whole under m!<queue>!<id>.
    const database = new ClassicLevel<string, string>(join(dataDir, 'sqs'), { valueEncoding: 'utf8' });
    await database.open();
    const sentAt = Date.now();
    const queue = {
      name: 'old',
      attributes: { VisibilityTimeout: '30' },
      createdAt: sentAt,
      modifiedAt: sentAt,
    };
    const attributes = { tenant: { DataType: 'String', StringValue: 'c' } };
    const inline = (id: string, body: string, offset: number, extra: object = {}) => ({
      id,
      body,
      md5OfBody: md5OfBody(body),
      sentAt: sentAt + offset,
      expiresAt: sentAt + 3_600_000,
      receiveCount: 0,
      visibleAt: sentAt + offset,
      ...extra,
    });
    await database.batch([
      { type: 'put', key: 'q!old', value: JSON.stringify(queue) },
      {
        type: 'put',
        key: 'm!old!00000000-0000-4000-8000-000000000002',
        value: JSON.stringify(inline('00000000-0000-4000-8000-000000000002', 'second', 1)),
      },
      {
        type: 'put',
        key: 'm!old!00000000-0000-4000-8000-000000000001',
        value: JSON.stringify(
          inline('00000000-0000-4000-8000-000000000001', 'first', 0, {
            messageAttributes: attributes,
            md5OfMessageAttributes: md5OfMessageAttributes(attributes),
          }),
        ),
      },
    ]);
    await database.close();

    const opened = await startSqsHarness(dataDir);
    closers.push(() => opened.close());
    const first = await receive(opened, 'old', 1);
    expect(first.map((message) => message.Body)).toEqual(['first']);
    expect(first[0]?.MessageAttributes?.tenant?.StringValue).toBe('c');
    await opened.close();
    closers.length = 0;

    // Reopened again: the migrated layout serves the rest, and the first is in flight still.
    const reopened = await startSqsHarness(dataDir);
    closers.push(() => reopened.close());
    const rest = await receive(reopened, 'old', 10);
    expect(rest.map((message) => message.Body)).toEqual(['second']);
    await reopened.close();
    closers.length = 0;

    const raw = new ClassicLevel<string, string>(join(dataDir, 'sqs'), { valueEncoding: 'utf8' });
    await raw.open();
    try {
      const metadata = await raw.get('m!old!00000000-0000-4000-8000-000000000001');
      expect(JSON.parse(metadata ?? '{}')).not.toHaveProperty('body');
      expect(JSON.parse((await raw.get('b!00000000-0000-4000-8000-000000000001')) ?? '{}')).toEqual({
        body: 'first',
        messageAttributes: attributes,
      });
    } finally {
      await raw.close();
    }
  });
});

/** One ReceiveMessage through the SDK, with every message attribute. */
async function receive(harness: SqsHarness, queueName: string, max: number) {
  const { Messages } = await harness.client.send(
    new ReceiveMessageCommand({
      QueueUrl: harness.sqs.queueUrl(queueName),
      MaxNumberOfMessages: max,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}
