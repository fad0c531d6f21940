/**
 * A local stand-in for Lambda's SQS event source mapping: long-polls a queue (through the SDK, or
 * straight into the local SQS service as AWS's own pollers would), hands each batch to a handler
 * as an `SQSEvent`, and deletes what the handler did not
 * report as failed. Semantics follow AWS: a thrown error deletes nothing (the whole batch returns
 * after its visibility timeout), and `batchItemFailures` naming an unknown record fails the batch.
 *
 * A batch is settled only when its slowest record is, as on Lambda. On AWS that costs nothing to the
 * rest of the queue: the mapping scales out and other invocations take the next messages. A fixed
 * set of local pollers would instead sit behind a few slow records, so with `maxConcurrency` the
 * source scales out the same way: while every poller has been busy on a batch for `scaleOutAfterMs`,
 * one more starts, and extra pollers retire once the queue runs dry. The trade-off is the one Lambda
 * makes: slow endpoints cost concurrency (memory, sockets) rather than latency for everyone else;
 * the per-endpoint limit and the circuit breaker keep that cost bounded.
 *
 * With `visibilityTimeoutSeconds`, a running batch also sends a visibility heartbeat: every third of
 * that timeout it extends its messages' visibility back to the full timeout, until the handler
 * returns. Lambda's mapping does not, and need not: one Lambda environment handles one batch, so a
 * batch never waits on anything shared with other batches and the queue's timeout can cover its
 * worst case. Locally every poller shares one sender and its per-endpoint slots, so a batch can wait
 * behind hundreds of others for a slow endpoint; without the heartbeat its messages would reappear
 * mid-wait and be sent twice, and covering that wait with a long timeout would make a crash's
 * in-flight messages come back only after minutes. The heartbeat keeps the timeout short (crash
 * recovery in seconds) and the wait safe.
 */
