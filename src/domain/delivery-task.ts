/**
 * The delivery queue's message format (docs/contract.md#deliveries): what fan-out, delivery, redelivery and the
 * DLQ processor write and read. It lives in the domain so that every use case imports it from here
 * and none imports another use case for it.
 */
import * as z from 'zod';
import type { DeliveryAttempt, EventEnvelope } from './model';
import type { OrderedDelivery } from './ordering';

/**
 * A serialised event body (deliveryBodyOf) larger than this travels by reference: fan-out stores it
 * once with the event's id claim and its delivery messages carry the envelope without `data`
 * (EventByReference). Below it, inline is cheaper: the claim's write units grow with the body (1 per KB),
 * and 32 KiB still leaves room for every one of MAX_WEBHOOKS_PER_MESSAGE webhook ids in SQS's 256 KB
 * message, so only events that would split a group (and multiply the queue's copies, its hashing and
 * its parsing) pay for the write and the delivery step's read (docs/delivery.md#large-events).
 */
export const LARGE_EVENT_BYTES = 32 * 1024;

/**
 * How long an event's payload stored for its delivery messages must outlive them at most beyond the
 * retry schedule: a message may wait a whole queue retention (14 days, every delivery queue's and DLQ's,
 * lib/constructs/secure-queue.ts) before it is received, and a dead-lettered one as long again in its DLQ
 * before the DLQ processor reads it, plus a day's margin.
 */
export const REFERENCED_PAYLOAD_MARGIN_MS = (14 + 14 + 1) * 24 * 60 * 60 * 1000;

/**
 * An event carried by reference: its envelope without `data`, whose body (deliveryBodyOf) its id claim
 * holds (EventIdRegistry.payloadOf). `sha256` (base64url, of the body's UTF-8) tells that the stored body
 * is still this event's, byte for byte: an id reused after its claim's window replaces the claim.
 */
export type EventByReference = Omit<EventEnvelope, 'data'> & {
  data?: undefined;
  payloadRef: { sha256: string };
};

/** What a task carries of its event: the whole envelope, or a reference to its stored body. */
export type TaskEvent = EventEnvelope | EventByReference;

/** Whether `event` is carried by reference (its body must be read before it is sent). */
export function isEventByReference(event: TaskEvent): event is EventByReference {
  return event.data === undefined;
}

/**
 * Webhooks per delivery message at most: bounds the work (and the wait for per-endpoint slots) that
 * one message holds while it is invisible in the queue, and what a redelivery of it repeats.
 * `WEBHOOKS_PER_DELIVERY_MESSAGE` (config.ts) may lower it, never raise it.
 */
export const MAX_WEBHOOKS_PER_MESSAGE = 50;

/**
 * Receives of one delivery message before its queue redrives it to the DLQ: crash loops only, since
 * a retry is a new message. The stack's delivery queue (lib/constructs/delivery-queues.ts) and the
 * local queue (src/local/runtime.ts) both use it.
 */
export const DELIVERY_MAX_RECEIVES = 5;

/**
 * Receives of one ordered delivery message before its FIFO queue redrives it to the FIFO DLQ: SQS's
 * largest. An ordered delivery keeps its message through every retry and postponement (each one more
 * receive), so only a message received this often without ending (a crash loop, or days behind an
 * open circuit) is moved aside, unrecorded; docs/ordering.md.
 */
export const ORDERED_DELIVERY_MAX_RECEIVES = 1000;

/**
 * A message of the delivery queue (JSON). Two shapes share this type:
 *
 * - a single task, one (event, webhook) pair: `webhookId` set, `webhookIds` absent. Retries, circuit
 *   postponements, redeliveries and every message written before group tasks existed have this shape;
 * - a group task, the first attempt of one event for several webhooks (fan-out writes one per event, so
 *   a delivery costs a fraction of a queue send, receive and delete): `webhookIds` lists them (distinct,
 *   at least one), `webhookId` repeats the first of them, `attempts` is empty. The delivery step fans it
 *   out in memory; each webhook whose attempt fails continues as its own single task.
 */
