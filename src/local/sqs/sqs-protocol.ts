/**
 * The local SQS service: the SQS JSON protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`)
 * in front of the durable QueueStore, so the real `@aws-sdk/client-sqs` works against it unchanged.
 * The runtime's HTTP server routes requests here; this module knows nothing of sockets.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { batchErrors, invalidParameterValue, missingParameter, SqsError } from './errors';
import { type MessageAttributeValue, md5OfMessageAttributes } from './message-md5';
import { validateMessage } from './message-validation';
import { type MessageInput, QueueStore, type ReceivedMessage } from './queue-store';

/** An HTTP answer, ready for the server to write. */
export interface SqsHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The local SQS service as the runtime's HTTP server sees it. */
export interface LocalSqs {
  /** Answers one request; `target` is the X-Amz-Target header, `body` the raw JSON. `signal` ends a long poll early (client gone). */
  handle(target: string, body: string, signal?: AbortSignal): Promise<SqsHttpResponse>;
  /**
   * Runs one operation (e.g. `SendMessageBatch`) in-process, for the runtime's own writes: the same
   * validation and durable write as `handle`, without HTTP, JSON or an SDK client. Throws the SqsError
   * `handle` would answer with.
   */
  invoke(
    operationName: string,
    input: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** The URL of queue `name` (which need not exist yet). */
  queueUrl(name: string): string;
  /** The ARN of queue `name`. */
  queueArn(name: string): string;
  close(): Promise<void>;
}

export interface LocalSqsOptions {
  /** The local data directory; the queues live in its `sqs` subdirectory (their own LevelDB). */
  dataDir: string;
  /** The server's base URL, e.g. http://127.0.0.1:3000, asked each time a queue URL is made. */
  baseUrl: () => string;
  /** Default 000000000000. */
  accountId?: string;
  /** Called once per request with the operation name; for counting AWS calls in the benchmark. */
  onRequest?: (operation: string) => void;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

type Json = Record<string, unknown>;
type Operation = (input: Json, signal: AbortSignal | undefined) => Promise<Json>;

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_BATCH_ENTRIES = 10;
const BATCH_ENTRY_ID = /^[\w-]{1,80}$/;
const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'DeadLetterQueueSourceArn',
  'MessageGroupId',
  'SequenceNumber',
  'MessageDeduplicationId',
] as const;

/** Opens the store under `dataDir` and returns the protocol handler. */
export async function createLocalSqs(options: LocalSqsOptions): Promise<LocalSqs> {
  const accountId = options.accountId ?? '000000000000';
  const store = await QueueStore.open({
    path: join(options.dataDir, 'sqs'),
    accountId,
    ...(options.now ? { now: options.now } : {}),
  });
  const queueUrl = (name: string): string => `${options.baseUrl().replace(/\/+$/, '')}/${accountId}/${name}`;

  const queueNameOf = (input: Json): string => {
    const url = requiredString(input, 'QueueUrl');
    const name = url.replace(/\/+$/, '').split('/').pop() ?? '';
    store.getQueue(name);
    return name;
  };

  const operations: Record<string, Operation> = {
    CreateQueue: async (input) => {
      const name = requiredString(input, 'QueueName');
      await store.createQueue(name, optionalObject(input, 'Attributes') ?? {});
      return { QueueUrl: queueUrl(name) };
    },
    GetQueueUrl: async (input) => {
      const name = requiredString(input, 'QueueName');
      store.getQueue(name);
      return { QueueUrl: queueUrl(name) };
    },
    ListQueues: async (input) => {
      const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
      const maxResults = optionalInteger(input, 'MaxResults', 1, 1000);
      const names = store.listQueues(prefix);
      const start = Number(optionalString(input, 'NextToken') ?? '0') || 0;
      const page = maxResults === undefined ? names : names.slice(start, start + maxResults);
      const nextStart = start + page.length;
      return {
        QueueUrls: page.map(queueUrl),
        ...(maxResults !== undefined && nextStart < names.length ? { NextToken: String(nextStart) } : {}),
      };
    },
    GetQueueAttributes: async (input) => {
      const name = queueNameOf(input);
      const requested = optionalStringList(input, 'AttributeNames') ?? [];
      const record = store.getQueue(name);
      const counts = store.countMessages(name);
      const all: Record<string, string> = {
        ...record.attributes,
        QueueArn: store.queueArn(name),
        ApproximateNumberOfMessages: String(counts.visible),
        ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
        ApproximateNumberOfMessagesDelayed: String(counts.delayed),
        CreatedTimestamp: String(Math.floor(record.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(record.modifiedAt / 1000)),
      };
      const isAll = requested.includes('All');
      const attributes = Object.fromEntries(
        Object.entries(all).filter(([attribute]) => isAll || requested.includes(attribute)),
      );
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
    SetQueueAttributes: async (input) => {
      const attributes = optionalObject(input, 'Attributes');
      if (!attributes) throw missingParameter('Attributes');
      await store.setQueueAttributes(queueNameOf(input), attributes);
      return {};
    },
    DeleteQueue: async (input) => {
      await store.deleteQueue(queueNameOf(input));
      return {};
    },
    PurgeQueue: async (input) => {
      await store.purgeQueue(queueNameOf(input));
      return {};
    },
    SendMessage: async (input) => {
      const name = queueNameOf(input);
      const message = validateMessage(input, store.getQueue(name).attributes);
      const [sent] = await store.sendMessages(name, [message]);
      if (!sent) throw new SqsError('InternalFailure', 'The message was not stored.', { statusCode: 500 });
      return {
        MessageId: sent.id,
        MD5OfMessageBody: sent.md5OfBody,
        ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
      };
    },
    SendMessageBatch: async (input) => {
      const name = queueNameOf(input);
      const attributes = store.getQueue(name).attributes;
      const entries = batchEntries(input);
      const totalSize = entries.reduce(
        (size, entry) => size + Buffer.byteLength(String(entry.MessageBody ?? '')),
        0,
      );
      const limit = Number(attributes.MaximumMessageSize);
      if (totalSize > limit) throw batchErrors.tooLong(totalSize, limit);
      const accepted: { id: string; message: MessageInput }[] = [];
      const failed: Json[] = [];
      for (const entry of entries) {
        try {
          accepted.push({ id: String(entry.Id), message: validateMessage(entry, attributes) });
        } catch (error) {
          failed.push(failedEntry(String(entry.Id), error));
        }
      }
      const sent = await store.sendMessages(
        name,
        accepted.map((entry) => entry.message),
      );
      return {
        Successful: sent.map((message, index) => ({
          Id: accepted[index]?.id,
          MessageId: message.id,
          MD5OfMessageBody: message.md5OfBody,
          ...(message.md5OfMessageAttributes
            ? { MD5OfMessageAttributes: message.md5OfMessageAttributes }
            : {}),
        })),
        Failed: failed,
      };
    },
    ReceiveMessage: async (input, signal) => {
      const name = queueNameOf(input);
      const maxMessages = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibilityTimeoutSeconds = optionalInteger(input, 'VisibilityTimeout', 0, 43_200);
      const defaultWait = Number(store.getQueue(name).attributes.ReceiveMessageWaitTimeSeconds ?? 0);
      const waitSeconds = optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? defaultWait;
      const systemNames = new Set([
        ...(optionalStringList(input, 'AttributeNames') ?? []),
        ...(optionalStringList(input, 'MessageSystemAttributeNames') ?? []),
      ]);
      const attributeNames = optionalStringList(input, 'MessageAttributeNames') ?? [];
      const received = await store.receiveMessages(name, {
        maxMessages,
        waitMs: waitSeconds * 1000,
        ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }),
        ...(signal ? { signal } : {}),
      });
      return {
        Messages: received.map((message) =>
          receivedMessageOutput(message, systemNames, attributeNames, accountId),
        ),
      };
    },
    DeleteMessage: async (input) => {
      const [outcome] = await store.deleteMessages(queueNameOf(input), [
        requiredString(input, 'ReceiptHandle'),
      ]);
      if (outcome && !outcome.ok) throw outcome.error;
      return {};
    },
    DeleteMessageBatch: async (input) => {
      const name = queueNameOf(input);
      const entries = batchEntries(input);
      const handles = entries.map((entry) =>
        typeof entry.ReceiptHandle === 'string' ? entry.ReceiptHandle : '',
      );
      const outcomes = await store.deleteMessages(name, handles);
      return batchOutput(entries, outcomes);
    },
    ChangeMessageVisibility: async (input) => {
      const timeout = input.VisibilityTimeout;
      if (timeout === undefined) throw missingParameter('VisibilityTimeout');
      const [outcome] = await store.changeVisibility(queueNameOf(input), [
        { receiptHandle: requiredString(input, 'ReceiptHandle'), visibilityTimeoutSeconds: Number(timeout) },
      ]);
      if (outcome && !outcome.ok) throw outcome.error;
      return {};
    },
    ChangeMessageVisibilityBatch: async (input) => {
      const name = queueNameOf(input);
      const entries = batchEntries(input);
      const outcomes = await store.changeVisibility(
        name,
        entries.map((entry) => ({
          receiptHandle: typeof entry.ReceiptHandle === 'string' ? entry.ReceiptHandle : '',
          visibilityTimeoutSeconds: Number(entry.VisibilityTimeout ?? Number.NaN),
        })),
      );
      return batchOutput(entries, outcomes);
    },
  };

  return {
    async handle(target, body, signal) {
      const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      options.onRequest?.(operationName);
      const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
      if (!operation) {
        return errorResponse(
          new SqsError('UnknownOperationException', `Unknown operation ${operationName}.`, {
            queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
          }),
        );
      }
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch {
        return errorResponse(new SqsError('SerializationException', 'The request body is not valid JSON.'));
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return errorResponse(
          new SqsError('SerializationException', 'The request body must be a JSON object.'),
        );
      }
      try {
        const output = await operation(input as Json, signal);
        return {
          statusCode: 200,
          headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() },
          body: JSON.stringify(output),
        };
      } catch (error) {
        return errorResponse(
          error instanceof SqsError
            ? error
            : new SqsError(
                'InternalFailure',
                'The request processing has failed because of an unknown error.',
                {
                  statusCode: 500,
                },
              ),
        );
      }
    },
    async invoke(operationName, input, signal) {
      options.onRequest?.(operationName);
      const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
      if (!operation) {
        throw new SqsError('UnknownOperationException', `Unknown operation ${operationName}.`, {
          queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
        });
      }
      return operation(input, signal);
    },
    queueUrl,
    queueArn: (name) => store.queueArn(name),
    close: () => store.close(),
  };
}

