/**
 * Writing the delivery log (docs/contract.md#delivery-log): the delivery step reports each task's result here once
 * it is settled (retry enqueued, dead-lettered, delivered or dropped), fan-out stores each event's
 * payload once, and the DLQ processor links a failure log to its delivery. Writing the record after
 * the follow-up is enqueued is what keeps a record from staying `pending` across a crash: either the
 * write happened, or the retry that carries the attempts so far will write the record itself.
 * Nothing here ever fails a delivery: a log write that fails is logged and counted.
 */

import {
  capText,
  type DeliveryStatus,
  deliveryIdOf,
  LOGGED_ERROR_CHARS,
  LOGGED_SNIPPET_CHARS,
  type LoggedAttempt,
} from '#domain/delivery-log';
import { deliveryBodyOf } from '#domain/delivery-request';
import {
  type DeliveryTask,
  type GiveUpReason,
  isEventByReference,
  REFERENCED_PAYLOAD_MARGIN_MS,
  type TaskEvent,
  webhookIdsOf,
} from '#domain/delivery-task';
import { DAY_MS } from '#domain/durations';
import type { DeliveryAttempt, EventEnvelope, FailureLog } from '#domain/model';
import type { OutcomeBatch } from '#domain/ports';
import { type ScrubText, scrubberForCredentials } from '#domain/secret-scrubber';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';
import type { Services } from './services';

/**
 * The unordered tasks of one delivery batch as the log counts them: each enrolled task (a group task
 * counts once per webhook) reports once, from recordSettledDelivery, the last step of every task that
 * does not throw; the batch is complete once it is sealed (every message enrolled) and all have reported.
 */
class BatchOutcomes implements OutcomeBatch {
  #expected = 0;
  #reported = 0;
  #isSealed = false;
  #listeners: (() => void)[] = [];

  get isComplete(): boolean {
    return this.#isSealed && this.#reported >= this.#expected;
  }

  onComplete(listener: () => void): void {
    if (this.isComplete) listener();
    else this.#listeners.push(listener);
  }

  enroll(tasks: number): void {
    this.#expected += tasks;
  }

  seal(): void {
    this.#isSealed = true;
    this.#fireIfComplete();
  }

  /** One task has reported (after its outcome, if any, was handed to the store). */
  reported(): void {
    this.#reported += 1;
    this.#fireIfComplete();
  }

