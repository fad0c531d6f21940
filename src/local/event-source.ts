/**
 * A local stand-in for Lambda's SQS event source mapping: long-polls a queue with the real SQS
 * client, hands each batch to a handler as an `SQSEvent`, and deletes what the handler did not
 * report as failed. Semantics follow AWS: a thrown error deletes nothing (the whole batch returns
 * after its visibility timeout), and `batchItemFailures` naming an unknown record fails the batch.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: the same result type as aws-lambda's SQSHandler, so real handlers fit
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined | void>;
  /** Records per invocation, 1 to 10. @default 10 */
  batchSize?: number;
  /** Parallel pollers, each running one batch at a time. @default 4 */
  concurrency?: number;
  /** Long-poll wait, 0 to 20 seconds. @default 20 */
  waitTimeSeconds?: number;
  /** Told about receive, handler and delete failures; the poller carries on. */
  onError?: (error: unknown) => void;
}

/** A running event source. */
export interface SqsEventSource {
  /** Stops polling, lets in-flight batches finish (handler and delete), then resolves. */
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** Starts `concurrency` pollers feeding `handler`, as Lambda's event source mapping does. */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const batchSize = options.batchSize ?? 10;
  const concurrency = options.concurrency ?? 4;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)
    throw new RangeError('batchSize must be 1 to 10');
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError('concurrency must be at least 1');
  const awsRegion = options.queueArn.split(':')[3] ?? 'local';
  const stopping = new AbortController();
  const reportError = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error callback must not kill the poller.
    }
  };

  async function pollOnce(): Promise<void> {
    let messages: Message[];
    try {
      const output = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: stopping.signal },
      );
      messages = output.Messages ?? [];
    } catch (error) {
      if (stopping.signal.aborted) return;
      throw error;
    }
    if (messages.length === 0) return;
    const records = messages.map((message) => toRecord(message, options.queueArn, awsRegion));
    // Not abortable: a batch that was received is handled and settled even while stopping.
    const response = await options.handler({ Records: records });
    const failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const knownIds = new Set(records.map((record) => record.messageId));
    if ([...failedIds].some((id) => !knownIds.has(id))) {
      throw new Error('batchItemFailures names a record not in the batch; the whole batch will be retried');
    }
    const succeeded = records.filter((record) => !failedIds.has(record.messageId));
    if (succeeded.length === 0) return;
    const deleted = await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: succeeded.map((record, index) => ({
          Id: String(index),
          ReceiptHandle: record.receiptHandle,
        })),
      }),
    );
    if (deleted.Failed?.length) {
      reportError(
        new Error(`could not delete ${deleted.Failed.length} processed message(s); they will be redelivered`),
      );
    }
  }

  async function poll(): Promise<void> {
    let backoffMs = MIN_BACKOFF_MS;
    while (!stopping.signal.aborted) {
      try {
        await pollOnce();
        backoffMs = MIN_BACKOFF_MS;
      } catch (error) {
        reportError(error);
        await sleep(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  const pollers = Array.from({ length: concurrency }, () => poll());
  return {
    async stop() {
      stopping.abort();
      await Promise.all(pollers);
    },
  };
}

/** An SQS message as Lambda presents it in an `SQSEvent` record. */
function toRecord(message: Message, queueArn: string, awsRegion: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      ...(attributes.DeadLetterQueueSourceArn
        ? { DeadLetterQueueSourceArn: attributes.DeadLetterQueueSourceArn }
        : {}),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toRecordAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    converted[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
    };
  }
  return converted;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
