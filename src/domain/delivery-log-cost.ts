/**
 * What the delivery log costs on DynamoDB on-demand (docs/contract.md#delivery-log, #benchmark), as figures the benchmark
 * imports. The design (src/adapters/dynamodb/delivery-log-repository.ts) writes, per delivery:
 *
 * - one write per attempt outcome on the delivery's record (a first-attempt success is a put grouped
 *   into a BatchWriteItem, any other outcome an UpdateItem); no index carries it, so nothing is
 *   written twice. A record with one attempt is under 1 KB (pinned by a test), so a first-attempt
 *   success costs exactly 1 write unit; each later attempt adds about ATTEMPT_BYTES, and an update is
 *   billed on the larger of the item before and after;
 * - INDEX_WRITE_UNITS per record write: two index entries under 1 KB each (the tenant's deliveries by
 *   time and one event's deliveries; src/adapters/dynamodb/delivery-index.ts), so the tenant-wide list
 *   and the `eventId` list read a fixed number of partitions however many webhooks the tenant has;
 * - one PutItem per event for its payload (mode `all`, by fan-out), shared by every webhook of the
 *   event; in mode `failures`, one per failed delivery instead;
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
}

export interface DeliveryLogCost {
  writeUnitsPerDelivery: number;
  readUnitsPerDelivery: number;
  usdPerMillionDeliveries: number;
}

/** The delivery log's DynamoDB units and dollars per delivery, for one mode and traffic shape. */
export function deliveryLogCost(input: DeliveryLogCostInput): DeliveryLogCost {
  const webhooksPerEvent = Math.max(1, input.webhooksPerEvent ?? 1);
  const payloadUnits = units((input.payloadBytes ?? 600) + PAYLOAD_OVERHEAD_BYTES);
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
    writeUnits =
      payloadUnits / webhooksPerEvent +
      (1 - failingShare) * (recordWriteUnits(1) + INDEX_WRITE_UNITS) +
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
