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
  /** The BENCH line's figures: 200 ms, DELIVERY_LOG=failures; what `all` adds. */
  usdPerMillionDeliveries200ms: number;
  logUsdPerMillionDeliveries: number;
  /** At 200 ms: the requests floor (what latency and memory cannot move). */
  requestFloorUsdPerMillionDeliveries200ms: number;
}

const perDelivery = (estimate: CostEstimate, prefix: string, fanOut: number): number =>
  estimate.service
    .filter((line) => line.item.startsWith(prefix))
    .reduce((total, line) => total + line.usd, 0) / Math.max(1e-9, fanOut);

/** Read units (1 per consistent GetItem or Query, 1 per item of a BatchGetItem). */
const storeReads = (result: LatencyPhaseResult): number => storeReadUnits(result.usage.requests);
/** Read requests (GetItem, Query, Scan, BatchGetItem): what aws_requests_per_delivery counts. */
const storeReadRequests = (result: LatencyPhaseResult): number =>
  Object.entries(result.usage.requests)
    .filter(([key]) => /^DynamoDB\.(GetItem|Query|Scan|BatchGetItem)$/.test(key))
    .reduce((total, [, count]) => total + count, 0);

/** Builds the tables; `payloadBytes` sizes the log's stored payload (write units per event). */
export function formatLatencyCosts(results: LatencyPhaseResult[], payloadBytes: number): LatencyCostFigures {
  // The delivery log's own item sizes (src/domain/delivery-log-cost.ts): a first-attempt record and
  // the event's payload item with its keys.
  const writes = {
    ...DEFAULT_DELIVERY_LOG_WRITES,
    writeUnitsPerAttempt: recordWriteUnits(1),
    payloadWriteUnitsPerEvent: payloadWriteUnits(payloadBytes + PAYLOAD_OVERHEAD_BYTES),
  };
  const measured = formatTable(
    [
      'receiver latency',
      'offered deliveries/s',
      'deliveries',
      'lost',
      'p50 ms',
      'p99 ms',
      'records per invocation',
      'handler ms per invocation (measured)',
      'handler CPU ms per invocation',
      'store read units per event',
      'per delivery',
      'store read requests per delivery',
    ],
    results.map((result) => [
      `${result.latencyMs} ms`,
      Math.round(result.offeredDeliveriesPerSecond),
      result.phase.received,
      result.phase.lost,
      Math.round(quantile(result.phase.latenciesMs, 0.5)),
      Math.round(quantile(result.phase.latenciesMs, 0.99)),
      Number(result.recordsPerInvocation.toFixed(1)),
      Number(result.deliveryWallMsPerInvocation.toFixed(1)),
      Number(result.deliveryCpuMsPerInvocation.toFixed(2)),
      (storeReads(result) / Math.max(1, result.usage.events)).toFixed(3),
      (storeReads(result) / Math.max(1, result.usage.deliveries)).toFixed(3),
      (storeReadRequests(result) / Math.max(1, result.usage.deliveries)).toFixed(3),
    ]),
  );

  let usd200 = 0;
  let logUsd = 0;
  let floor200 = 0;
  const costRows: (string | number)[][] = [];
  for (const result of results) {
    const fanOut = result.usage.deliveries / Math.max(1, result.usage.events);
    for (const mode of LOG_MODES) {
      const estimate = estimateCost(result.usage, {
        deliveryLog: mode,
        deliveryLogWrites: writes,
        deliveryCpuMsPerInvocation: result.deliveryCpuMsPerInvocation,
      });
      if (result.latencyMs === 200 && mode === 'failures') {
        usd200 = estimate.serviceUsdPerMillionDeliveries;
        floor200 = estimate.requestFloorUsdPerMillionDeliveries;
      }
      if (result.latencyMs === 200 && mode === 'all') logUsd = estimate.deliveryLogUsdPerMillionDeliveries;
      costRows.push([
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
      `${result.latencyMs} ms`,
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
      `Cost per million deliveries at each receiver latency (delivery function at ${MEMORY_MB.delivery} MB; handler time as measured, its CPU part stretched to the memory's vCPU share; log: ${writes.writeUnitsPerAttempt} WRU per attempt outcome + ${writes.payloadWriteUnitsPerEvent} WRU payload per event)`,
      costs,
      'requests floor = published events, SQS and DynamoDB requests and Lambda invocations: what neither latency nor memory moves.',
      '',
      memory,
    ].join('\n'),
    usdPerMillionDeliveries200ms: usd200,
    logUsdPerMillionDeliveries: logUsd,
    requestFloorUsdPerMillionDeliveries200ms: floor200,
  };
}