  #fireIfComplete(): void {
    if (!this.isComplete) return;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

/**
 * The batch a task belongs to, by its event object: a group task's webhooks share it (memberTask copies
 * the task, not the event), and nothing on the delivery path replaces it. A WeakMap, not an
 * AsyncLocalStorage: on Node 20 an active one slows every promise of the delivery thread.
 */
const batchOfEvent = new WeakMap<TaskEvent, BatchOutcomes>();

/** One delivery batch for the delivery log (see startOutcomeBatch). */
export interface OutcomeBatchScope {
  /** Enrolls a task parsed from one of the batch's messages (ordered tasks are never held). */
  enroll(task: DeliveryTask): void;
  /** Every message of the batch is enrolled: the batch completes once its tasks have all reported. */
  seal(): void;
}

/**
 * Starts one delivery batch for the delivery log: the store may hold the first-attempt successes of
 * the tasks enrolled in it until every one has reported, and write them as one group item per webhook
 * and one tenant-index entry (docs/cost.md). Each task's own record call still resolves only once its
 * record is written, so no message is acknowledged before its record is durable. Ordered tasks are
 * never held (each waits for the one before it).
 */
export function startOutcomeBatch(): OutcomeBatchScope {
  const batch = new BatchOutcomes();
  return {
    enroll(task) {
      if (task.ordered) return;
      batch.enroll(webhookIdsOf(task).length);
      batchOfEvent.set(task.event, batch);
    },
    seal() {
      batch.seal();
    },
  };
}

/** What became of a task, in the terms the log needs (a subset of deliver's DeliveryResult). */
export type SettledDelivery =
  | {
      status: 'delivered' | 'retry-scheduled';
      attempt: DeliveryAttempt;
      delaySeconds?: number;
    }
  /** `attempt` only when a request was made; `givenUp` when it ended without one (never an attempt). */
  | { status: 'dead-lettered'; attempt?: DeliveryAttempt; givenUp?: GiveUpReason }
  | { status: 'postponed' }
  | { status: 'dropped'; reason: string };

function expiryOf(services: Pick<Services, 'deliveryLogPolicy'>, from: Date, extraMs = 0): Date {
  return new Date(from.getTime() + services.deliveryLogPolicy.retentionMs + extraMs);
}

/**
 * How long a payload outlives its event's first records: a delivery's last record may be written a
 * whole retry schedule later, and its own retention starts then.
 */
function payloadExpiry(services: Pick<Services, 'deliveryLogPolicy' | 'deliveryPolicy'>, from: Date): Date {
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1.25 * 1000;
  return expiryOf(services, from, scheduleMs + DAY_MS);
}

/**
 * Until when a large event's body, stored with its claim for its delivery messages to reference
 * (docs/delivery.md#large-events), must stay: past every read of it. A task lives at most the retry
 * schedule (its total, with the same slack as payloadExpiry's) plus a queue's and a DLQ's retention
 * (REFERENCED_PAYLOAD_MARGIN_MS); and the delivery log shows it as long as any record of the event.
 */
export function referencedPayloadExpiry(
  services: Pick<Services, 'deliveryLogPolicy' | 'deliveryPolicy'>,
  from: Date,
): Date {
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1.25 * 1000;
  const forTasks = from.getTime() + scheduleMs + REFERENCED_PAYLOAD_MARGIN_MS;
  return new Date(Math.max(forTasks, payloadExpiry(services, from).getTime()));
}

/**
 * The payload the delivery log keeps of an event fanned out to `deliveries` webhooks (mode `all`), to
 * store once, before any delivery of it is attempted; undefined when none is kept.
 */
export function eventPayloadToKeep(
  services: Pick<Services, 'clock' | 'deliveryLogPolicy' | 'deliveryPolicy'>,
  event: EventEnvelope,
  deliveries: number,
): { body: string; expiresAt: Date } | undefined {
  if (services.deliveryLogPolicy.mode !== 'all' || deliveries === 0) return undefined;
  return { body: deliveryBodyOf(event), expiresAt: payloadExpiry(services, services.clock.now()) };
}

/** Stores the event's payload on its own (mode `all`), when its id claim did not carry it. */
export async function storeEventPayload(
  services: Pick<Services, 'clock' | 'deliveryLog' | 'deliveryLogPolicy' | 'deliveryPolicy'>,
  event: EventEnvelope,
  deliveries: number,
): Promise<void> {
  const payload = eventPayloadToKeep(services, event, deliveries);
  if (!payload) return;
  try {
    await services.deliveryLog.putPayload(event.tenantId, event.id, payload.body, payload.expiresAt);
  } catch (error) {
    // The records still say what was sent and what came back; only the detail view lacks the body.
    metrics.addMetric('DeliveryLogWriteErrors', MetricUnit.Count, 1);
    withCorrelation({ eventId: event.id, tenantId: event.tenantId }).warn(
      'could not store the event payload',
      {
        error: describeError(error),
      },
    );
  }
}

/**
 * The delivery id of a task, once it has been tried: named by its first try's time (noted when that
 * try was postponed), else its first attempt's (`attemptAt` is this attempt's time).
 */
export function deliveryIdOfTask(task: DeliveryTask, attemptAt?: string): string | undefined {
  const firstAttemptAt = task.firstTriedAt ?? task.attempts[0]?.at ?? attemptAt;
  if (firstAttemptAt === undefined) return undefined;
  return deliveryIdOf({
    eventId: task.event.id,
    webhookId: task.webhookId,
    firstAttemptAt,
    ...(task.redeliveryOf !== undefined ? { redeliveryOf: task.redeliveryOf } : {}),
  });
}

function toLoggedAttempt(
  attempt: DeliveryAttempt,
  requestHeaders: Record<string, string>,
  scrub: ScrubText,
): LoggedAttempt {
  // Scrub before capping, so a cut can never leave half a secret behind.
  const error = capText(attempt.error === undefined ? undefined : scrub(attempt.error), LOGGED_ERROR_CHARS);
  const snippet = capText(
    attempt.responseSnippet === undefined ? undefined : scrub(attempt.responseSnippet),
    LOGGED_SNIPPET_CHARS,
  );
  return {
    at: attempt.at,
    ...(attempt.host !== undefined ? { host: attempt.host } : {}),
    ...(attempt.statusCode !== undefined ? { statusCode: attempt.statusCode } : {}),
    ...(error !== undefined ? { error } : {}),
    durationMs: attempt.durationMs,
    requestHeaders,
    ...(snippet !== undefined ? { responseSnippet: snippet } : {}),
  };
}

/**
 * What the delivery log keeps of the request an attempt sent, as the attempt stage hands it on: the
 * headers with their secrets already masked, and the scrubber of the webhook's secrets (the attempt
 * holds the decrypted credentials; the log never decrypts them again).
 */
export interface SentRequest {
  maskedHeaders: Record<string, string>;
  scrub: ScrubText;
}

/** The ports the record stage uses. */
type RecordServices = Pick<Services, 'clock' | 'deliveryLog' | 'deliveryLogPolicy' | 'deliveryPolicy'>;

/** One settled task as the record stage receives it. */
interface SettledRecord {
  task: DeliveryTask;
  result: SettledDelivery;
  sent?: SentRequest | undefined;
  /** An admin's test send: recorded as such (and never counted in health: its caller does not count it). */
  test?: boolean;
}

/**
 * Records one settled task in the delivery log (the record stage; the settle stage has already
 * counted its attempt in the webhook's health). `sent` is the attempt's request as the attempt stage
 * masked it.
 */
export async function recordSettledDelivery(services: RecordServices, input: SettledRecord): Promise<void> {
  const batch = input.task.ordered || input.test ? undefined : batchOfEvent.get(input.task.event);
  let hasReported = false;
  const report = () => {
    if (hasReported) return;
    hasReported = true;
    batch?.reported();
  };
  try {
    await recordSettled(services, input, batch, report);
  } finally {
    report();
  }
}

async function recordSettled(
  services: RecordServices,
  input: SettledRecord,
  batch: OutcomeBatch | undefined,
  report: () => void,
): Promise<void> {
  const { task, result, sent } = input;
  if (result.status === 'postponed') return;
  const attempt = result.status === 'dropped' ? undefined : result.attempt;
  const givenUp = result.status === 'dead-lettered' ? result.givenUp : undefined;
  const taskLogger = withCorrelation({
    eventId: task.event.id,
    tenantId: task.tenantId,
    webhookId: task.webhookId,
  });
  try {
    const mode = services.deliveryLogPolicy.mode;
    const isRecorded = task.attempts.length > 0;
    if (mode === 'off') return;
    // Dropped before any attempt: nothing was sent and no record exists to settle. One given up
    // without a request (its schedule ran out behind an open circuit) is still recorded, as failed.
    if (!attempt && !isRecorded && !givenUp) return;
    if (mode === 'failures' && result.status === 'delivered' && !isRecorded) return;

    const deliveryId = deliveryIdOfTask(task, attempt?.at);
    if (!deliveryId) return;
    const status: DeliveryStatus =
      result.status === 'delivered'
        ? 'succeeded'
        : result.status === 'retry-scheduled'
          ? 'pending'
          : 'failed';
    // Without a request there are no secrets of this attempt to scrub: earlier attempts were scrubbed when made.
    const scrub = sent?.scrub ?? scrubberForCredentials({ authentication: null, signingSecrets: [] });
    const logged = attempt ? toLoggedAttempt(attempt, sent?.maskedHeaders ?? {}, scrub) : undefined;
    const now = services.clock.now();
    const last = logged ?? task.attempts.at(-1);
    const lastError =
      result.status === 'dropped' ? `not sent: ${result.reason}` : (givenUp?.reason ?? logged?.error);
    const nextAttemptAt =
      result.status === 'retry-scheduled' && result.delaySeconds !== undefined
        ? new Date(now.getTime() + result.delaySeconds * 1000).toISOString()
        : undefined;
    const writing = services.deliveryLog.recordOutcome(
      {
        tenantId: task.tenantId,
        deliveryId,
        webhookId: task.webhookId,
        eventId: task.event.id,
        eventType: task.event.type,
        status,
        attemptCount: task.attempts.length + (attempt ? 1 : 0),
        ...(logged ? { attempt: logged } : {}),
        earlierAttempts: task.attempts.map((earlier) => toLoggedAttempt(earlier, {}, scrub)),
        ...(last?.statusCode !== undefined ? { lastStatusCode: last.statusCode } : {}),
        ...(lastError !== undefined ? { lastError } : {}),
        ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}),
        createdAt: task.firstTriedAt ?? task.attempts[0]?.at ?? attempt?.at ?? now.toISOString(),
        updatedAt: now.toISOString(),
        ...(task.redeliveryOf !== undefined ? { redeliveryOf: task.redeliveryOf } : {}),
        ...(input.test ? { test: true } : {}),
        ...(task.claimHoldsPayload ? { eventAnchor: task.event.timestamp } : {}),
      },
      expiryOf(services, now),
      batch,
    );
    // Reported once the store holds the outcome: the batch's last report lets it write them all.
    report();
    await writing;
    // In `failures` mode fan-out stored no payload: the first failure of a delivery stores it. A large
    // event's claim holds it already (referencedPayloadExpiry), and the task has no body to store.
    if (mode === 'failures' && !isRecorded && !isEventByReference(task.event)) {
      await services.deliveryLog.putPayload(
        task.tenantId,
        task.event.id,
        deliveryBodyOf(task.event),
        payloadExpiry(services, now),
      );
    }
    metrics.addMetric('DeliveryLogRecords', MetricUnit.Count, 1);
  } catch (error) {
    metrics.addMetric('DeliveryLogWriteErrors', MetricUnit.Count, 1);
    taskLogger.warn('could not record the delivery in the delivery log', { error: describeError(error) });
  }
}

/** The failure log of a dead-lettered task, pointing at its delivery (docs/contract.md#delivery-log: they point at each other). */
export function withDeliveryId(failureLog: FailureLog, task: DeliveryTask): FailureLog {
  const deliveryId = deliveryIdOfTask(task);
  return deliveryId ? { ...failureLog, deliveryId } : failureLog;
}

/** Points a failed delivery's record at its failure log; never throws (the failure log is what must not be lost). */
export async function linkFailureLogToDelivery(
  services: Pick<Services, 'clock' | 'deliveryLog' | 'deliveryLogPolicy'>,
  failureLog: FailureLog,
): Promise<void> {
  if (!failureLog.deliveryId || services.deliveryLogPolicy.mode === 'off') return;
  try {
    await services.deliveryLog.linkFailureLog(
      failureLog.tenantId,
      failureLog.deliveryId,
      failureLog.id,
      expiryOf(services, services.clock.now()),
    );
  } catch (error) {
    withCorrelation({ tenantId: failureLog.tenantId, webhookId: failureLog.webhookId }).warn(
      'could not link the failure log to its delivery record',
      { failureLogId: failureLog.id, error: describeError(error) },
    );
  }
}
