import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SqsHarness, startSqsHarness } from '#test/support/sqs-harness';

let dataDir: string;
const open: SqsHarness[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-sqs-durable-'));
});

afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function startHarness(): Promise<SqsHarness> {
  const harness = await startSqsHarness(dataDir);
  open.push(harness);
  return harness;
}

async function closeHarness(harness: SqsHarness): Promise<void> {
  open.splice(open.indexOf(harness), 1);
  await harness.close();
}

/** Receives until the queue answers empty; returns every message id seen. */
async function drain(harness: SqsHarness, queueUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const { Messages } = await harness.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!Messages?.length) return ids;
    for (const message of Messages) ids.push(message.MessageId as string);
  }
}

describe('local SQS durability', () => {
  it('keeps queues and messages across a reopen; in-flight ones return after their deadline', async () => {
    const first = await startHarness();
    const queueUrl = first.sqs.queueUrl('durable');
    await first.sqs.handle('AmazonSQS.CreateQueue', JSON.stringify({ QueueName: 'durable' }));
    const sentIds: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      const { MessageId } = await first.client.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }),
      );
      sentIds.push(MessageId as string);
    }
    const { Messages: inFlight } = await first.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 1 }),
    );
    expect(inFlight).toHaveLength(2);
    const [deleted, stillInFlight] = inFlight ?? [];
    await first.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: deleted?.ReceiptHandle }),
    );
    await closeHarness(first);

    const second = await startHarness();
    const reopenedUrl = second.sqs.queueUrl('durable');
    const visibleNow = await drain(second, reopenedUrl);
    const untouched = sentIds.filter((id) => id !== deleted?.MessageId && id !== stillInFlight?.MessageId);
    expect(visibleNow).toEqual(untouched);

    const { Messages: returned } = await second.client.send(
      new ReceiveMessageCommand({
        QueueUrl: reopenedUrl,
        WaitTimeSeconds: 3,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(returned?.map((message) => message.MessageId)).toEqual([stillInFlight?.MessageId]);
    expect(returned?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('loses no acknowledged message when the process is killed with SIGKILL mid-stream', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/send-until-killed.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged = new Set<string>();
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('ACK ')) acknowledged.add(line.slice(4));
        if (acknowledged.size >= 1500) resolve();
      });
      void exited.then(() => reject(new Error(`child exited early: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const harness = await startHarness();
    const stored = new Set(await drain(harness, harness.sqs.queueUrl('crash')));
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(acknowledged.size).toBeGreaterThanOrEqual(1500);
    expect(lost).toEqual([]);
  });
});
