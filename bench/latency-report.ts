/**
 * The receiver-latency phases as tables: what was measured at each latency, the cost model at each
 * latency and DELIVERY_LOG mode beside EventBridge API destinations, and the delivery function's
 * duration cost at other memory sizes (how its memory was chosen).
 */
import { PAYLOAD_OVERHEAD_BYTES, recordWriteUnits } from '#domain/delivery-log-cost';
import {
  billedMsAt,
  type CostEstimate,
  DEFAULT_DELIVERY_LOG_WRITES,
  type DeliveryLogMode,
  estimateCost,
  payloadWriteUnits,
  storeReadUnits,
} from './cost-model';
import type { LatencyPhaseResult } from './latency-phases';
import { MEMORY_MB } from './memory-sizes';
import { PRICES } from './prices';
import { dollars, formatTable } from './report';
import { quantile } from './stats';

/** Memory sizes the delivery function's duration is priced at (1,769 MB is one whole vCPU). */
export const MEMORY_CANDIDATES_MB = [128, 256, 512, 1024, 1769] as const;
const LOG_MODES: DeliveryLogMode[] = ['failures', 'all'];
const MILLION = 1e6;

export interface LatencyCostFigures {
  text: string;
  /** The BENCH line's figures at 200 ms and the first fan-out: DELIVERY_LOG=failures, `all`, and what `all` adds. */
  usdPerMillionDeliveries200ms: number;
  usdPerMillionDeliveries200msLogAll: number;
  logUsdPerMillionDeliveries: number;
  /** At 200 ms: the requests floor (what latency and memory cannot move). */
  requestFloorUsdPerMillionDeliveries200ms: number;
}

const perDelivery = (estimate: CostEstimate, prefix: string, fanOut: number): number =>
  estimate.service
    .filter((line) => line.item.startsWith(prefix))
    .reduce((total, line) => total + line.usd, 0) / Math.max(1e-9, fanOut);

/** The fan-out handler's measured time per invocation (what its duration line bills). */
const fanOutMsPerInvocation = (result: LatencyPhaseResult): number => {
  const time = result.usage.handlerTimes.get('fan-out');
  return time ? time.totalMs / Math.max(1, time.invocations) : 0;
};

/** Read units (1 per consistent GetItem or Query, 1 per item of a BatchGetItem). */
const storeReads = (result: LatencyPhaseResult): number => storeReadUnits(result.usage.requests);
/** Read requests (GetItem, Query, Scan, BatchGetItem): what aws_requests_per_delivery counts. */
const storeReadRequests = (result: LatencyPhaseResult): number =>
  Object.entries(result.usage.requests)
    .filter(([key]) => /^DynamoDB\.(GetItem|Query|Scan|BatchGetItem)$/.test(key))
    .reduce((total, [, count]) => total + count, 0);

/**
 * A phase's usage with the fan-out billed at `fanOutMs` per invocation (its time measured alone, see
 * fan-out-probe.ts) instead of its wall time in the phase; unchanged when `fanOutMs` is undefined.
 */
export function withFanOutBilledAt(
  result: LatencyPhaseResult,
  fanOutMs: number | undefined,
): LatencyPhaseResult {
  const fanOut = result.usage.handlerTimes.get('fan-out');
  if (fanOutMs === undefined || !fanOut) return result;
  const handlerTimes = new Map(result.usage.handlerTimes);
  handlerTimes.set('fan-out', { invocations: fanOut.invocations, totalMs: fanOut.invocations * fanOutMs });
  return { ...result, usage: { ...result.usage, handlerTimes } };
}

/**
 * Builds the tables; `payloadBytes` sizes the log's stored payload (write units per event). With
 * `fanOutMs`, the cost model bills each fan-out invocation that long (the fastest measured alone) rather than its
 * wall time in the phase, which the phase's own queueing on the main thread inflates.
 */
