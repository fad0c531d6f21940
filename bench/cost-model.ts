/**
 * The cost model: turns what one run measured (AWS requests by operation, handler time, log bytes)
 * into list-price dollars per million events and per million deliveries, beside the same workload on
 * EventBridge API destinations.
 */
import { isRequestKey, WRITE_UNITS_OPERATION } from '#adapters/aws-clients';
import type { LocalFunctionName } from '#local/runtime';
import type { HandlerTime } from './bench-service';
import { MEMORY_MB } from './memory-sizes';
import { PRICES } from './prices';

/** What a run measured, over the measured phases only. */
export interface MeasuredUsage {
  events: number;
  deliveries: number;
  /** The service's AWS requests, keyed `Service.Operation`. */
  requests: Record<string, number>;
  /** PutEvents entries the publisher (the chat platform) sent. */
  publishedEvents: number;
  handlerTimes: ReadonlyMap<LocalFunctionName, HandlerTime>;
  /** Bytes the service logged (CloudWatch Logs ingestion on AWS). */
  logBytes: number;
  /**
   * DELIVERY_LOG of the service while it was measured. Pricing that same mode uses the delivery log's
   * write units as measured (`DynamoDB.WriteUnits:<family>` counter keys); another mode is modelled.
   */
  deliveryLogMode?: DeliveryLogMode;
}

/**
 * Item families (sort-key prefixes) that are the delivery log's: its records (and any index entries
 * filed under `DL#`) and the events' payloads. Every other family (webhooks, health, failure logs …)
 * is written whatever DELIVERY_LOG says.
 */
export const DELIVERY_LOG_FAMILIES: ReadonlySet<string> = new Set(['DL', 'PAYLOAD']);

const WRITE_UNITS_PREFIX = `DynamoDB.${WRITE_UNITS_OPERATION}:`;
/** Counter key of the delivery records' UpdateItems (src/adapters/aws-clients.ts). */
export const RECORD_UPDATES_KEY = 'DynamoDB.UpdateItem:DL';

/**
 * Measured DynamoDB write units of `requests`, split into the delivery log's and the rest; undefined
 * when the run measured none (an older counter, or a run without writes).
 */
export function measuredWriteUnits(
  requests: Record<string, number>,
): { log: number; other: number; byFamily: Record<string, number> } | undefined {
  const byFamily: Record<string, number> = {};
  let log = 0;
  let other = 0;
  for (const [key, units] of Object.entries(requests)) {
    if (!key.startsWith(WRITE_UNITS_PREFIX)) continue;
    const family = key.slice(WRITE_UNITS_PREFIX.length);
    byFamily[family] = (byFamily[family] ?? 0) + units;
    if (DELIVERY_LOG_FAMILIES.has(family)) log += units;
    else other += units;
  }
  return Object.keys(byFamily).length > 0 ? { log, other, byFamily } : undefined;
}

/** DELIVERY_LOG (docs/contract.md#delivery-log): what the delivery log records. */
export type DeliveryLogMode = 'all' | 'failures' | 'off';

/**
 * DynamoDB write units the delivery log spends, the parameters of its cost. The defaults follow the
 * log's intended design: one PutItem of at most 1 KB per attempt outcome of a delivery (a delivery
 * that succeeds at its first attempt costs 1 write unit), plus the event's payload stored once per
 * event, ⌈payload KB⌉ write units (shared by the event's deliveries). Reads happen only when an admin
 * looks, so they are not per delivery. Replace these with the log's own figures when they differ
 * (a global secondary index, for one, adds a write per indexed item).
 */
export interface DeliveryLogWrites {
  /** Write units of one attempt's outcome record. @default 1 */
  writeUnitsPerAttempt: number;
  /** Write units of one event's stored payload. @default payloadWriteUnits(payload bytes) */
  payloadWriteUnitsPerEvent: number;
}

export const DEFAULT_DELIVERY_LOG_WRITES: DeliveryLogWrites = {
  writeUnitsPerAttempt: 1,
  payloadWriteUnitsPerEvent: 1,
};

