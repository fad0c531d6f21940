/**
 * The durable queue engine behind the local SQS service: standard-queue semantics (visibility
 * timeout, delays, receive counts, redrive to a DLQ, retention) persisted in LevelDB, and the fair
 * queues of SQS: messages sent with a `MessageGroupId` (the tenant) are served group by group in
 * turn, so one group's backlog never holds back another group's messages (group-turns.ts). FIFO
 * queues (`.fifo`, FifoQueue=true) keep each group in send order and serve a group only while none of
 * its messages is in flight, de-duplicating sends for five minutes, as SQS's FIFO queues do.
 *
 * Every change is applied to an in-memory index and written as one LevelDB batch before the
 * operation resolves; opening a store rebuilds the index from disk, so a message acknowledged to a
 * sender survives kill -9, and an in-flight one stays invisible until its deadline, then returns.
 *
 * Storage layout (one LevelDB under `<DATA_DIR>/sqs`), chosen so that memory follows the number of
 * messages, never their size (docs/contract.md#limits: one tenant's backlog must not take the process
 * down):
 * - `q!<queue>`: the queue's record (StoredQueue, JSON);
 * - `m!<queue>!<id>`: the message's metadata (MessageMetadata, JSON: what scheduling needs — times,
 *   receive count, group, sequence, de-duplication id, MD5s — about 0.4–0.5 KB of heap each, measured);
 * - `b!<id>`: the message's payload (MessagePayload, JSON: body and message attributes, up to 256 KiB).
 * A send writes both keys in one batch. Only the metadata is indexed in memory; a payload is read when
 * its message is handed out (at most 10 per ReceiveMessage), and until its batch is written it waits
 * in `pendingPayloads`. The payload key names only the message id (a random UUID), so a redrive to the
 * DLQ rewrites the metadata and never reads or copies the body. Opening streams the `m!` keys alone.
 * Older data directories kept the body inside the `m!` record: opening one moves each such body to its
 * `b!` key once (in batches, streaming), then goes on with the layout above.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { invalidParameterValue, queueDoesNotExist, receiptHandleIsInvalid, SqsError } from './errors';
import { bySequence, byVisibleAt, GroupTurns } from './group-turns';
import { type MessageAttributeValue, md5OfBody, md5OfMessageAttributes } from './message-md5';
import {
  defaultQueueAttributes,
  isFifo,
  numericAttribute,
  parseRedrivePolicy,
  type QueueAttributes,
  type RedrivePolicy,
  validateQueueAttributes,
} from './queue-attributes';
import { WriteLog, type WriteOperation } from './write-log';

/** What the store keeps of a message in memory and under its `m!` key. Times are epoch milliseconds. */
export interface MessageMetadata {
  id: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  sentAt: number;
  expiresAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Before this instant the message is delayed (never received) or in flight. */
  visibleAt: number;
  /** Set when redrive moved the message here from another queue. */
  deadLetterQueueSourceArn?: string;
  /** SQS's MessageGroupId: on a standard queue, the tenant a fair queue serves in turn; on a FIFO queue, the ordered group. */
  messageGroupId?: string;
  /** FIFO queues: the send order within the queue (SQS's SequenceNumber). */
  sequenceNumber?: number;
  /** FIFO queues: the id that makes a second send within five minutes a no-op. */
  messageDeduplicationId?: string;
}

/** What the store keeps of a message only on disk, under its `b!` key, and reads when handing it out. */
export interface MessagePayload {
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
}

/** A whole message: its metadata and its payload. */
export interface StoredMessage extends MessageMetadata, MessagePayload {}

/** What a send asks for. */
export interface MessageInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** The message's group (tenant): groups are served in turn. Absent: the one group of ungrouped messages. Required on a FIFO queue. */
  messageGroupId?: string;
  /** FIFO queues: de-duplication id; absent, the body's SHA-256 when ContentBasedDeduplication is on. */
  messageDeduplicationId?: string;
}

/** A received message: a snapshot at receive time plus its receipt handle. */
export interface ReceivedMessage extends StoredMessage {
  receiptHandle: string;
}

/** A queue's settings as stored. */
export interface StoredQueue {
  name: string;
  attributes: QueueAttributes;
  createdAt: number;
  modifiedAt: number;
}