function errorResponse(error: SqsError): SqsHttpResponse {
  return {
    statusCode: error.statusCode,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': randomUUID(),
      'x-amzn-query-error': `${error.queryCode};${error.isSenderFault ? 'Sender' : 'Receiver'}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.type}`, message: error.message }),
  };
}

function receivedMessageOutput(
  message: ReceivedMessage,
  systemNames: Set<string>,
  attributeNames: string[],
  accountId: string,
): Json {
  const systemValues: Record<string, string | undefined> = {
    SenderId: accountId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
    MessageGroupId: message.messageGroupId,
    SequenceNumber:
      message.sequenceNumber === undefined ? undefined : String(message.sequenceNumber).padStart(20, '0'),
    MessageDeduplicationId: message.messageDeduplicationId,
  };
  const isAllSystem = systemNames.has('All');
  const attributes: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTE_NAMES) {
    const value = systemValues[name];
    if (value !== undefined && (isAllSystem || systemNames.has(name))) attributes[name] = value;
  }
  const selected = selectMessageAttributes(message, attributeNames);
  return {
    MessageId: message.id,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(selected ? { MessageAttributes: selected.attributes, MD5OfMessageAttributes: selected.md5 } : {}),
  };
}

function selectMessageAttributes(
  message: ReceivedMessage,
  requested: string[],
): { attributes: Json; md5: string } | undefined {
  const stored = message.messageAttributes;
  if (!stored || requested.length === 0) return undefined;
  const isWanted = (name: string): boolean =>
    requested.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  const names = Object.keys(stored).filter(isWanted);
  if (names.length === 0) return undefined;
  if (names.length === Object.keys(stored).length && message.md5OfMessageAttributes) {
    return { attributes: stored, md5: message.md5OfMessageAttributes };
  }
  const subset = Object.fromEntries(names.map((name) => [name, stored[name]]));
  return { attributes: subset, md5: md5OfMessageAttributes(subset as Record<string, MessageAttributeValue>) };
}