/** Write units of an item holding `bytes` of payload: DynamoDB bills each started KB. */
export function payloadWriteUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** How the bill is worked out beyond what was measured. */
export interface CostSettings {
  /** DELIVERY_LOG mode; `off` adds nothing. @default 'off' */
  deliveryLog?: DeliveryLogMode;
  deliveryLogWrites?: DeliveryLogWrites;
  /**
   * Failed attempts per delivery in the measured run (a failed attempt is retried or dead-lettered,
   * so the bench counts the delivery function's single SendMessage calls). @default from `requests`
   */
  failedAttemptsPerDelivery?: number;
  /** Memory of the delivery function, MiB. @default the stack's (MEMORY_MB.delivery) */
  deliveryMemoryMb?: number;
  /**
   * The delivery handler's own CPU per invocation, measured on a whole core. Below LAMBDA_MB_PER_VCPU
   * Lambda gives a function that share of a vCPU, so this part of the handler's time stretches by
   * LAMBDA_MB_PER_VCPU / memory; the rest (waiting for receivers and the queue) does not. @default 0
   */
  deliveryCpuMsPerInvocation?: number;
}

/** Lambda allocates CPU in proportion to memory: one vCPU at 1,769 MB (AWS Lambda developer guide). */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * Milliseconds Lambda bills for an invocation measured locally as `wallMs`, of which `cpuMs` was the
 * handler's own CPU on a whole core, at `memoryMb`.
 */
export function billedMsAt(memoryMb: number, wallMs: number, cpuMs: number): number {
  const stretch = Math.max(1, LAMBDA_MB_PER_VCPU / memoryMb);
  return wallMs + cpuMs * (stretch - 1);
}

/** Write units per delivery the delivery log adds in `mode`. */
export function deliveryLogWriteUnitsPerDelivery(
  mode: DeliveryLogMode,
  fanOut: number,
  failedAttemptsPerDelivery: number,
  writes: DeliveryLogWrites = DEFAULT_DELIVERY_LOG_WRITES,
): number {
  if (mode === 'off' || fanOut <= 0) return 0;
  const payloadPerDelivery = writes.payloadWriteUnitsPerEvent / fanOut;
  if (mode === 'all') {
    return (1 + failedAttemptsPerDelivery) * writes.writeUnitsPerAttempt + payloadPerDelivery;
  }
  // failures: only failed attempts are written, and the payload of an event with one (at most once per
  // failed attempt, at most once per event).
  return (
    failedAttemptsPerDelivery * writes.writeUnitsPerAttempt +
    Math.min(failedAttemptsPerDelivery * fanOut, 1) * payloadPerDelivery
  );
}

