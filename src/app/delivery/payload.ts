/**
 * A large event's payload, carried by reference (EventByReference, docs/delivery.md#large-events):
 * fan-out stored its body once with the event's id claim; the delivery step and the DLQ processor read
 * it back here before signing or logging it.
 */
import { createHash } from 'node:crypto';
import { LookupCache } from '#app/lookup-cache';
import type { Services } from '#app/services';
import { deliveryBodyOf, envelopeOfBody } from '#domain/delivery-request';
import { type EventByReference, isEventByReference, type TaskEvent } from '#domain/delivery-task';
import type { EventEnvelope } from '#domain/model';

/** Why an event's payload cannot be sent: the reason its delivery ends with (a failure log's). */
export class PayloadUnavailable {
  constructor(readonly reason: string) {}
}

/**
 * Bodies read lately, by event and digest: the webhooks of one group task (and the tasks of one batch
 * that share an event) pay one read, not one each. A body is immutable under its digest, so an entry
 * cannot go stale; few and short-lived, because each may be ~256 KB.
 */
const recentBodies = new LookupCache<EventEnvelope | PayloadUnavailable>({ ttlMs: 30_000, maxEntries: 16 });

/** The digest a reference carries of a body (EventByReference.payloadRef.sha256). */
export function payloadDigest(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** A reference to `event`'s body, which its id claim holds: the envelope without `data`. */
export function referenceTo(event: EventEnvelope): EventByReference {
  const { data: _data, ...envelope } = event;
  return { ...envelope, payloadRef: { sha256: payloadDigest(deliveryBodyOf(event)) } };
}

/**
 * The whole event of a task's `event`: itself when inline; for a reference, the body its claim holds
 * (one consistent read, shared with concurrent and recent callers), or PayloadUnavailable when that body
 * expired, is missing, or is another event's (the id reused after its claim's window). Throws only when
 * the store fails, so the message is redelivered rather than given up.
 */
export async function resolveTaskEvent(
  services: Pick<Services, 'eventIds'>,
  event: TaskEvent,
): Promise<EventEnvelope | PayloadUnavailable> {
  if (!isEventByReference(event)) return event;
  const { sha256 } = event.payloadRef;
  return recentBodies.get(JSON.stringify([event.tenantId, event.id, sha256]), async () => {
    const body = await services.eventIds.payloadOf(event.tenantId, event.id);
    if (body === undefined) {
      return new PayloadUnavailable(
        "not sent: the event's payload is no longer stored (expired or missing), so the request could not be built",
      );
    }
    const resolved = payloadDigest(body) === sha256 ? envelopeOfBody(body) : undefined;
    if (!resolved || resolved.id !== event.id || resolved.tenantId !== event.tenantId) {
      return new PayloadUnavailable(
        "not sent: the event's stored payload is another event's (its id was reused), so the request could not be built",
      );
    }
    return resolved;
  });
}