function batchEntries(input: Json): Json[] {
  const entries = input.Entries;
  if (entries === undefined) throw missingParameter('Entries');
  if (!Array.isArray(entries)) throw invalidParameterValue('Entries must be a list.');
  if (entries.length === 0) throw batchErrors.empty();
  if (entries.length > MAX_BATCH_ENTRIES) throw batchErrors.tooMany(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null)
      throw invalidParameterValue('Each entry must be an object.');
    const id = (entry as Json).Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) throw batchErrors.invalidId(String(id));
    if (seen.has(id)) throw batchErrors.idsNotDistinct(id);
    seen.add(id);
  }
  return entries as Json[];
}

function failedEntry(id: string, error: unknown): Json {
  const sqsError =
    error instanceof SqsError
      ? error
      : new SqsError('InternalFailure', 'Unexpected failure.', { statusCode: 500 });
  return { Id: id, SenderFault: sqsError.isSenderFault, Code: sqsError.queryCode, Message: sqsError.message };
}

function batchOutput(entries: Json[], outcomes: { ok: boolean; error?: SqsError }[]): Json {
  const successful: Json[] = [];
  const failed: Json[] = [];
  entries.forEach((entry, index) => {
    const outcome = outcomes[index];
    if (outcome?.ok) successful.push({ Id: entry.Id });
    else failed.push(failedEntry(String(entry.Id), outcome?.error));
  });
  return { Successful: successful, Failed: failed };
}

function requiredString(input: Json, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  if (typeof value !== 'string') throw invalidParameterValue(`Value for parameter ${name} must be a string.`);
  return value;
}

function optionalString(input: Json, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameterValue(`Value for parameter ${name} must be a string.`);
  return value;
}

function optionalInteger(input: Json, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw invalidParameterValue(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return number;
}

function optionalStringList(input: Json, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameterValue(`Value for parameter ${name} must be a list of strings.`);
  }
  return value as string[];
}

function optionalObject(input: Json, name: string): Json | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameterValue(`Value for parameter ${name} must be a map.`);
  }
  return value as Json;
}