/** One line of the bill for a million events. */
export interface CostLine {
  item: string;
  /** How many billed units a million events use. */
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostEstimate {
  service: CostLine[];
  /**
   * What latency and memory cannot move: the service's lines without Lambda duration and without the
   * delivery log, per million deliveries (published events, SQS and DynamoDB requests, invocations).
   */
  requestFloorUsdPerMillionDeliveries: number;
  /** The delivery log's write units per delivery and their cost per million deliveries. */
  deliveryLogWriteUnitsPerDelivery: number;
  deliveryLogUsdPerMillionDeliveries: number;
  serviceUsdPerMillionEvents: number;
  serviceUsdPerMillionDeliveries: number;
  apiDestinations: CostLine[];
  apiDestinationsUsdPerMillionEvents: number;
  apiDestinationsUsdPerMillionDeliveries: number;
}

const MILLION = 1e6;
/** Read operations billed per request: every read of the service is consistent and under 4 KB, 1 RRU each. */
const DYNAMODB_READS_PER_REQUEST = new Set(['GetItem', 'Query', 'Scan']);
/**
 * Batch reads are billed per item, as that many GetItems (a consistent one 1 RRU per 4 KB): their
 * read units are the counter's item count (`DynamoDB.BatchGetItem:items`), not their request count.
 */
const DYNAMODB_READS_PER_ITEM = new Set(['BatchGetItem:items', 'TransactGetItems:items']);

/**
 * DynamoDB read request units of `requests` (counter keys `Service.Operation`): 1 per consistent
 * GetItem, Query or Scan (the service's items and pages stay under 4 KB, so 1 unit each), and 1 per
 * item a BatchGetItem asked for. An eventually consistent read would cost half; the service makes none.
 */
export function storeReadUnits(requests: Record<string, number>): number {
  let units = 0;
  for (const [key, count] of Object.entries(requests)) {
    const [service, operation = ''] = key.split('.');
    if (service !== 'DynamoDB') continue;
    if (DYNAMODB_READS_PER_REQUEST.has(operation) || DYNAMODB_READS_PER_ITEM.has(operation)) units += count;
  }
  return units;
}
const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Requests of `service` per event, split by whether `select` takes the operation. */
function perEvent(usage: MeasuredUsage, service: string, select: (operation: string) => boolean): number {
  let total = 0;
  for (const [key, count] of Object.entries(usage.requests)) {
    const [name, operation = ''] = key.split('.');
    if (name === service && select(operation)) total += count;
  }
  return usage.events > 0 ? total / usage.events : 0;
}

const line = (item: string, quantity: number, unit: string, unitUsd: number): CostLine => ({
  item,
  quantity,
  unit,
  usd: quantity * unitUsd,
});

/**
 * Estimates the bill. Approximations, stated so they can be judged: one request unit per DynamoDB
 * call and per item of a BatchGetItem (items here are under 1 KB and every read is consistent, 1 RRU
 * per 4 KB; a BatchWriteItem is billed per item, so writes are a floor);
 * local handler time stands for billed Lambda duration (it includes waiting on the shared event
 * loop, so it overstates what one Lambda environment per invocation would bill).
 */
export function estimateCost(usage: MeasuredUsage, settings: CostSettings = {}): CostEstimate {
  const fanOut = usage.events > 0 ? usage.deliveries / usage.events : 0;
  // A run with the full log measured its record updates: each is an attempt outcome other than a
  // first-attempt success, which is what `failures` writes. Otherwise every single SendMessage of the
  // delivery function stands for a failed attempt (a slot postponement counts too: an overestimate).
  // (A counter that counts updates by family has health's at least; none of the records' means 0.)
  const countsUpdates = Object.keys(usage.requests).some((key) => key.startsWith('DynamoDB.UpdateItem:'));
  const failedAttemptsPerDelivery =
    settings.failedAttemptsPerDelivery ??
    (usage.deliveryLogMode === 'all' && countsUpdates
      ? (usage.requests[RECORD_UPDATES_KEY] ?? 0)
      : (usage.requests['SQS.SendMessage'] ?? 0)) / Math.max(1, usage.deliveries);
  const logMode = settings.deliveryLog ?? 'off';
  const measured = measuredWriteUnits(usage.requests);
  // The mode the service ran in is priced from what it wrote; another mode from the model.
  const isLogMeasured = measured !== undefined && usage.deliveryLogMode === logMode;
  const logWriteUnits = isLogMeasured
    ? measured.log / Math.max(1, usage.deliveries)
    : deliveryLogWriteUnitsPerDelivery(
        logMode,
        fanOut,
        failedAttemptsPerDelivery,
        settings.deliveryLogWrites,
      );
  // Writes besides the log: measured units when the counter has them, else one unit per write request.
  const otherWriteUnitsPerEvent =
    measured !== undefined
      ? measured.other / Math.max(1, usage.events)
      : perEvent(usage, 'DynamoDB', (operation) => DYNAMODB_WRITES.has(operation));
  const service: CostLine[] = [
    line(
      "EventBridge: chat events published (the platform's PutEvents entries)",
      (usage.publishedEvents / Math.max(1, usage.events)) * MILLION,
      'events',
      PRICES.eventBridgeCustomEvents.usd,
    ),
    line(
      'EventBridge: service notices',
      perEvent(usage, 'EventBridge', () => true) * MILLION,
      'events',
      PRICES.eventBridgeCustomEvents.usd,
    ),
    line(
      'SQS requests',
      perEvent(usage, 'SQS', (operation) => isRequestKey(operation)) * MILLION,
      'requests',
      PRICES.sqsStandardRequests.usd,
    ),
    line(
      'DynamoDB reads (consistent: 1 RRU per 4 KB item or page)',
      (storeReadUnits(usage.requests) / Math.max(1, usage.events)) * MILLION,
      'RRU',
      PRICES.dynamoDbReadRequestUnits.usd,
    ),
    line(
      measured !== undefined
        ? 'DynamoDB writes: webhooks, health and the rest (measured WRU)'
        : 'DynamoDB writes (1 WRU per write request)',
      otherWriteUnitsPerEvent * MILLION,
      'WRU',
      PRICES.dynamoDbWriteRequestUnits.usd,
    ),
    line(
      'Secrets Manager calls',
      perEvent(usage, 'SecretsManager', () => true) * MILLION,
      'calls',
      PRICES.secretsManagerApiCalls.usd,
    ),
  ];
  for (const [name, time] of usage.handlerTimes) {
    const invocationsPerEvent = time.invocations / Math.max(1, usage.events);
    const isDelivery = name === 'delivery';
    const memoryMb = isDelivery ? (settings.deliveryMemoryMb ?? MEMORY_MB[name]) : MEMORY_MB[name];
    const wallMs = time.totalMs / Math.max(1, time.invocations);
    const billedMs = isDelivery
      ? billedMsAt(memoryMb, wallMs, settings.deliveryCpuMsPerInvocation ?? 0)
      : wallMs;
    const gbSecondsPerEvent = (invocationsPerEvent * (billedMs / 1000) * memoryMb) / 1024;
    service.push(
      line(
        `Lambda ${name}: invocations`,
        invocationsPerEvent * MILLION,
        'requests',
        PRICES.lambdaRequests.usd,
      ),
      line(
        `Lambda ${name}: duration at ${memoryMb} MB (${billedMs.toFixed(1)} ms/invocation)`,
        gbSecondsPerEvent * MILLION,
        'GB-s',
        PRICES.lambdaArmGbSecond.usd,
      ),
    );
  }
  if (logMode !== 'off') {
    service.push(
      line(
        `DynamoDB writes: delivery log (DELIVERY_LOG=${logMode}, ${logWriteUnits.toFixed(2)} WRU per delivery, ${isLogMeasured ? 'measured' : 'modelled'})`,
        logWriteUnits * fanOut * MILLION,
        'WRU',
        PRICES.dynamoDbWriteRequestUnits.usd,
      ),
    );
  }
  service.push(
    line(
      'CloudWatch Logs ingestion',
      (usage.logBytes / Math.max(1, usage.events) / 1e9) * MILLION,
      'GB',
      PRICES.cloudWatchLogsIngestion.usd,
    ),
  );

  const apiDestinations: CostLine[] = [
    line('EventBridge: chat events published', MILLION, 'events', PRICES.eventBridgeCustomEvents.usd),
    line(
      `EventBridge API destination invocations (${fanOut.toFixed(1)} per event)`,
      fanOut * MILLION,
      'invocations',
      PRICES.eventBridgeApiDestinationInvocations.usd,
    ),
  ];
  const sum = (lines: CostLine[]) => lines.reduce((total, item) => total + item.usd, 0);
  const perDelivery = (usd: number) => (fanOut > 0 ? usd / fanOut : 0);
  const isFloor = (item: CostLine) =>
    !item.item.includes(': duration') &&
    !item.item.includes('delivery log') &&
    !item.item.startsWith('CloudWatch');
  return {
    service,
    requestFloorUsdPerMillionDeliveries: perDelivery(sum(service.filter(isFloor))),
    deliveryLogWriteUnitsPerDelivery: logWriteUnits,
    deliveryLogUsdPerMillionDeliveries: logWriteUnits * PRICES.dynamoDbWriteRequestUnits.usd * MILLION,
    serviceUsdPerMillionEvents: sum(service),
    serviceUsdPerMillionDeliveries: perDelivery(sum(service)),
    apiDestinations,
    apiDestinationsUsdPerMillionEvents: sum(apiDestinations),
    apiDestinationsUsdPerMillionDeliveries: perDelivery(sum(apiDestinations)),
  };
}
