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
import type { DeliveryQueue } from '#domain/ports';

/** SQS's longest DelaySeconds; a longer wait hops through `notBefore`. */
export const MAX_DELAY_SECONDS = 900;
const MAX_BATCH_ENTRIES = 10;
/** SQS's limit on a whole SendMessageBatch request (the sum of its bodies). */
const MAX_BATCH_BYTES = 256 * 1024;
const FAILED_ENTRY_RETRIES = 3;
const RETRY_BASE_DELAY_MS = 100;

export interface SqsDeliveryQueueOptions {
  client: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/**
 * DeliveryQueue over SQS: batched sends, delays capped at SQS's 900 s, a DLQ for exhausted tasks.
 * Every message carries `MessageGroupId` = its tenant, which makes the standard queue an SQS fair
 * queue: a tenant with a backlog (a burst, a backfill) does not hold back the messages of a tenant
 * without one.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;

  constructor(options: SqsDeliveryQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#deadLetterQueueUrl = options.deadLetterQueueUrl;
  }

  async enqueue(tasks: DeliveryTask[]): Promise<void> {
    const messages = tasks.map((task) => ({ body: JSON.stringify(task), groupId: task.tenantId }));
    await Promise.all(chunkMessages(messages).map((chunk) => this.#sendBatch(chunk)));
  }

  async enqueueDelayed(task: DeliveryTask, delaySeconds: number): Promise<void> {
    const wanted = Math.max(0, Math.ceil(delaySeconds));
    const delay = Math.min(wanted, MAX_DELAY_SECONDS);
    // A task that must wait longer than SQS allows carries its due time and hops until then.
    const body =
      wanted > MAX_DELAY_SECONDS && task.notBefore === undefined
        ? { ...task, notBefore: new Date(Date.now() + wanted * 1000).toISOString() }
        : task;
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(body),
        MessageGroupId: task.tenantId,
        DelaySeconds: delay,
      }),
    );
  }

  async deadLetter(task: DeliveryTask): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#deadLetterQueueUrl,
        MessageBody: JSON.stringify(task),
        MessageGroupId: task.tenantId,
      }),
    );
  }

  /** Sends one batch, re-sending entries SQS reports as failed a few times before giving up. */
  async #sendBatch(messages: GroupedBody[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = messages.map((message, index) => ({
      Id: String(index),
      MessageBody: message.body,
      MessageGroupId: message.groupId,
    }));
    for (let round = 0; ; round++) {
      const response = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: pending }),
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

/** A message body and the group (tenant) it is sent in. */
export interface GroupedBody {
  body: string;
  groupId: string;
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