export interface DeliveryTask {
  tenantId: string;
  /** The webhook of a single task; in a group task, the first of `webhookIds`. */
  webhookId: string;
  /** Present only in a group task: every webhook this message delivers the event to. */
  webhookIds?: string[];
  /** The event, or for a large one a reference to its body stored with its id claim (LARGE_EVENT_BYTES). */
  event: TaskEvent;
  /** Attempts made so far, oldest first. */
  attempts: DeliveryAttempt[];
  /** ISO 8601; a task received before this is early (a delay longer than the queue allows). */
  notBefore?: string;
  /** Set when an admin asked for a redelivery of a failure log. */
  redeliveryOf?: string;
  /**
   * ISO 8601: when the delivery first came up for an attempt, set when that first try was postponed
   * (an open circuit, busy slots) so no attempt carries the time. The retry schedule's total time is
   * counted from it (else from the first attempt), and the delivery log's record is named by it.
   */
  firstTriedAt?: string;
  /** How many times in a row this task found every one of its webhook's sending slots taken. */
  slotPostponements?: number;
  /**
   * Set by fan-out when the event's id claim carries its payload (mode `all`), which names the event's
   * time: the delivery log may then find this event's first-attempt successes through the tenant index
   * around that time, instead of writing an index entry per event (docs/storage.md).
   */
  claimHoldsPayload?: boolean;
  /**
   * Set on a delivery to a webhook that orders per conversation (docs/contract.md#ordering): it travels in
   * the ordered queue, in its conversation's message group. Always a single task.
   */
  ordered?: OrderedDelivery;
}

/**
 * A real request to a webhook that failed, cited as the evidence a delivery was given up on (which may
 * be another delivery's request to the same webhook).
 */
export interface FailedRequestEvidence {
  /** ISO 8601. */
  at: string;
  statusCode?: number;
  error?: string;
}

/**
 * Why a delivery was given up other than by its last attempt failing: its schedule ran out while its
 * webhook's circuit was open (`evidence`: the failed request that says the endpoint is still down), its
 * request could not be built, or the service deactivated the webhook. Never an attempt: `attempts`
 * lists only requests that were made.
 */
export interface GiveUpReason {
  reason: string;
  evidence?: FailedRequestEvidence;
}

/** A task as the delivery step dead-letters it: with the webhook's name and URL at that moment. */
export interface DeadLetteredTask extends DeliveryTask {
  webhookName?: string;
  url?: string;
  givenUp?: GiveUpReason;
}

/** One message as the queue hands it over (an SQS record's relevant part). */
export interface QueueMessage {
  messageId: string;
  body: string;
  receiptHandle?: string;
  /** The queue it came from (an SQS record's ARN), for acknowledging it before its batch ends. */
  eventSourceARN?: string;
  /** SQS's system attributes; `ApproximateReceiveCount` says whether an ordered delivery was tried before. */
  attributes?: { ApproximateReceiveCount?: string };
}

/** The messages of a batch to hand back to the queue (Lambda's partial batch response). */
export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

const attemptSchema = z.looseObject({
  at: z.string(),
  host: z.string().optional(),
  statusCode: z.number().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
  responseSnippet: z.string().optional(),
});

const deliveryTaskSchema = z.looseObject({
  tenantId: z.string().min(1),
  webhookId: z.string().min(1),
  event: z
    .looseObject({
      id: z.string().min(1),
      type: z.string().min(1),
      timestamp: z.string(),
      tenantId: z.string(),
      brandId: z.string().nullable(),
      data: z.record(z.string(), z.unknown()).optional(),
      payloadRef: z.looseObject({ sha256: z.string().min(1) }).optional(),
    })
    .refine((event) => (event.data === undefined) !== (event.payloadRef === undefined), {
      message: 'an event carries either its data or a reference to its stored payload',
    }),
  webhookIds: z.array(z.string().min(1)).min(1).optional(),
  attempts: z.array(attemptSchema),
  notBefore: z.string().optional(),
  redeliveryOf: z.string().optional(),
  firstTriedAt: z.string().optional(),
  slotPostponements: z.number().int().nonnegative().optional(),
  claimHoldsPayload: z.boolean().optional(),
  ordered: z
    .looseObject({ conversationId: z.string().min(1), deduplicationId: z.string().min(1) })
    .optional(),
  webhookName: z.string().optional(),
  url: z.string().optional(),
  givenUp: z
    .looseObject({
      reason: z.string(),
      evidence: z
        .looseObject({ at: z.string(), statusCode: z.number().optional(), error: z.string().optional() })
        .optional(),
    })
    .optional(),
});

/** Parses a queue message body into a task; undefined when it is not one. */
export function parseDeliveryTask(body: string): DeadLetteredTask | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = deliveryTaskSchema.safeParse(json);
  return parsed.success ? (parsed.data as DeadLetteredTask) : undefined;
}

/** The webhooks a task delivers to: every one of a group task, else its one webhook. */
export function webhookIdsOf(task: DeliveryTask): string[] {
  return task.webhookIds ? [...new Set(task.webhookIds)] : [task.webhookId];
}

/** One webhook's share of a group task, as a single task. */
export function memberTask<T extends DeliveryTask>(group: T, webhookId: string): T {
  const { webhookIds: _group, ...task } = group;
  return { ...task, webhookId } as T;
}
