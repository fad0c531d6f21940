/**
 * A delivery refused admission goes back to the queue without using an attempt: after a growing,
 * spread wait when its webhook's slots are all taken, or for when its webhook's circuit half-opens
 * (given up on evidence once its schedule has ended).
 */

import { deadLetterOf, firstTryOf } from '#app/delivery/endings';
import type { DeliveryResult } from '#app/delivery/result';
import type { Services } from '#app/services';
import type { FailureEvidence } from '#domain/circuit-breaker';
import type { Admission } from '#domain/delivery-admission';
import type { DeliveryTask, GiveUpReason } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { RETRY_JITTER } from '#domain/retry-policy';
import { type CorrelatedLogger, MetricUnit, metrics } from '#observability';

/**
 * The longest a delivery waits before asking again for a slot of its busy webhook. The wait doubles
 * with each refusal in a row (1, 2, 4, 8 s): a flood at a slow endpoint costs at most one queue round
 * trip per waiting delivery every few seconds, while a longer cap would leave the webhook's slots idle
 * (every waiter asleep) and stretch its backlog far beyond what its endpoint's speed explains.
 */
const MAX_SLOT_WAIT_SECONDS = 8;

/**
 * A delivery whose webhook has every slot taken: back to the queue without using an attempt, after a
 * wait that doubles with each refusal in a row (up to MAX_SLOT_WAIT_SECONDS) and is spread at random,
 * so a backlog does not come back all at once.
 */
export async function postponeForSlot(
  services: Pick<Services, 'clock' | 'deliveryQueue' | 'random'>,
  task: DeliveryTask,
  busy: { expectedWaitMs: number; taskLogger: CorrelatedLogger },
): Promise<DeliveryResult> {
  const { taskLogger } = busy;
  const refusals = task.slotPostponements ?? 0;
  const firstTriedAt = firstTryOf(task) ?? services.clock.now().toISOString();
  const backoffSeconds = Math.max(2 ** Math.min(refusals, 10), Math.ceil(busy.expectedWaitMs / 1000));
  const baseSeconds = Math.min(MAX_SLOT_WAIT_SECONDS, backoffSeconds);
  const delaySeconds = Math.max(1, Math.round(baseSeconds * (0.5 + drawOf(services))));
  const notBefore = new Date(services.clock.now().getTime() + delaySeconds * 1000).toISOString();
  await services.deliveryQueue.enqueueDelayed(
    { ...task, notBefore, firstTriedAt, slotPostponements: refusals + 1 },
    delaySeconds,
  );
  metrics.addMetric('DeliveriesPostponedBySlots', MetricUnit.Count, 1);
  taskLogger.debug('every slot of the webhook is taken; delivery postponed without using an attempt', {
    delaySeconds,
    refusals: refusals + 1,
  });
  return { status: 'postponed', delaySeconds, reason: 'slots-busy' };
}

/**
 * A delivery whose webhook's circuit is open (`webhook` as read right before asking, still wanting the
 * event). Refused by the circuit, it made no request, so it uses no attempt: it goes back to the
 * queue for when the circuit half-opens (plus up to 20 % at random), where the first to come is the
 * probe. The schedule still ends: once its total time has passed since the first try, the delivery is
 * given up, but only on evidence, a real request to the webhook that failed after that moment (and
 * within the cool-down: the circuit is open because of it). Without such evidence the endpoint may
 * have recovered while the circuit was shut, so the delivery waits for the next probe instead: an
 * endpoint that came back gets its deliveries after one probe, never failure logs.
 */
