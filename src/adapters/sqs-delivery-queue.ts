/**
 * The delivery queue on SQS (AWS, or the local SQS-compatible service).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeliveryTask } from '#domain/delivery-task';
import { orderingGroupOf } from '#domain/ordering';
import type { DeliveryQueue } from '#domain/ports';

/** SQS's longest DelaySeconds; a longer wait hops through `notBefore`. */
export const MAX_DELAY_SECONDS = 900;
const MAX_BATCH_ENTRIES = 10;
/** SQS's limit on a whole SendMessageBatch request (the sum of its bodies). */
const MAX_BATCH_BYTES = 256 * 1024;
const FAILED_ENTRY_RETRIES = 3;
/**
 * Single sends (a delayed re-enqueue, a dead letter) one tenant has in flight at once through one
 * queue object; the rest wait their turn, their message not yet serialised. A delivery invocation of a full batch of group messages can re-enqueue hundreds of
 * deliveries at once (each webhook past its slots is postponed on its own), each serialised two or
 * three times on its way out (the task's JSON, the request's JSON, its bytes): with ~256 KB events
 * that was ~260 MB in flight and the 256 MB delivery function could not hold one worst-case batch
 * (bench/RESULTS.md, load held). 16 sends bound it to ~12 MB and still overlap SQS's round trips.
 */
export const MAX_SENDS_IN_FLIGHT = 16;
const RETRY_BASE_DELAY_MS = 100;

export interface SqsDeliveryQueueOptions {
  client: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The FIFO queue of ordered deliveries (docs/ordering.md); without it an ordered task is refused. */
  orderedQueueUrl?: string | undefined;
  /** Its FIFO dead-letter queue. */
  orderedDeadLetterQueueUrl?: string | undefined;
}