import { setMaxListeners } from 'node:events';
import {
  type BatchResultErrorEntry,
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequest,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchRequest,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type ReceiveMessageRequest,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** The three SQS calls an event source makes, in the SDK's shapes. */
export interface EventSourceQueue {
  receiveMessage(input: ReceiveMessageRequest, signal: AbortSignal): Promise<{ Messages?: Message[] }>;
  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<{ Failed?: BatchResultErrorEntry[] }>;
  changeMessageVisibilityBatch(
    input: ChangeMessageVisibilityBatchRequest,
  ): Promise<{ Failed?: BatchResultErrorEntry[] }>;
}

/** An EventSourceQueue that makes its calls with an SDK client (any SQS endpoint). */
export function sdkEventSourceQueue(client: SQSClient): EventSourceQueue {
  return {
    receiveMessage: (input, signal) => client.send(new ReceiveMessageCommand(input), { abortSignal: signal }),
    deleteMessageBatch: (input) => client.send(new DeleteMessageBatchCommand(input)),
    changeMessageVisibilityBatch: (input) => client.send(new ChangeMessageVisibilityBatchCommand(input)),
  };
}

export interface SqsEventSourceOptions {
  queue: EventSourceQueue;
  queueUrl: string;
  queueArn: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: the same result type as aws-lambda's SQSHandler, so real handlers fit
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined | void>;
  /** Records per invocation, 1 to 10. @default 10 */
  batchSize?: number;
  /** Parallel pollers, each running one batch at a time. @default 4 */
  concurrency?: number;
  /** Pollers allowed in all while batches are slow (Lambda's scale-out, locally). @default concurrency */
  maxConcurrency?: number;
  /** How long every poller must have been busy before one more starts. @default 500 */
  scaleOutAfterMs?: number;
  /** Long-poll wait, 0 to 20 seconds. @default 20 */
  waitTimeSeconds?: number;
  /**
   * Visibility timeout each batch is received with and, while its handler runs, kept extended to (the
   * heartbeat). Absent: the queue's own timeout, never extended. 1 to 43,200 seconds.
   */
  visibilityTimeoutSeconds?: number;
  /** How often the heartbeat extends a running batch's visibility. @default a third of visibilityTimeoutSeconds */
  heartbeatIntervalMs?: number;
  /**
   * The handler deletes records it has settled before the batch ends (the delivery function does, so
   * a slow record does not hold the others): the heartbeat then stops extending a record that is no
   * longer in flight instead of reporting it.
   */
  handlerAcknowledgesEarly?: boolean;
  /** Told about receive, handler, heartbeat and delete failures; the poller carries on. */
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
  const maxConcurrency = options.maxConcurrency ?? concurrency;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < concurrency)
    throw new RangeError('maxConcurrency must be a whole number no smaller than concurrency');
  const scaleOutAfterMs = options.scaleOutAfterMs ?? 500;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
  if (
    visibilityTimeoutSeconds !== undefined &&
    (!Number.isInteger(visibilityTimeoutSeconds) ||
      visibilityTimeoutSeconds < 1 ||
      visibilityTimeoutSeconds > 43_200)
  )
    throw new RangeError('visibilityTimeoutSeconds must be a whole number from 1 to 43200');
  const heartbeatIntervalMs =
    options.heartbeatIntervalMs ??
    (visibilityTimeoutSeconds === undefined ? undefined : (visibilityTimeoutSeconds * 1000) / 3);
  if (heartbeatIntervalMs !== undefined && !(heartbeatIntervalMs > 0))
    throw new RangeError('heartbeatIntervalMs must be positive');
  const awsRegion = options.queueArn.split(':')[3] ?? 'local';
  const stopping = new AbortController();
  // Each poller's long poll (or back-off sleep) listens on this signal: above Node's default of 10
  // listeners once the source scales out, which is expected, not a leak.
  setMaxListeners(2 * maxConcurrency + 10, stopping.signal);
  const reportError = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error callback must not kill the poller.
    }
  };

  const pollers = new Set<Promise<void>>();
  let busyPollers = 0;

  /** Starts one more poller if every poller is still busy (the batch that asked is slow). */
  function scaleOut(): void {
    if (stopping.signal.aborted || busyPollers < pollers.size || pollers.size >= maxConcurrency) return;
    startPoller(true);
  }

  /** Receives and handles one batch; false when the queue had nothing to give. */
  async function pollOnce(): Promise<boolean> {
    let messages: Message[];
    try {
      const output = await options.queue.receiveMessage(
        {
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
        },
        stopping.signal,
      );
      messages = output.Messages ?? [];
    } catch (error) {
      if (stopping.signal.aborted) return false;
      throw error;
    }
    if (messages.length === 0) return false;
    const records = messages.map((message) => toRecord(message, options.queueArn, awsRegion));
    busyPollers += 1;
    const slowBatch = maxConcurrency > concurrency ? setTimeout(scaleOut, scaleOutAfterMs) : undefined;
    const heartbeat = startHeartbeat(records);
    let response: Awaited<ReturnType<SqsEventSourceOptions['handler']>>;
    try {
      // Not abortable: a batch that was received is handled and settled even while stopping.
      response = await options.handler({ Records: records });
    } finally {
      clearTimeout(slowBatch);
      busyPollers -= 1;
      // Settled before the delete, so a late extension never races it (and never reports a false failure).
      await heartbeat?.stop();
    }
    const failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const knownIds = new Set(records.map((record) => record.messageId));
    if ([...failedIds].some((id) => !knownIds.has(id))) {
      throw new Error('batchItemFailures names a record not in the batch; the whole batch will be retried');
    }
    const succeeded = records.filter((record) => !failedIds.has(record.messageId));
    if (succeeded.length === 0) return true;
    const deleted = await options.queue.deleteMessageBatch({
      QueueUrl: options.queueUrl,
      Entries: succeeded.map((record, index) => ({
        Id: String(index),
        ReceiptHandle: record.receiptHandle,
      })),
    });
    if (deleted.Failed?.length) {
      reportError(
        new Error(`could not delete ${deleted.Failed.length} processed message(s); they will be redelivered`),
      );
    }
    return true;
  }

  /** Extends `records`' visibility every heartbeatIntervalMs until stopped; its failures are reported, never thrown. */
  function startHeartbeat(records: SQSRecord[]): { stop(): Promise<void> } | undefined {
    if (visibilityTimeoutSeconds === undefined || heartbeatIntervalMs === undefined) return undefined;
    let isStopped = false;
    let inFlight: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let extended = records;
    const extend = async (): Promise<void> => {
      if (extended.length === 0) return;
      try {
        const output = await options.queue.changeMessageVisibilityBatch({
          QueueUrl: options.queueUrl,
          Entries: extended.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: visibilityTimeoutSeconds,
          })),
        });
        let failed = output.Failed ?? [];
        if (options.handlerAcknowledgesEarly) {
          // Deleted by the handler already: nothing to extend, now or later.
          const isGone = (entry: BatchResultErrorEntry) => /MessageNotInflight/.test(entry.Code ?? '');
          const gone = new Set(failed.filter(isGone).map((entry) => Number(entry.Id)));
          extended = extended.filter((_record, index) => !gone.has(index));
          failed = failed.filter((entry) => !isGone(entry));
        }
        if (failed.length) {
          reportError(
            new Error(
              `could not extend the visibility of ${failed.length} in-flight message(s) (${failed[0]?.Code ?? 'unknown'}); they may be redelivered`,
            ),
          );
        }
      } catch (error) {
        reportError(error);
      }
    };
    const schedule = (): void => {
      timer = setTimeout(() => {
        inFlight = extend().finally(() => {
          if (!isStopped) schedule();
        });
      }, heartbeatIntervalMs);
    };
    schedule();
    return {
      async stop() {
        isStopped = true;
        clearTimeout(timer);
        await inFlight;
      },
    };
  }

  /** One poller's loop; an extra poller (scaled out) retires once a receive comes back empty. */
  async function poll(isExtra: boolean): Promise<void> {
    let backoffMs = MIN_BACKOFF_MS;
    while (!stopping.signal.aborted) {
      try {
        const hadMessages = await pollOnce();
        backoffMs = MIN_BACKOFF_MS;
        if (isExtra && !hadMessages) return;
      } catch (error) {
        reportError(error);
        await sleep(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  function startPoller(isExtra: boolean): void {
    const running = poll(isExtra).finally(() => pollers.delete(running));
    pollers.add(running);
  }

  for (let index = 0; index < concurrency; index++) startPoller(false);
  return {
    async stop() {
      stopping.abort();
      // A batch finishing while stopping cannot start another poller (scaleOut checks the signal).
      await Promise.all([...pollers]);
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
