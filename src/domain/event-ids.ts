/**
 * Event ids and publishing twice. An event id is unique per tenant for EVENT_ID_WINDOW_MS: the
 * fan-out claims each id once, with a fingerprint of what it names (type and data), and judges a
 * second event under the same id by that claim. A platform that retries PutEvents after a timeout
 * publishes the same event again (an exact duplicate: delivered to no one again); a platform that
 * reuses an id for another event must not overwrite the first one's payload and log, and its
 * receivers, who de-duplicate on `webhook-id`, would drop it silently anyway (a conflict: rejected).
 */
import { createHash } from 'node:crypto';
import { DAY_MS } from './durations';
import type { EventIdClaim, EventIdClaimResult } from './ports';

/** How long an event id stays taken. */
export const EVENT_ID_WINDOW_MS = DAY_MS;

/**
 * SHA-256 (base64url) of the event's type and data, object keys sorted at every level so that a
 * publisher re-serialising the same event in another key order is still recognised.
 */
export function eventFingerprint(type: string, data: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([type, canonical(data)]))
    .digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    sorted[key] = canonical((value as Record<string, unknown>)[key]);
  return sorted;
}

/**
 * What a claim's answer means for the event that asked:
 * - `new`: the id was free, deliver;
 * - `retry`: the same bus event again (the bus retrying a failed invocation), deliver, as the first
 *   try may have stopped before its deliveries were enqueued;
 * - `duplicate`: the same event published again, deliver to no one;
 * - `conflict`: another event under a taken id, reject it.
 */
export type EventIdVerdict = 'new' | 'retry' | 'duplicate' | 'conflict';

export function judgeEventIdClaim(claim: EventIdClaim, result: EventIdClaimResult): EventIdVerdict {
  if (result.claimed) return 'new';
  const { holder } = result;
  if (claim.busEventId !== undefined && holder.busEventId === claim.busEventId) return 'retry';
  return holder.fingerprint === claim.fingerprint ? 'duplicate' : 'conflict';
}