/** Message counts as GetQueueAttributes reports them. */
export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Per-entry outcome of a delete or visibility change. */
export type EntryOutcome = { ok: true } | { ok: false; error: SqsError };

interface HeapEntry {
  visibleAt: number;
  id: string;
  /** Matches the message's `heapSequence` only while this entry is its current one. */
  sequence: number;
  /** Breaks ties between equal visible-at times: first indexed, first served. */
  order: number;
}

interface IndexedMessage extends MessageMetadata {
  heapSequence: number;
}

interface QueueState {
  record: StoredQueue;
  redrivePolicy: RedrivePolicy | undefined;
  messages: Map<string, IndexedMessage>;
  byVisibleAt: GroupTurns<HeapEntry>;
  waiters: Set<() => void>;
  isFifo: boolean;
  /** FIFO queues: the next message's sequence number. */
  nextSequence: number;
  /** FIFO queues: de-duplication ids sent in the last five minutes (kept in memory only). */
  recentDeduplicationIds: Map<string, { message: MessageMetadata; until: number }>;
}

export interface QueueStoreOptions {
  /** Directory of the LevelDB database (created if missing). */
  path: string;
  /** Account id used in queue ARNs. */
  accountId: string;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

const QUEUE_PREFIX = 'q!';
const MESSAGE_PREFIX = 'm!';
const PAYLOAD_PREFIX = 'b!';
/** Records per batch when an older data directory's inline bodies move to their own keys on open. */
const MIGRATION_BATCH = 256;
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
const QUEUE_NAME = /^(?:[\w-]{1,80}|[\w-]{1,75}\.fifo)$/;
/** SQS's FIFO de-duplication interval. */
const DEDUPLICATION_INTERVAL_MS = 5 * 60_000;

const messageKey = (queueName: string, id: string): string => `${MESSAGE_PREFIX}${queueName}!${id}`;
const queueKey = (queueName: string): string => `${QUEUE_PREFIX}${queueName}`;
const payloadKey = (id: string): string => `${PAYLOAD_PREFIX}${id}`;

function metadataOf(message: IndexedMessage): MessageMetadata {
  const { heapSequence: _ignored, ...metadata } = message;
  return metadata;
}

function storedForm(message: IndexedMessage): string {
  return JSON.stringify(metadataOf(message));
}

/** Deletes a message's metadata and payload. */
const deleteOperations = (queueName: string, id: string): WriteOperation[] => [
  { type: 'del', key: messageKey(queueName, id) },
  { type: 'del', key: payloadKey(id) },
];

/** The durable engine: queues, messages and their in-memory visibility index. */
export class QueueStore {
  private readonly queues = new Map<string, QueueState>();
  private readonly writes: WriteLog;
  private readonly now: () => number;
  private isClosed = false;
  private indexOrder = 0;
  /** Payloads of messages whose send batch is not written yet, by message id; a receive may already hand them out. */
  private readonly pendingPayloads = new Map<string, MessagePayload>();
  private payloadReadCount = 0;

  private constructor(
    private readonly database: ClassicLevel<string, string>,
    private readonly accountId: string,
    now: () => number,
  ) {
    this.writes = new WriteLog(database);
    this.now = now;
  }

  /** Opens (or creates) the store at `options.path` and rebuilds the index from disk. */
  static async open(options: QueueStoreOptions): Promise<QueueStore> {
    await mkdir(options.path, { recursive: true });
    const database = new ClassicLevel<string, string>(options.path, { valueEncoding: 'utf8' });
    await database.open();
    const store = new QueueStore(database, options.accountId, options.now ?? Date.now);
    await store.load();
    return store;
  }

  /**
   * Payloads read from LevelDB since the store opened (one per message handed out, none per message
   * indexed): lets tests check that opening a backlog reads no bodies.
   */
  get payloadReads(): number {
    return this.payloadReadCount;
  }