export async function postponeForCircuit(
  services: Pick<Services, 'clock' | 'deliveryPolicy' | 'deliveryQueue' | 'random'>,
  task: DeliveryTask,
  circuit: {
    refusal: Extract<Admission, { reason: 'circuit-open' }>;
    webhook: StoredWebhook;
    taskLogger: CorrelatedLogger;
  },
): Promise<DeliveryResult> {
  const { taskLogger, webhook, refusal } = circuit;
  const now = services.clock.now();
  const firstTriedAt = firstTryOf(task) ?? now.toISOString();
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1000;
  const scheduleEndMs = Date.parse(firstTriedAt) + scheduleMs;
  const evidence = refusal.lastFailure;
  const isEvidence =
    evidence !== undefined &&
    evidence.at.getTime() >= scheduleEndMs &&
    now.getTime() - evidence.at.getTime() <= refusal.cooldownMs;
  if (now.getTime() >= scheduleEndMs && evidence && isEvidence) {
    return giveUpOnEvidence(services, task, { webhook, evidence, scheduleMs, taskLogger });
  }
  // Spread upwards only (docs/contract.md#isolation, ±20 % jitter): sooner than retryAt the circuit refuses again, and
  // without a spread every refused delivery would reach the recovering endpoint in the same second.
  const waitSeconds = Math.max(1, (refusal.retryAt.getTime() - now.getTime()) / 1000);
  const delaySeconds = Math.ceil(waitSeconds * (1 + RETRY_JITTER * drawOf(services)));
  const notBefore = new Date(now.getTime() + delaySeconds * 1000).toISOString();
  const { slotPostponements: _reset, ...rest } = task;
  await services.deliveryQueue.enqueueDelayed({ ...rest, notBefore, firstTriedAt }, delaySeconds);
  metrics.addMetric('DeliveriesPostponedByCircuit', MetricUnit.Count, 1);
  taskLogger.info('webhook circuit open; delivery postponed without using an attempt', {
    delaySeconds,
    attempts: task.attempts.length,
  });
  return { status: 'postponed', delaySeconds, reason: 'circuit-open' };
}

/**
 * Ends a delivery whose schedule ran out while its webhook's circuit was open, citing the failed
 * request it is given up on. Its attempts stay the requests it made itself; nothing is counted in the
 * webhook's health or its auto-disable evidence (the request cited was counted when it was made).
 */
async function giveUpOnEvidence(
  services: Pick<Services, 'deliveryQueue'>,
  task: DeliveryTask,
  context: {
    webhook: StoredWebhook;
    evidence: FailureEvidence;
    scheduleMs: number;
    taskLogger: CorrelatedLogger;
  },
): Promise<DeliveryResult> {
  const { webhook, evidence, taskLogger } = context;
  const givenUp: GiveUpReason = {
    reason: `given up: its retry schedule (${Math.round(context.scheduleMs / 1000)} s since the first try) ended while the webhook's circuit was open, and ${describeEvidence(evidence)}`,
    evidence: {
      at: evidence.at.toISOString(),
      ...(evidence.statusCode !== undefined ? { statusCode: evidence.statusCode } : {}),
      ...(evidence.error !== undefined ? { error: evidence.error } : {}),
    },
  };
  const deadLettered = deadLetterOf(task, { givenUp }, webhook);
  await services.deliveryQueue.deadLetter(deadLettered);
  metrics.addMetric('DeliveriesDeadLettered', MetricUnit.Count, 1);
  metrics.addMetric('DeliveriesGivenUpByCircuit', MetricUnit.Count, 1);
  taskLogger.warn('delivery given up: its schedule ended while the webhook kept failing', {
    attempts: task.attempts.length,
    evidenceAt: givenUp.evidence?.at,
    evidenceStatusCode: evidence.statusCode,
    evidenceError: evidence.error,
  });
  return { status: 'dead-lettered', givenUp };
}

/** Whether `task` has made no request yet and its schedule's total time since its first try has passed. */
export function isUnsentPastSchedule(
  services: Pick<Services, 'clock' | 'deliveryPolicy'>,
  task: DeliveryTask,
): boolean {
  const firstTriedAt = firstTryOf(task);
  if (task.attempts.length > 0 || firstTriedAt === undefined) return false;
  const scheduleMs =
    services.deliveryPolicy.retryScheduleSeconds.reduce((total, seconds) => total + seconds, 0) * 1000;
  return services.clock.now().getTime() >= Date.parse(firstTriedAt) + scheduleMs;
}

/** A uniform draw in [0, 1] from the random port. */
function drawOf(services: Pick<Services, 'random'>): number {
  return Math.min(Math.max(services.random(), 0), 1);
}

/** The failed request a give-up cites, in words: time and status or error. */
function describeEvidence(evidence: FailureEvidence): string {
  const what =
    evidence.statusCode !== undefined
      ? `answered ${evidence.statusCode}`
      : `failed (${evidence.error ?? 'no answer'})`;
  return `the request to the webhook at ${evidence.at.toISOString()} ${what}`;
}