/**
 * DeliveryQueue over SQS: batched sends, delays capped at SQS's 900 s, a DLQ for exhausted tasks.
 * Every message carries `MessageGroupId` = its tenant, which makes the standard queue an SQS fair
 * queue: a tenant with a backlog (a burst, a backfill) does not hold back the messages of a tenant
 * without one.
 *
 * An ordered task (`ordered` set, docs/ordering.md) goes to the FIFO queue instead, in its
 * conversation's message group (webhook + conversation) with its de-duplication id; its dead letter to
 * the FIFO DLQ. It is never delayed: an ordered delivery waits for its retry by visibility.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;
  readonly #orderedQueueUrl: string | undefined;
  readonly #orderedDeadLetterQueueUrl: string | undefined;
  /** Each tenant's turns: one tenant's burst of re-enqueues never queues another tenant's send. */
  readonly #turnsByTenant = new Map<string, SendTurns>();

  constructor(options: SqsDeliveryQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#deadLetterQueueUrl = options.deadLetterQueueUrl;
    this.#orderedQueueUrl = options.orderedQueueUrl;
    this.#orderedDeadLetterQueueUrl = options.orderedDeadLetterQueueUrl;
  }

  async enqueue(tasks: DeliveryTask[]): Promise<void> {
    // Without an ordered queue (a stack from before it existed) order cannot be kept: delivering
    // unordered loses nothing, where refusing would fail the event's other webhooks too.
    const routed: DeliveryTask[] = this.#orderedQueueUrl
      ? tasks
      : tasks.map(({ ordered: _dropped, ...task }) => task);
    const unordered = routed.filter((task) => !task.ordered);
    const ordered = routed.filter((task) => task.ordered);
    const messages = unordered.map((task) => ({ body: JSON.stringify(task), groupId: task.tenantId }));
    const orderedUrl = ordered.length > 0 ? this.#orderedUrl(this.#orderedQueueUrl) : '';
    // Not in turns: the bodies are already built here, and fan-out's batches must not wait behind
    // another invocation's (locally one queue object serves every tenant's fan-out).
    await Promise.all([
      ...chunkMessages(messages).map((chunk) => this.#sendBatch(chunk)),
      ...chunkMessages(ordered.map(orderedMessageOf)).map((chunk) => this.#sendBatch(chunk, orderedUrl)),
    ]);
  }

  async enqueueDelayed(task: DeliveryTask, delaySeconds: number): Promise<void> {
    if (task.ordered) {
      throw new Error(
        'an ordered delivery waits by visibility in its queue; it is never re-enqueued delayed',
      );
    }
    const wanted = Math.max(0, Math.ceil(delaySeconds));
    const delay = Math.min(wanted, MAX_DELAY_SECONDS);
    // A task that must wait longer than SQS allows carries its due time and hops until then.
    const body =
      wanted > MAX_DELAY_SECONDS && task.notBefore === undefined
        ? { ...task, notBefore: new Date(Date.now() + wanted * 1000).toISOString() }
        : task;
    // Serialised only once its turn comes, so waiting sends hold no copy of their event.
    await this.#turns(task.tenantId, () =>
      this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: task.tenantId,
          DelaySeconds: delay,
        }),
      ),
    );
  }

  async deadLetter(task: DeliveryTask): Promise<void> {
    if (task.ordered) {
      const ordered = task.ordered;
      const queueUrl = this.#orderedUrl(this.#orderedDeadLetterQueueUrl);
      await this.#turns(task.tenantId, () => {
        const message = orderedMessageOf(task);
        return this.#client.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: message.body,
            MessageGroupId: message.groupId,
            MessageDeduplicationId: `${ordered.deduplicationId}-dead`,
          }),
        );
      });
      return;
    }
    await this.#turns(task.tenantId, () =>
      this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#deadLetterQueueUrl,
          MessageBody: JSON.stringify(task),
          MessageGroupId: task.tenantId,
        }),
      ),
    );
  }

  /** Runs `send` in `tenantId`'s turn; a tenant with nothing in flight keeps no entry. */
  async #turns<T>(tenantId: string, send: () => Promise<T>): Promise<T> {
    let turns = this.#turnsByTenant.get(tenantId);
    if (!turns) {
      turns = new SendTurns(MAX_SENDS_IN_FLIGHT);
      this.#turnsByTenant.set(tenantId, turns);
    }
    try {
      return await turns.run(send);
    } finally {
      if (turns.running === 0) this.#turnsByTenant.delete(tenantId);
    }
  }

  #orderedUrl(url: string | undefined): string {
    if (!url)
      throw new Error(
        'ORDERED_DELIVERY_QUEUE_URL and ORDERED_DELIVERY_DLQ_URL must be set to send an ordered delivery',
      );
    return url;
  }

  /**
   * Sends one batch, re-sending entries SQS reports as failed a few times before giving up. On the FIFO
   * queue a re-send keeps its de-duplication id, so an entry that did arrive is not sent twice.
   */
  async #sendBatch(messages: GroupedBody[], queueUrl = this.#queueUrl): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = messages.map((message, index) => ({
      Id: String(index),
      MessageBody: message.body,
      MessageGroupId: message.groupId,
      ...(message.deduplicationId !== undefined ? { MessageDeduplicationId: message.deduplicationId } : {}),
    }));
    for (let round = 0; ; round++) {
      const response = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
      );
      const failedIds = new Set((response.Failed ?? []).map((entry) => entry.Id));
      if (failedIds.size === 0) return;
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      if (round >= FAILED_ENTRY_RETRIES) {
        const codes = [...new Set((response.Failed ?? []).map((entry) => entry.Code))].join(', ');
        throw new Error(`SQS refused ${pending.length} delivery task(s) after ${round + 1} tries (${codes})`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_DELAY_MS * 2 ** round));
    }
  }
}

/**
 * At most `limit` calls of `run` in progress; the others wait in call order. A call that throws
 * frees its turn like one that resolves.
 */
export class SendTurns {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await send();
    } finally {
      // The turn passes straight to the next waiter (the count stays), or is given back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Calls in progress now (for tests). */
  get running(): number {
    return this.#running;
  }
}

/** A message body and the group it is sent in (the tenant; on the FIFO queue, webhook + conversation). */
export interface GroupedBody {
  body: string;
  groupId: string;
  /** FIFO queue only. */
  deduplicationId?: string;
}

/** An ordered task as the FIFO queue takes it. */
function orderedMessageOf(task: DeliveryTask): GroupedBody {
  const ordered = task.ordered;
  if (!ordered) throw new Error('not an ordered task');
  return {
    body: JSON.stringify(task),
    groupId: orderingGroupOf(task, ordered),
    deduplicationId: ordered.deduplicationId,
  };
}

/** Splits messages into batches of at most 10 entries and 256 KiB of bodies. */
export function chunkMessages<Message extends { body: string }>(messages: Message[]): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let currentBytes = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(message.body);
    if (
      current.length > 0 &&
      (current.length === MAX_BATCH_ENTRIES || currentBytes + bytes > MAX_BATCH_BYTES)
    ) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(message);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