  private async load(): Promise<void> {
    for await (const value of this.database.values({ gte: QUEUE_PREFIX, lt: 'q"' })) {
      const record = JSON.parse(value) as StoredQueue;
      this.queues.set(record.name, this.newQueueState(record));
    }
    const loaded: { queue: QueueState; message: MessageMetadata }[] = [];
    let migration: WriteOperation[] = [];
    // Streams the metadata keys only: the payloads under `b!` are never read here.
    for await (const [key, value] of this.database.iterator({ gte: MESSAGE_PREFIX, lt: 'm"' })) {
      const queueName = key.slice(MESSAGE_PREFIX.length, key.indexOf('!', MESSAGE_PREFIX.length));
      const queue = this.queues.get(queueName);
      if (!queue) continue;
      const record = JSON.parse(value) as MessageMetadata & Partial<MessagePayload>;
      if (record.body !== undefined) {
        // The previous layout kept the body inline: move it to its own key, keep only the metadata.
        const { body, messageAttributes, ...metadata } = record;
        const payload: MessagePayload = { body, ...(messageAttributes ? { messageAttributes } : {}) };
        migration.push(
          { type: 'put', key: payloadKey(metadata.id), value: JSON.stringify(payload) },
          { type: 'put', key, value: JSON.stringify(metadata) },
        );
        loaded.push({ queue, message: metadata });
        if (migration.length >= 2 * MIGRATION_BATCH) {
          await this.database.batch(migration);
          migration = [];
        }
        continue;
      }
      loaded.push({ queue, message: record });
    }
    if (migration.length > 0) await this.database.batch(migration);
    // Keys are random ids; indexing in send order keeps oldest-first among equally visible messages.
    loaded.sort(
      (left, right) =>
        left.message.sentAt - right.message.sentAt ||
        (left.message.sequenceNumber ?? 0) - (right.message.sequenceNumber ?? 0),
    );
    for (const { queue, message } of loaded) {
      if (message.sequenceNumber !== undefined && message.sequenceNumber >= queue.nextSequence) {
        queue.nextSequence = message.sequenceNumber + 1;
      }
      this.index(queue, { ...message, heapSequence: 0 });
    }
  }

  private newQueueState(record: StoredQueue): QueueState {
    const messages = new Map<string, IndexedMessage>();
    const fifo = isFifo(record.attributes);
    return {
      isFifo: fifo,
      nextSequence: 1,
      recentDeduplicationIds: new Map(),
      record,
      redrivePolicy: record.attributes.RedrivePolicy
        ? parseRedrivePolicy(record.attributes.RedrivePolicy)
        : undefined,
      messages,
      byVisibleAt: new GroupTurns<HeapEntry>(
        (entry) => messages.get(entry.id)?.heapSequence === entry.sequence,
        fifo ? bySequence : byVisibleAt,
      ),
      waiters: new Set(),
    };
  }

  private index(queue: QueueState, message: IndexedMessage): void {
    queue.messages.set(message.id, message);
    this.reindex(queue, message);
  }

  private reindex(queue: QueueState, message: IndexedMessage): void {
    message.heapSequence += 1;
    this.indexOrder += 1;
    queue.byVisibleAt.push(message.messageGroupId ?? '', {
      visibleAt: message.visibleAt,
      id: message.id,
      sequence: message.heapSequence,
      // A FIFO group's order is its send order, whatever happens to its messages' visibility.
      order: message.sequenceNumber ?? this.indexOrder,
    });
  }

  /** The queue's ARN, `arn:aws:sqs:local:<account>:<name>`. */
  queueArn(queueName: string): string {
    return `arn:aws:sqs:local:${this.accountId}:${queueName}`;
  }

