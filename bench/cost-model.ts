/**
 * The cost model: turns what one run measured (AWS requests by operation, handler time, log bytes)
 * into list-price dollars per million events and per million deliveries, beside the same workload on
 * EventBridge API destinations.
 */
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
  serviceUsdPerMillionEvents: number;
  serviceUsdPerMillionDeliveries: number;
  apiDestinations: CostLine[];
  apiDestinationsUsdPerMillionEvents: number;
  apiDestinationsUsdPerMillionDeliveries: number;
}

const MILLION = 1e6;
const DYNAMODB_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
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
 * call (items here are under 1 KB; a BatchWriteItem is billed per item, so writes are a floor);
 * local handler time stands for billed Lambda duration (it includes waiting on the shared event
 * loop, so it overstates what one Lambda environment per invocation would bill).
 */
export function estimateCost(usage: MeasuredUsage): CostEstimate {
  const fanOut = usage.events > 0 ? usage.deliveries / usage.events : 0;
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
      perEvent(usage, 'SQS', () => true) * MILLION,
      'requests',
      PRICES.sqsStandardRequests.usd,
    ),
    line(
      'DynamoDB reads',
      perEvent(usage, 'DynamoDB', (operation) => DYNAMODB_READS.has(operation)) * MILLION,
      'RRU',
      PRICES.dynamoDbReadRequestUnits.usd,
    ),
    line(
      'DynamoDB writes',
      perEvent(usage, 'DynamoDB', (operation) => DYNAMODB_WRITES.has(operation)) * MILLION,
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
    const gbSecondsPerEvent = ((time.totalMs / 1000) * (MEMORY_MB[name] / 1024)) / Math.max(1, usage.events);
    service.push(
      line(
        `Lambda ${name}: invocations`,
        invocationsPerEvent * MILLION,
        'requests',
        PRICES.lambdaRequests.usd,
      ),
      line(
        `Lambda ${name}: duration at ${MEMORY_MB[name]} MB (${(time.totalMs / Math.max(1, time.invocations)).toFixed(1)} ms/invocation)`,
        gbSecondsPerEvent * MILLION,
        'GB-s',
        PRICES.lambdaArmGbSecond.usd,
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
  return {
    service,
    serviceUsdPerMillionEvents: sum(service),
    serviceUsdPerMillionDeliveries: perDelivery(sum(service)),
    apiDestinations,
    apiDestinationsUsdPerMillionEvents: sum(apiDestinations),
    apiDestinationsUsdPerMillionDeliveries: perDelivery(sum(apiDestinations)),
  };
}
