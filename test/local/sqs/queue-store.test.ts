import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueStore } from '#local/sqs/queue-store';

let path: string;
let store: QueueStore;
let now: number;

const open = () => QueueStore.open({ path, accountId: '123456789012', now: () => now });

beforeEach(async () => {
  path = await mkdtemp(join(tmpdir(), 'queue-store-'));
  now = Date.UTC(2030, 0, 1);
  store = await open();
});

afterEach(async () => {
  await store.close();
  await rm(path, { recursive: true, force: true });
});

describe('QueueStore', () => {
  it('drops messages older than the retention period instead of delivering them', async () => {
    await store.createQueue('retention', { MessageRetentionPeriod: '60' });
    await store.sendMessages('retention', [{ body: 'old' }]);
    now += 30_000;
    await store.sendMessages('retention', [{ body: 'young' }]);
    now += 31_000;
    const received = await store.receiveMessages('retention', { maxMessages: 10 });
    expect(received.map((message) => message.body)).toEqual(['young']);
    expect(store.countMessages('retention')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });

  it('honours delays up to 900 s and visibility timeouts up to 12 h, also after a reopen', async () => {
    await store.createQueue('long');
    await store.sendMessages('long', [{ body: 'delayed', delaySeconds: 900 }, { body: 'now' }]);
    const [message] = await store.receiveMessages('long', {
      maxMessages: 10,
      visibilityTimeoutSeconds: 43_200,
    });
    expect(message?.body).toBe('now');
    expect(store.countMessages('long')).toEqual({ visible: 0, inFlight: 1, delayed: 1 });

    await store.close();
    store = await open();
    now += 899_000;
    expect(await store.receiveMessages('long', { maxMessages: 10 })).toEqual([]);
    now += 1_000;
    expect(
      (await store.receiveMessages('long', { maxMessages: 10 })).map((received) => received.body),
    ).toEqual(['delayed']);
    now += 43_200_000;
    const back = await store.receiveMessages('long', { maxMessages: 10 });
    expect(back.find((received) => received.body === 'now')).toMatchObject({ receiveCount: 2 });
  });

  it('moves a poison message to the DLQ in one write that survives a reopen', async () => {
    await store.createQueue('dlq');
    await store.createQueue('main', {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: store.queueArn('dlq'), maxReceiveCount: 1 }),
    });
    const [sent] = await store.sendMessages('main', [{ body: 'poison' }]);
    await store.receiveMessages('main', { maxMessages: 1 });
    now += 10_000;
    expect(await store.receiveMessages('main', { maxMessages: 1 })).toEqual([]);

    await store.close();
    store = await open();
    expect(store.countMessages('main')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead] = await store.receiveMessages('dlq', { maxMessages: 1 });
    expect(dead).toMatchObject({ id: sent?.id, body: 'poison', receiveCount: 1 });
    expect(dead?.deadLetterQueueSourceArn).toBe('arn:aws:sqs:local:123456789012:main');
  });

  it('never hands one message out twice in a receive with a zero visibility timeout', async () => {
    await store.createQueue('zero');
    await store.sendMessages('zero', [{ body: 'a' }, { body: 'b' }]);
    const received = await store.receiveMessages('zero', { maxMessages: 10, visibilityTimeoutSeconds: 0 });
    expect(received.map((message) => message.body)).toEqual(['a', 'b']);
    const again = await store.receiveMessages('zero', { maxMessages: 10, visibilityTimeoutSeconds: 0 });
    expect(again.map((message) => message.receiveCount)).toEqual([2, 2]);
  });

  it('treats CreateQueue as idempotent for the attributes named, and refuses a conflicting value', async () => {
    await store.createQueue('same', { VisibilityTimeout: '5' });
    await expect(store.createQueue('same')).resolves.toMatchObject({
      attributes: { VisibilityTimeout: '5' },
    });
    await expect(store.createQueue('same', { VisibilityTimeout: '6' })).rejects.toMatchObject({
      type: 'QueueNameExists',
    });
  });
});
