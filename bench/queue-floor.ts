/**
 * The queue floor: what the local durable queue alone carries on one thread, with no handler, no
 * HTTP and no ingest. Each message takes the path a delivery message takes: SendMessageBatch through
 * the SDK (as fan-out sends), then ReceiveMessage and DeleteMessageBatch as the event source makes
 * them. The main thread runs this queue beside the ingest, the bus and the fan-out, so the service
 * can never deliver faster than this figure: it bounds the ratio from above.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '#adapters/aws-clients';
import { InProcessRequestHandler } from '#local/in-process-transport';
import { localEventSourceQueue } from '#local/sqs/event-source-queue';
import { createLocalSqs } from '#local/sqs/sqs-protocol';

/** Messages per second through send, receive and delete, and the CPU each message cost. */
export interface QueueFloor {
  messages: number;
  perSecond: number;
  cpuMsPerMessage: number;
}

const BATCH = 10;
const CONSUMERS = 4;
const SENDERS = 4;

/** Pushes `messages` messages of `bodyBytes` through the queue; resolves with the best of `rounds` rounds. */
export async function measureQueueFloor(options: {
  messages: number;
  bodyBytes: number;
  rounds: number;
}): Promise<QueueFloor> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cw-queue-floor-'));
  const endpoint = 'http://127.0.0.1:9';
  const sqs = await createLocalSqs({ dataDir, baseUrl: () => endpoint });
  const client = createSqsClient({
    endpoint,
    requestHandler: new InProcessRequestHandler((target, body, signal) => sqs.handle(target, body, signal)),
  });
  const consumer = localEventSourceQueue(sqs);
  const never = new AbortController().signal;
  try {
    const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'floor' }))).QueueUrl as string;
    const body = JSON.stringify({
      kind: 'delivery',
      padding: 'x'.repeat(Math.max(0, options.bodyBytes - 30)),
    });
    const entries = Array.from({ length: BATCH }, (_, index) => ({ Id: String(index), MessageBody: body }));
    let best: QueueFloor | undefined;
    for (let round = 0; round < options.rounds; round++) {
      const cpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      let batchesLeft = Math.ceil(options.messages / BATCH);
      const sender = async (): Promise<void> => {
        while (batchesLeft-- > 0)
          await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      };
      let received = 0;
      const sent = Math.ceil(options.messages / BATCH) * BATCH;
      const receiver = async (): Promise<void> => {
        while (received < sent) {
          const { Messages = [] } = await consumer.receiveMessage(
            { QueueUrl: queueUrl, MaxNumberOfMessages: BATCH, WaitTimeSeconds: 1 },
            never,
          );
          received += Messages.length;
          if (Messages.length === 0) continue;
          await consumer.deleteMessageBatch({
            QueueUrl: queueUrl,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          });
        }
      };
      await Promise.all([
        ...Array.from({ length: SENDERS }, sender),
        ...Array.from({ length: CONSUMERS }, receiver),
      ]);
      const seconds = (performance.now() - startedAt) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const result = {
        messages: received,
        perSecond: received / seconds,
        cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / received,
      };
      if (!best || result.perSecond > best.perSecond) best = result;
    }
    return best as QueueFloor;
  } finally {
    client.destroy();
    await sqs.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