export function formatLatencyCosts(
  measuredResults: LatencyPhaseResult[],
  payloadBytes: number,
  fanOutMs?: number,
): LatencyCostFigures {
  const results = measuredResults.map((result) => withFanOutBilledAt(result, fanOutMs));
  // The delivery log's own item sizes (src/domain/delivery-log-cost.ts): a first-attempt record and
  // the event's payload item with its keys.
  const writes = {
    ...DEFAULT_DELIVERY_LOG_WRITES,
    writeUnitsPerAttempt: recordWriteUnits(1),
    payloadWriteUnitsPerEvent: payloadWriteUnits(payloadBytes + PAYLOAD_OVERHEAD_BYTES),
  };
  const measured = formatTable(
    [
      'fan-out',
      'receiver latency',
      'offered deliveries/s',
      'deliveries',
      'lost',
      'p50 ms',
      'p99 ms',
      'records per invocation',
      'handler ms per invocation (measured)',
      'handler CPU ms per invocation',
      'fan-out ms per invocation (in the phase)',
      'store read units per event',
      'per delivery',
      'store read requests per delivery',
    ],
    results.map((result) => [
      result.fanOut,
      `${result.latencyMs} ms`,
      Math.round(result.offeredDeliveriesPerSecond),
      result.phase.received,
      result.phase.lost,
      Math.round(quantile(result.phase.latenciesMs, 0.5)),
      Math.round(quantile(result.phase.latenciesMs, 0.99)),
      Number(result.recordsPerInvocation.toFixed(1)),
      Number(result.deliveryWallMsPerInvocation.toFixed(1)),
      Number(result.deliveryCpuMsPerInvocation.toFixed(2)),
      Number(fanOutMsPerInvocation(measuredResults[results.indexOf(result)] ?? result).toFixed(1)),
      (storeReads(result) / Math.max(1, result.usage.events)).toFixed(3),
      (storeReads(result) / Math.max(1, result.usage.deliveries)).toFixed(3),
      (storeReadRequests(result) / Math.max(1, result.usage.deliveries)).toFixed(3),
    ]),
  );

  let usd200 = Number.NaN;
  let usd200LogAll = Number.NaN;
  let logUsd = Number.NaN;
  let floor200 = Number.NaN;
  const costRows: (string | number)[][] = [];
  const headlineFanOut = results[0]?.fanOut;
  for (const result of results) {
    const fanOut = result.usage.deliveries / Math.max(1, result.usage.events);
    const isHeadline = result.latencyMs === 200 && result.fanOut === headlineFanOut;
    for (const mode of LOG_MODES) {
      const estimate = estimateCost(result.usage, {
        deliveryLog: mode,
        deliveryLogWrites: writes,
        deliveryCpuMsPerInvocation: result.deliveryCpuMsPerInvocation,
      });
      if (isHeadline && mode === 'failures') {
        usd200 = estimate.serviceUsdPerMillionDeliveries;
        floor200 = estimate.requestFloorUsdPerMillionDeliveries;
      }
      if (isHeadline && mode === 'all') {
        usd200LogAll = estimate.serviceUsdPerMillionDeliveries;
        logUsd = estimate.deliveryLogUsdPerMillionDeliveries;
      }
      costRows.push([
        result.fanOut,
        `${result.latencyMs} ms`,
        mode,
        dollars(perDelivery(estimate, 'Lambda delivery', fanOut)),
        dollars(estimate.deliveryLogUsdPerMillionDeliveries),
        dollars(estimate.requestFloorUsdPerMillionDeliveries),
        dollars(estimate.serviceUsdPerMillionDeliveries),
        dollars(estimate.apiDestinationsUsdPerMillionDeliveries),
      ]);
    }
  }
  const costs = formatTable(
    [
      'fan-out',
      'receiver latency',
      'DELIVERY_LOG',
      'delivery Lambda',
      'delivery log',
      'requests floor',
      'total per 1M deliveries',
      'API destinations',
    ],
    costRows,
  );

  const memoryRows = results.map((result) => {
    const invocationsPerDelivery = result.deliveryInvocations / Math.max(1, result.usage.deliveries);
    return [
      `fan-out ${result.fanOut}, ${result.latencyMs} ms`,
      ...MEMORY_CANDIDATES_MB.map((memoryMb) => {
        const billedMs = billedMsAt(
          memoryMb,
          result.deliveryWallMsPerInvocation,
          result.deliveryCpuMsPerInvocation,
        );
        const usd =
          invocationsPerDelivery *
          ((billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmGbSecond.usd + PRICES.lambdaRequests.usd) *
          MILLION;
        return `${dollars(usd)} (${Math.round(billedMs)} ms)`;
      }),
    ];
  });
  const memory = formatTable(
    [
      'delivery Lambda per 1M deliveries (billed ms per invocation)',
      ...MEMORY_CANDIDATES_MB.map(
        (memoryMb) => `${memoryMb} MB${memoryMb === MEMORY_MB.delivery ? ' (stack)' : ''}`,
      ),
    ],
    memoryRows,
  );

  return {
    text: [
      'Receiver latency phases (each webhook on its own receiver origin; deployed batch size; load kept below the per-origin slots)',
      measured,
      '',
      `Cost per million deliveries at each receiver latency (delivery function at ${MEMORY_MB.delivery} MB; handler time as measured, its CPU part stretched to the memory's vCPU share; ${fanOutMs === undefined ? 'fan-out at its time in the phase' : `fan-out at ${fanOutMs.toFixed(1)} ms per invocation, measured alone`}; log: ${writes.writeUnitsPerAttempt} WRU per attempt outcome + ${writes.payloadWriteUnitsPerEvent} WRU payload per event)`,
      costs,
      'requests floor = published events, SQS and DynamoDB requests and Lambda invocations: what neither latency nor memory moves.',
      `The log's write units are measured in the mode the service ran in (DELIVERY_LOG=${results[0]?.usage.deliveryLogMode ?? 'all'}); the other mode is modelled from the failed attempts.`,
      '',
      formatRequestsPerDelivery(results),
      '',
      memory,
    ].join('\n'),
    usdPerMillionDeliveries200ms: usd200,
    usdPerMillionDeliveries200msLogAll: usd200LogAll,
    logUsdPerMillionDeliveries: logUsd,
    requestFloorUsdPerMillionDeliveries200ms: floor200,
  };
}

/**
 * Every request type (and the measured read and write units) per delivery in each latency phase, so a
 * reader can redo the cost table's arithmetic with the prices in bench/prices.ts.
 */
export function formatRequestsPerDelivery(results: LatencyPhaseResult[]): string {
  const keys = [...new Set(results.flatMap((result) => Object.keys(result.usage.requests)))].sort();
  const perDelivery = (result: LatencyPhaseResult, count: number) =>
    (count / Math.max(1, result.usage.deliveries)).toFixed(3);
  const rows: (string | number)[][] = keys.map((key) => [
    key.replace(':items', ' items (read units)').replace('WriteUnits:', 'write units, items '),
    ...results.map((result) => perDelivery(result, result.usage.requests[key] ?? 0)),
  ]);
  rows.push(
    [
      'Lambda delivery invocations',
      ...results.map((result) => perDelivery(result, result.deliveryInvocations)),
    ],
    [
      'Lambda fan-out invocations',
      ...results.map((result) =>
        perDelivery(result, result.usage.handlerTimes.get('fan-out')?.invocations ?? 0),
      ),
    ],
    [
      'chat events published (PutEvents entries)',
      ...results.map((result) => perDelivery(result, result.usage.publishedEvents)),
    ],
  );
  return [
    'Requests per delivery in each phase (write units by item family: DL delivery records, PAYLOAD event payloads, HEALTH webhook health)',
    formatTable(
      ['per delivery', ...results.map((result) => `fan-out ${result.fanOut}, ${result.latencyMs} ms`)],
      rows,
    ),
  ].join('\n');
}
