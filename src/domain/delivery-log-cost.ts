/**
 * What the delivery log costs on DynamoDB on-demand (docs/contract.md#delivery-log, #benchmark), as figures the benchmark
 * imports. The design (src/adapters/dynamodb/delivery-log-repository.ts) writes, per delivery:
 *
 * - first-attempt successes (the common case) many to an item: the successes of one webhook in one
 *   delivery batch are one group item of about GROUP_BASE_BYTES + GROUP_MEMBER_BYTES each (their JSON
 *   compressed; src/adapters/dynamodb/delivery-groups.ts), plus, per batch, one tenant-index entry for
 *   up to 14 groups that also lists the batch's events, so the tenant-wide and `eventId` lists still
 *   read a fixed number of partitions whatever the webhooks; an event-index entry per event only for
 *   the deliveries tried outside their event's window (a backlog);
 * - any other outcome: an UpdateItem on the delivery's own record (under 1 KB with one attempt, pinned
 *   by a test; each later attempt adds about ATTEMPT_BYTES, and an update is billed on the larger of the
 *   item before and after) and INDEX_WRITE_UNITS for its two index entries;
 * - the event's payload (mode `all`) inside the event-id claim fan-out writes anyway: only the units it
 *   adds to that item; in mode `failures`, one payload item per failed delivery instead;
 * - one UpdateItem on the failed delivery's record when its failure log is written (the link);
 * - webhook health: at most one UpdateItem per webhook per 10 s per process, plus one per change of
 *   outcome (see src/app/health-counters.ts): a small fraction of a write per delivery under load.
 *
 * The delivery step reads nothing for the log; reads are the admin's (a list page is one Query per
 * shard of the tenant index plus one BatchGetItem of the page's records, a detail view two GetItems).
 */
import type { DeliveryLogMode } from './delivery-log';

/** US East on-demand prices (2026). */
export const USD_PER_MILLION_WRITE_UNITS = 0.625;
export const USD_PER_MILLION_READ_UNITS = 0.125;

/** Bytes of a delivery record besides its attempts (keys, ids, status, times, TTL); measured in test/domain/delivery-log-cost.test.ts. */
export const RECORD_BASE_BYTES = 420;
/** Bytes one attempt adds (time, status, duration, masked headers, ≤ 256-character snippet). */
export const ATTEMPT_BYTES = 560;
/** Bytes of a payload item besides the body. */
export const PAYLOAD_OVERHEAD_BYTES = 80;

/** Write units of the two index entries written beside each record write. */
export const INDEX_WRITE_UNITS = 2;
/** Bytes of a group item besides its members (keys, kind, status, event types, TTL, compressor's start). */
export const GROUP_BASE_BYTES = 260;
/** Compressed bytes one first-attempt success adds to its group (its random signature is most of it). */
export const GROUP_MEMBER_BYTES = 110;
/** Bytes of an event-index entry of a flush besides its refs, and per ref (webhook, ULID, group). */
export const EVENT_REF_BASE_BYTES = 140;
export const EVENT_REF_BYTES = 90;
/** Groups one tenant-index entry of a flush lists. */
export const GROUPS_PER_TENANT_REF = 14;
/**
 * Bytes of a tenant-index entry of a flush besides its lists, per group it lists (webhook, ULID) and per
 * event it lists (the event's id); pinned by test/adapters/dynamodb/delivery-log-event-window.test.ts.
 */
export const TENANT_REF_BASE_BYTES = 140;
export const TENANT_REF_GROUP_BYTES = 70;
export const TENANT_REF_EVENT_BYTES = 50;
/** Bytes of the event-id claim item without a payload. */
export const CLAIM_BYTES = 150;

const KB = 1024;
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));

/** Write units of the record update for attempt `n` (1-based). */
export function recordWriteUnits(attemptNumber: number): number {
  return units(RECORD_BASE_BYTES + attemptNumber * ATTEMPT_BYTES);
}

