/**
 * The admission stage of a delivery (admit → attempt → settle → record, src/app/delivery/task.ts):
 * decides whether one task may be attempted now. It either hands on the webhook to send to with a
 * held slot of it (`admitted`), or ends the task here without a request (`ended`: re-enqueued while
 * early, dropped or dead-lettered when its webhook no longer wants it, released from its conversation,
 * or postponed by a busy webhook or an open circuit).
 */

import { endUnwanted, releaseOrdered, whyNotDeliver } from '#app/delivery/endings';
import { isUnsentPastSchedule, postponeForCircuit, postponeForSlot } from '#app/delivery/postpone';
import type { DeliveryResult } from '#app/delivery/result';
import { webhookKeyOf } from '#app/endpoint-circuits';
import type { Services } from '#app/services';
import type { AdmissionLease } from '#domain/delivery-admission';
import type { DeliveryTask } from '#domain/delivery-task';
import { orderingOf, type StoredWebhook } from '#domain/model';
import type { CorrelatedLogger } from '#observability';

/** A task this early is re-enqueued rather than attempted (the queue caps delays, so long waits hop). */
const EARLY_TOLERANCE_MS = 1000;

/**
 * What admission hands on: the webhook as read (after the wait for the slot, when there was one) and
 * the slot's lease, which the attempt stage releases exactly once; or the task's end without a request.
 */
export type AdmissionOutcome =
  | { kind: 'admitted'; webhook: StoredWebhook; lease: AdmissionLease }
  | { kind: 'ended'; result: DeliveryResult };

/** What admission uses: the webhook's record, the admission port, the queue to postpone with. */
export type AdmitServices = Pick<
  Services,
  'admission' | 'clock' | 'deliveryPolicy' | 'deliveryQueue' | 'random' | 'webhooks'
>;

/**
 * Admits one single task (docs/contract.md#read-your-writes, #isolation): re-enqueues it when it
 * came early, reads its webhook fresh, ends it when the webhook no longer wants it, then asks for a
 * slot and the circuit's permission and postpones it when refused. Throws only when the queue or the
 * store fails (a lease taken is released before the throw).
 */
export async function admitTask(
  services: AdmitServices,
  task: DeliveryTask,
  taskLogger: CorrelatedLogger,
): Promise<AdmissionOutcome> {
  const remainingMs = task.notBefore ? Date.parse(task.notBefore) - services.clock.now().getTime() : 0;
  if (remainingMs > EARLY_TOLERANCE_MS) {
    const delaySeconds = Math.ceil(remainingMs / 1000);
    await services.deliveryQueue.enqueueDelayed(task, delaySeconds);
    return { kind: 'ended', result: { status: 'postponed', delaySeconds } };
  }

  // Read fresh before asking for a slot (docs/contract.md#read-your-writes): the slot guards the endpoint, so it is held for
  // the attempt, not for a store read (a read inside it was most of a fast webhook's slot time and
  // capped its throughput; bench/RESULTS.md). A webhook that no longer wants the event needs no slot.
  const read = await services.webhooks.get(task.tenantId, task.webhookId);
  const reason = whyNotDeliver(task, read);
  if (!read || reason)
    return { kind: 'ended', result: await endUnwanted(services, task, read, reason, taskLogger) };
  if (task.ordered && orderingOf(read) !== 'conversation')
    return { kind: 'ended', result: await releaseOrdered(services, task, taskLogger) };
  const webhookKey = webhookKeyOf(task.tenantId, task.webhookId);
  let admission = await services.admission.admit(webhookKey);
  // A delivery whose schedule ended without one request of its own gets that request through the open
  // circuit (its webhook's slots still apply): it is never given up unsent on another delivery's
  // failure, and an endpoint that recovered behind the shut circuit is probed by it.
  if (!admission.isAdmitted && admission.reason === 'circuit-open' && isUnsentPastSchedule(services, task)) {
    admission = await services.admission.admit(webhookKey, { throughOpenCircuit: true });
  }
  if (!admission.isAdmitted) {
    if (admission.reason === 'slots-busy') {
      const result = await postponeForSlot(services, task, {
        expectedWaitMs: admission.expectedWaitMs,
        taskLogger,
      });
      return { kind: 'ended', result };
    }
    const result = await postponeForCircuit(services, task, {
      refusal: admission,
      webhook: read,
      taskLogger,
    });
    return { kind: 'ended', result };
  }
  if (!admission.hasWaited) return { kind: 'admitted', webhook: read, lease: admission.lease };
  return readAgainAfterWait(services, task, admission.lease, taskLogger);
}

/**
 * A slot that came after a wait in memory: reads the webhook again, so an edit, rotation, deactivation
 * or deletion acknowledged while it waited applies to this attempt (retries included). A task its
 * webhook no longer wants ends here, its slot released (with nothing said about the endpoint) once
 * the ending is done.
 */
async function readAgainAfterWait(
  services: Pick<Services, 'deliveryQueue' | 'webhooks'>,
  task: DeliveryTask,
  lease: AdmissionLease,
  taskLogger: CorrelatedLogger,
): Promise<AdmissionOutcome> {
  let ending: DeliveryResult;
  try {
    const webhook = await services.webhooks.get(task.tenantId, task.webhookId);
    const lateReason = whyNotDeliver(task, webhook);
    if (webhook && !lateReason) return { kind: 'admitted', webhook, lease };
    ending = await endUnwanted(services, task, webhook, lateReason, taskLogger);
  } catch (error) {
    lease.release('unknown');
    throw error;
  }
  lease.release('unknown');
  return { kind: 'ended', result: ending };
}