  /** Creates a queue, or returns the existing one when its attributes match (SQS's idempotency rule). */
  async createQueue(name: string, attributes: Record<string, unknown> = {}): Promise<StoredQueue> {
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameterValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (a FIFO queue’s name ends in .fifo).',
      );
    }
    const given = validateQueueAttributes(attributes);
    if ((given.FifoQueue === 'true') !== name.endsWith('.fifo')) {
      throw invalidParameterValue(
        'The name of a FIFO queue can only end in .fifo, and FifoQueue must be true for one.',
      );
    }
    const requested = { ...defaultQueueAttributes(), ...given };
    const existing = this.queues.get(name);
    if (existing) {
      // Like SQS, only the attributes the caller names must match the existing queue's.
      const differs = Object.entries(given).some(
        ([attribute, value]) => (existing.record.attributes[attribute] ?? '') !== value,
      );
      if (differs) {
        throw new SqsError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for an attribute.`,
          {
            queryCode: 'QueueAlreadyExists',
          },
        );
      }
      return existing.record;
    }
    const now = this.now();
    const record: StoredQueue = { name, attributes: stripEmpty(requested), createdAt: now, modifiedAt: now };
    this.queues.set(name, this.newQueueState(record));
    await this.writes.write([{ type: 'put', key: queueKey(name), value: JSON.stringify(record) }]);
    return record;
  }

  /** The queue's record; QueueDoesNotExist when absent. */
  getQueue(name: string): StoredQueue {
    return this.requireQueue(name).record;
  }

  /** Queue names, optionally those starting with `prefix`, sorted. */
  listQueues(prefix = ''): string[] {
    return [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Changes writable attributes. */
  async setQueueAttributes(name: string, attributes: Record<string, unknown>): Promise<void> {
    const queue = this.requireQueue(name);
    const changes = validateQueueAttributes(attributes);
    if (changes.FifoQueue !== undefined && (changes.FifoQueue === 'true') !== queue.isFifo) {
      throw invalidParameterValue('FifoQueue cannot be changed after a queue is created.');
    }
    const record: StoredQueue = {
      ...queue.record,
      attributes: stripEmpty({ ...queue.record.attributes, ...changes }),
      modifiedAt: this.now(),
    };
    queue.record = record;
    queue.redrivePolicy = record.attributes.RedrivePolicy
      ? parseRedrivePolicy(record.attributes.RedrivePolicy)
      : undefined;
    await this.writes.write([{ type: 'put', key: queueKey(name), value: JSON.stringify(record) }]);
    this.wake(queue);
  }

  /** Deletes a queue and its messages. */
  async deleteQueue(name: string): Promise<void> {
    const queue = this.requireQueue(name);
    const operations: WriteOperation[] = [{ type: 'del', key: queueKey(name) }];
    for (const id of queue.messages.keys()) operations.push(...deleteOperations(name, id));
    this.queues.delete(name);
    this.wake(queue);
    await this.writes.write(operations);
  }

  /**
   * Stores messages atomically (one batch: each message's metadata and payload); they become
   * receivable after their delay. Resolves with each message's metadata (for a FIFO duplicate, the
   * earlier message's), once written.
   */
  async sendMessages(queueName: string, inputs: MessageInput[]): Promise<MessageMetadata[]> {
    const queue = this.requireQueue(queueName);
    const now = this.now();
    const retentionMs = numericAttribute(queue.record.attributes, 'MessageRetentionPeriod') * 1000;
    const queueDelay = numericAttribute(queue.record.attributes, 'DelaySeconds');
    const operations: WriteOperation[] = [];
    const sent: MessageMetadata[] = [];
    const pendingIds: string[] = [];
    if (queue.isFifo) this.forgetOldDeduplicationIds(queue, now);
    // Checked for every message before any is stored: a batch is refused whole, never half indexed.
    const deduplicationIds = inputs.map((input) =>
      queue.isFifo ? this.deduplicationIdOf(queue, input) : undefined,
    );
    for (const [index, input] of inputs.entries()) {
      const deduplicationId = deduplicationIds[index];
      const earlier = deduplicationId ? queue.recentDeduplicationIds.get(deduplicationId) : undefined;
      if (earlier) {
        // Accepted again without a second copy, as SQS answers a duplicate within the interval.
        sent.push(earlier.message);
        continue;
      }
      const hasAttributes = input.messageAttributes && Object.keys(input.messageAttributes).length > 0;
      const payload: MessagePayload = {
        body: input.body,
        ...(hasAttributes && input.messageAttributes ? { messageAttributes: input.messageAttributes } : {}),
      };
      const message: IndexedMessage = {
        id: randomUUID(),
        md5OfBody: md5OfBody(input.body),
        ...(hasAttributes && input.messageAttributes
          ? { md5OfMessageAttributes: md5OfMessageAttributes(input.messageAttributes) }
          : {}),
        ...(input.messageGroupId === undefined ? {} : { messageGroupId: input.messageGroupId }),
        ...(queue.isFifo ? { sequenceNumber: queue.nextSequence++ } : {}),
        ...(deduplicationId === undefined ? {} : { messageDeduplicationId: deduplicationId }),
        sentAt: now,
        expiresAt: now + retentionMs,
        receiveCount: 0,
        visibleAt: now + (input.delaySeconds ?? queueDelay) * 1000,
        heapSequence: 0,
      };
      this.index(queue, message);
      this.pendingPayloads.set(message.id, payload);
      pendingIds.push(message.id);
      operations.push(
        { type: 'put', key: payloadKey(message.id), value: JSON.stringify(payload) },
        { type: 'put', key: messageKey(queueName, message.id), value: storedForm(message) },
      );
      const snapshot = metadataOf(message);
      sent.push(snapshot);
      if (deduplicationId) {
        queue.recentDeduplicationIds.set(deduplicationId, {
          message: snapshot,
          until: now + DEDUPLICATION_INTERVAL_MS,
        });
      }
    }
    try {
      await this.writes.write(operations);
    } finally {
      // Written (a receive now reads LevelDB), or failed (a receive finds no payload and drops the message).
      for (const id of pendingIds) this.pendingPayloads.delete(id);
    }
    this.wake(queue);
    return sent;
  }

  /** A FIFO send's de-duplication id: given, or the body's SHA-256 with content-based de-duplication. */
  private deduplicationIdOf(queue: QueueState, input: MessageInput): string {
    if (input.messageGroupId === undefined) {
      throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    }
    if (input.delaySeconds !== undefined) {
      throw invalidParameterValue(
        'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
      );
    }
    if (input.messageDeduplicationId !== undefined) return input.messageDeduplicationId;
    if (queue.record.attributes.ContentBasedDeduplication === 'true') {
      return createHash('sha256').update(input.body).digest('hex');
    }
    throw invalidParameterValue(
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
  }

  private forgetOldDeduplicationIds(queue: QueueState, now: number): void {
    // Insertion order is expiry order: stop at the first id still inside the interval.
    for (const [id, entry] of queue.recentDeduplicationIds) {
      if (entry.until > now) return;
      queue.recentDeduplicationIds.delete(id);
    }
  }

  /**
   * Receives up to `maxMessages` visible messages, hiding each for `visibilityTimeoutSeconds`
   * (the queue's default when absent). With `waitMs` it waits, without polling, until a message
   * is receivable or the time is up.
   */
  async receiveMessages(
    queueName: string,
    options: {
      maxMessages: number;
      visibilityTimeoutSeconds?: number;
      waitMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<ReceivedMessage[]> {
    const deadline = this.now() + (options.waitMs ?? 0);
    for (;;) {
      const queue = this.requireQueue(queueName);
      const received = await this.receiveNow(queue, options.maxMessages, options.visibilityTimeoutSeconds);
      const remaining = deadline - this.now();
      if (received.length > 0 || remaining <= 0 || this.isClosed || options.signal?.aborted) return received;
      await this.waitForChange(queue, remaining, options.signal);
    }
  }

  private async receiveNow(
    queue: QueueState,
    maxMessages: number,
    visibilityTimeoutSeconds: number | undefined,
  ): Promise<ReceivedMessage[]> {
    const now = this.now();
    const timeoutMs =
      (visibilityTimeoutSeconds ?? numericAttribute(queue.record.attributes, 'VisibilityTimeout')) * 1000;
    const operations: WriteOperation[] = [];
    const handedOut: { metadata: MessageMetadata; receiptHandle: string; payload?: MessagePayload }[] = [];
    const hidden: IndexedMessage[] = [];
    const queueName = queue.record.name;
    const deadLetterQueue = this.deadLetterQueueOf(queue);
    let hasMovedAny = false;
    for (;;) {
      if (handedOut.length >= maxMessages) break;
      const next = queue.byVisibleAt.take(now);
      if (!next) break;
      const message = queue.messages.get(next.entry.id);
      if (!message || message.heapSequence !== next.entry.sequence) continue;
      if (message.expiresAt <= now) {
        queue.messages.delete(message.id);
        operations.push(...deleteOperations(queueName, message.id));
        continue;
      }
      if (
        deadLetterQueue &&
        queue.redrivePolicy &&
        message.receiveCount >= queue.redrivePolicy.maxReceiveCount
      ) {
        queue.messages.delete(message.id);
        const moved: IndexedMessage = {
          ...message,
          receiveCount: 0,
          visibleAt: now,
          heapSequence: 0,
          deadLetterQueueSourceArn: this.queueArn(queueName),
        };
        delete moved.firstReceiveAt;
        this.index(deadLetterQueue, moved);
        hasMovedAny = true;
        // One batch: the message is never in both queues, nor in neither, whatever crashes. Its
        // payload's key names no queue, so the body stays where it is.
        operations.push(
          { type: 'del', key: messageKey(queueName, message.id) },
          { type: 'put', key: messageKey(deadLetterQueue.record.name, moved.id), value: storedForm(moved) },
        );
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.visibleAt = now + timeoutMs;
      hidden.push(message);
      operations.push({ type: 'put', key: messageKey(queueName, message.id), value: storedForm(message) });
      const pending = this.pendingPayloads.get(message.id);
      handedOut.push({
        metadata: metadataOf(message),
        receiptHandle: encodeReceiptHandle(queueName, message.id, message.receiveCount),
        ...(pending ? { payload: pending } : {}),
      });
    }
    // Re-indexed after the loop so a zero visibility timeout cannot hand one message out twice in one response.
    for (const message of hidden) this.reindex(queue, message);
    // Only the messages handed out have their payloads read (a send not yet written has its payload pending).
    const toRead = handedOut.filter((entry) => !entry.payload);
    const [, values] = await Promise.all([
      this.writes.write(operations),
      toRead.length > 0
        ? this.database.getMany(toRead.map((entry) => payloadKey(entry.metadata.id)))
        : Promise.resolve([]),
    ]);
    this.payloadReadCount += toRead.length;
    toRead.forEach((entry, index) => {
      const value = values[index];
      if (value !== undefined) entry.payload = JSON.parse(value) as MessagePayload;
    });
    if (deadLetterQueue && hasMovedAny) this.wake(deadLetterQueue);
    const received: ReceivedMessage[] = [];
    const lost: WriteOperation[] = [];
    for (const { metadata, receiptHandle, payload } of handedOut) {
      if (payload) {
        received.push({ ...metadata, ...payload, receiptHandle });
        continue;
      }
      // No payload: the message was deleted meanwhile (a purge, a queue deletion) or its send failed to
      // write; a message without a body cannot be delivered, so it is dropped rather than handed out.
      const indexed = queue.messages.get(metadata.id);
      if (indexed && indexed.receiveCount === metadata.receiveCount) {
        queue.messages.delete(metadata.id);
        lost.push(...deleteOperations(queueName, metadata.id));
      }
    }
    await this.writes.write(lost);
    return received;
  }

  private deadLetterQueueOf(queue: QueueState): QueueState | undefined {
    if (!queue.redrivePolicy) return undefined;
    const name = queue.redrivePolicy.deadLetterTargetArn.split(':').pop() ?? '';
    const target = this.queues.get(name);
    return target === queue ? undefined : target;
  }

  /** Deletes messages by receipt handle; a handle superseded by a later receive deletes nothing. */
  async deleteMessages(queueName: string, receiptHandles: string[]): Promise<EntryOutcome[]> {
    const queue = this.requireQueue(queueName);
    const operations: WriteOperation[] = [];
    const outcomes: EntryOutcome[] = receiptHandles.map((handle) => {
      const decoded = decodeReceiptHandle(handle);
      if (!decoded || decoded.queueName !== queueName)
        return { ok: false, error: receiptHandleIsInvalid(handle) };
      const message = queue.messages.get(decoded.messageId);
      // As on SQS, deleting an already deleted message succeeds; a stale handle must not delete a newer receive.
      if (message && message.receiveCount === decoded.receiveCount) {
        queue.messages.delete(message.id);
        operations.push(...deleteOperations(queueName, message.id));
      }
      return { ok: true };
    });
    await this.writes.write(operations);
    // A FIFO group whose message in flight was deleted may serve its next one now.
    if (queue.isFifo && operations.length > 0) this.wake(queue);
    return outcomes;
  }

  /** Changes in-flight messages' remaining visibility; 0 makes them receivable at once. */
  async changeVisibility(
    queueName: string,
    entries: { receiptHandle: string; visibilityTimeoutSeconds: number }[],
  ): Promise<EntryOutcome[]> {
    const queue = this.requireQueue(queueName);
    const now = this.now();
    const operations: WriteOperation[] = [];
    const outcomes: EntryOutcome[] = entries.map(({ receiptHandle, visibilityTimeoutSeconds }) => {
      const decoded = decodeReceiptHandle(receiptHandle);
      if (!decoded || decoded.queueName !== queueName) {
        return { ok: false, error: receiptHandleIsInvalid(receiptHandle) };
      }
      if (
        !Number.isInteger(visibilityTimeoutSeconds) ||
        visibilityTimeoutSeconds < 0 ||
        visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT_SECONDS
      ) {
        return {
          ok: false,
          error: invalidParameterValue(
            `Value ${visibilityTimeoutSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
          ),
        };
      }
      const message = queue.messages.get(decoded.messageId);
      if (!message || message.receiveCount !== decoded.receiveCount || message.visibleAt <= now) {
        return {
          ok: false,
          error: new SqsError('MessageNotInflight', 'The message referred to is not in flight.', {
            queryCode: 'AWS.SimpleQueueService.MessageNotInflight',
          }),
        };
      }
      message.visibleAt = now + visibilityTimeoutSeconds * 1000;
      this.reindex(queue, message);
      operations.push({ type: 'put', key: messageKey(queueName, message.id), value: storedForm(message) });
      return { ok: true };
    });
    await this.writes.write(operations);
    this.wake(queue);
    return outcomes;
  }

  /** Deletes every message of the queue. */
  async purgeQueue(queueName: string): Promise<void> {
    const queue = this.requireQueue(queueName);
    const operations: WriteOperation[] = [...queue.messages.keys()].flatMap((id) =>
      deleteOperations(queueName, id),
    );
    queue.messages.clear();
    queue.byVisibleAt.clear();
    await this.writes.write(operations);
  }

  /** Visible, in-flight and delayed message counts (expired messages excluded). */
  countMessages(queueName: string): QueueCounts {
    const queue = this.requireQueue(queueName);
    const now = this.now();
    const counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of queue.messages.values()) {
      if (message.expiresAt <= now) continue;
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  /** Waits for pending writes, wakes long polls (they return empty) and closes the database. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const queue of this.queues.values()) this.wake(queue);
    await this.writes.drain();
    await this.database.close();
  }

  private requireQueue(name: string): QueueState {
    if (this.isClosed)
      throw new SqsError('ServiceUnavailable', 'The local SQS service is shutting down.', {
        statusCode: 503,
      });
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private wake(queue: QueueState): void {
    const waiters = [...queue.waiters];
    queue.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Sleeps until something may have become receivable: a change to the queue, or its next visibility deadline. */
  private waitForChange(
    queue: QueueState,
    remainingMs: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const nextVisibleAt = queue.byVisibleAt.nextVisibleAt();
    const untilVisible = nextVisibleAt === undefined ? remainingMs : Math.max(1, nextVisibleAt - this.now());
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        queue.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(remainingMs, untilVisible));
      queue.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function stripEmpty(attributes: QueueAttributes): QueueAttributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== ''));
}

/** Receipt handles name the queue, the message and which receive issued them. */
function encodeReceiptHandle(queueName: string, messageId: string, receiveCount: number): string {
  return Buffer.from(`${queueName} ${messageId} ${receiveCount}`, 'utf8').toString('base64url');
}

function decodeReceiptHandle(
  handle: string,
): { queueName: string; messageId: string; receiveCount: number } | undefined {
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > 1024) return undefined;
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (parts.length !== 3) return undefined;
  const [queueName, messageId, count] = parts as [string, string, string];
  const receiveCount = Number(count);
  if (
    !QUEUE_NAME.test(queueName) ||
    messageId.length === 0 ||
    !Number.isInteger(receiveCount) ||
    receiveCount < 1
  ) {
    return undefined;
  }
  return { queueName, messageId, receiveCount };
}