export interface DeliveryLogCostInput {
  mode: DeliveryLogMode;
  /** Webhooks each event goes to (the payload item is shared by them). @default 1 */
  webhooksPerEvent?: number;
  /** Bytes of the body sent. @default 600 (a typical chat message event) */
  payloadBytes?: number;
  /** Share of deliveries (0–1) with at least one failed attempt. @default 0 */
  failingShare?: number;
  /** Attempts a failing delivery makes (8 with the default schedule when it never succeeds). @default 8 */
  attemptsPerFailingDelivery?: number;
  /** Share of failing deliveries that end in a failure log (and so a link write). @default 1 */
  deadLetteredShare?: number;
  /** Health item writes per delivery; ~0 under load, up to 1 when each webhook gets one delivery per 10 s. @default 0.05 */
  healthWritesPerDelivery?: number;
  /**
   * Events whose first attempts end in one flush of the log (one delivery batch: up to 10 at full
   * batches); 1 at low rates, where every success is a group of its own. @default 1
   */
  eventsPerFlush?: number;
  /**
   * Share of events (0–1) whose first-attempt successes keep an event-index entry of their own: tried
   * outside their event's window (a backlog), or their claim carries no payload. @default 0
   */
  eventRefShare?: number;
}

/**
 * Write units of the first-attempt successes of `eventsPerFlush` events to `webhooksPerEvent` webhooks
 * each, written in one flush: one group per webhook, the tenant-index entries (listing the groups and
 * the events), and one event entry for each of `eventsWithRefs` of the events (those tried outside
 * their window; may be fractional, an average).
 */
export function groupedSuccessWriteUnits(
  eventsPerFlush: number,
  webhooksPerEvent: number,
  eventsWithRefs = 0,
): number {
  const events = Math.max(1, eventsPerFlush);
  const webhooks = Math.max(1, webhooksPerEvent);
  const withRefs = Math.min(events, Math.max(0, eventsWithRefs));
  const tenantRefs = Math.ceil(webhooks / GROUPS_PER_TENANT_REF);
  const groupsPerRef = webhooks / tenantRefs;
  const listed = events - withRefs;
  return (
    webhooks * units(GROUP_BASE_BYTES + events * GROUP_MEMBER_BYTES) +
    tenantRefs *
      units(TENANT_REF_BASE_BYTES + groupsPerRef * TENANT_REF_GROUP_BYTES + listed * TENANT_REF_EVENT_BYTES) +
    withRefs * units(EVENT_REF_BASE_BYTES + webhooks * EVENT_REF_BYTES)
  );
}

export interface DeliveryLogCost {
  writeUnitsPerDelivery: number;
  readUnitsPerDelivery: number;
  usdPerMillionDeliveries: number;
}

/** The delivery log's DynamoDB units and dollars per delivery, for one mode and traffic shape. */
export function deliveryLogCost(input: DeliveryLogCostInput): DeliveryLogCost {
  const webhooksPerEvent = Math.max(1, input.webhooksPerEvent ?? 1);
  const payloadBytes = input.payloadBytes ?? 600;
  const payloadUnits = units(payloadBytes + PAYLOAD_OVERHEAD_BYTES);
  // Mode `all`: inside the claim, which costs a unit anyway.
  const payloadInClaimUnits = units(CLAIM_BYTES + payloadBytes) - units(CLAIM_BYTES);
  const eventsPerFlush = Math.max(1, input.eventsPerFlush ?? 1);
  const failingShare = input.failingShare ?? 0;
  const attempts = Math.max(1, input.attemptsPerFailingDelivery ?? 8);
  const deadLetteredShare = input.deadLetteredShare ?? 1;
  const health = input.healthWritesPerDelivery ?? 0.05;
  let failingRecordUnits = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    failingRecordUnits += recordWriteUnits(attempt) + INDEX_WRITE_UNITS;
  }
  const failingUnits = failingRecordUnits + deadLetteredShare * 1;

  let writeUnits = 0;
  if (input.mode === 'all') {
    const eventsWithRefs = eventsPerFlush * Math.min(1, Math.max(0, input.eventRefShare ?? 0));
    const successUnits =
      groupedSuccessWriteUnits(eventsPerFlush, webhooksPerEvent, eventsWithRefs) /
      (eventsPerFlush * webhooksPerEvent);
    writeUnits =
      payloadInClaimUnits / webhooksPerEvent +
      (1 - failingShare) * successUnits +
      failingShare * failingUnits +
      health;
  } else if (input.mode === 'failures') {
    writeUnits = failingShare * (failingUnits + payloadUnits) + health;
  } else {
    writeUnits = health;
  }
  return {
    writeUnitsPerDelivery: writeUnits,
    readUnitsPerDelivery: 0,
    usdPerMillionDeliveries: writeUnits * USD_PER_MILLION_WRITE_UNITS,
  };
}
