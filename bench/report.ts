/** The benchmark's printed output: aligned tables and the final BENCH line (docs/contract.md#benchmark). */
import type { CostEstimate, CostLine } from './cost-model';

/** The figures of the BENCH line. */
export interface BenchFigures {
  deliveriesPerSecond: number;
  rawPostPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  awsRequestsPerDelivery: number;
  /** docs/contract.md#isolation: the calm tenant's p99 publish → receipt while another floods a 2.5 s endpoint. */
  isolationP99Ms: number;
  /** docs/contract.md#isolation: the calm tenant's p99 publish → receipt while another publishes a burst to fast webhooks. */
  fairnessP99Ms: number;
  /** Service process CPU per delivery in the throughput and paced phases. */
  cpuMsPerDelivery: number;
  /** The cost model at 200 ms receiver latency, default settings but DELIVERY_LOG=failures. */
  usdPerMillionDeliveries200ms: number;
  /** The same with the full delivery log (DELIVERY_LOG=all, the product default). */
  usdPerMillionDeliveries200msLogAll: number;
  /** What DELIVERY_LOG=all adds per million deliveries. */
  logUsdPerMillionDeliveries: number;
}

/**
 * docs/contract.md#benchmark: `BENCH deliveries_per_s=<n> raw_post_per_s=<n> ratio=<r> p50_ms=<n> p99_ms=<n> lost=<n>
 * aws_requests_per_delivery=<n> isolation_p99_ms=<n> fairness_p99_ms=<n> cpu_ms_per_delivery=<n>
 * usd_per_million_deliveries_200ms=<n> usd_per_million_deliveries_200ms_log_all=<n>
 * log_usd_per_million_deliveries=<n>` (one line).
 */
export function formatBenchLine(figures: BenchFigures): string {
  const ratio = figures.rawPostPerSecond > 0 ? figures.deliveriesPerSecond / figures.rawPostPerSecond : 0;
  return [
    'BENCH',
    `deliveries_per_s=${Math.round(figures.deliveriesPerSecond)}`,
    `raw_post_per_s=${Math.round(figures.rawPostPerSecond)}`,
    `ratio=${ratio.toFixed(2)}`,
    `p50_ms=${Math.round(figures.p50Ms)}`,
    `p99_ms=${Math.round(figures.p99Ms)}`,
    `lost=${figures.lost}`,
    `aws_requests_per_delivery=${figures.awsRequestsPerDelivery.toFixed(3)}`,
    `isolation_p99_ms=${Math.round(figures.isolationP99Ms)}`,
    `fairness_p99_ms=${Math.round(figures.fairnessP99Ms)}`,
    `cpu_ms_per_delivery=${figures.cpuMsPerDelivery.toFixed(3)}`,
    `usd_per_million_deliveries_200ms=${figures.usdPerMillionDeliveries200ms.toFixed(3)}`,
    `usd_per_million_deliveries_200ms_log_all=${figures.usdPerMillionDeliveries200msLogAll.toFixed(3)}`,
    `log_usd_per_million_deliveries=${figures.logUsdPerMillionDeliveries.toFixed(3)}`,
  ].join(' ');
}

/** Rows as a plain-text table with a header rule; numbers right-aligned. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const render = (row: string[], isNumeric: (column: number) => boolean) =>
    row
      .map((cell, column) =>
        isNumeric(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const numericColumns = new Set(
    header
      .map((_, column) => column)
      .filter((column) => rows.every((row) => typeof row[column] === 'number')),
  );
  const lines = [render(cells[0]!, () => false), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const row of cells.slice(1)) lines.push(render(row, (column) => numericColumns.has(column)));
  return lines.join('\n');
}

export const dollars = (usd: number): string => `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
const quantity = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);

function costRows(lines: CostLine[]): string[][] {
  return lines.map((item) => [item.item, quantity(item.quantity), item.unit, dollars(item.usd)]);
}

/** The cost estimate as two tables and their totals. */
export function formatCost(
  estimate: CostEstimate,
  fanOut: number,
  label: { deliveryLog?: string } = {},
): string {
  return [
    `Estimated AWS cost per million events at fan-out ${fanOut}${label.deliveryLog ? `, DELIVERY_LOG=${label.deliveryLog}` : ''} (us-east-1 list prices from bench/prices.ts; re-check them)`,
    formatTable(['this service', 'per 1M events', 'unit', 'cost'], costRows(estimate.service)),
    `total: ${dollars(estimate.serviceUsdPerMillionEvents)} per million events, ${dollars(estimate.serviceUsdPerMillionDeliveries)} per million deliveries`,
    '',
    formatTable(
      ['EventBridge API destinations', 'per 1M events', 'unit', 'cost'],
      costRows(estimate.apiDestinations),
    ),
    `total: ${dollars(estimate.apiDestinationsUsdPerMillionEvents)} per million events, ${dollars(estimate.apiDestinationsUsdPerMillionDeliveries)} per million deliveries (no signing, 5 s timeout, fixed retry policy)`,
  ].join('\n');
}

/** Issue 14's targets, printed beside the figures (never asserted). */
export function formatTargets(
  figures: Omit<
    BenchFigures,
    | 'isolationP99Ms'
    | 'fairnessP99Ms'
    | 'usdPerMillionDeliveries200ms'
    | 'usdPerMillionDeliveries200msLogAll'
    | 'logUsdPerMillionDeliveries'
  >,
  costs: {
    usdPerMillionDeliveries200ms: number;
    usdPerMillionDeliveries200msLogAll: number;
    logUsdPerMillionDeliveries: number;
    requestFloorUsdPerMillionDeliveries200ms?: number;
  },
  isolationP99Ms: number,
  cpuFloorMs?: number,
  /** The throughput and paced phases' SQS requests and store read requests per delivery (measured). */
  requestSplit?: { sqsPerDelivery: number; storeReadsPerDelivery: number },
  /** docs/contract.md#isolation's fair share: the calm tenant's p99 under another tenant's burst (absent: not measured). */
  fairnessP99Ms?: number,
): string {
  const row = (target: string, value: string, isMet: boolean, note = ''): string[] => [
    target,
    value,
    isMet ? 'met' : 'NOT met',
    note,
  ];
  return formatTable(
    ['target', 'this run', '', 'what bounds it'],
    [
      row('lost = 0', String(figures.lost), figures.lost === 0),
      row('paced p99_ms <= 250', String(Math.round(figures.p99Ms)), figures.p99Ms <= 250),
      row(
        'aws_requests_per_delivery <= 0.4',
        figures.awsRequestsPerDelivery.toFixed(3),
        figures.awsRequestsPerDelivery <= 0.4,
        requestSplit === undefined
          ? 'one SendMessageBatch per event (1/fan-out) + a receive and a delete per batch of 10 (0.2) + the consistent reads read-your-writes needs (docs/contract.md#read-your-writes)'
          : `SQS alone ${requestSplit.sqsPerDelivery.toFixed(3)} (one SendMessageBatch per event = 1/fan-out, a receive and a delete per batch of at most 10) + consistent store reads ${requestSplit.storeReadsPerDelivery.toFixed(3)} (docs/contract.md#read-your-writes: a Query per event, webhook reads shared per batch)`,
      ),
      row(
        'cpu_ms_per_delivery <= 0.20',
        figures.cpuMsPerDelivery.toFixed(3),
        figures.cpuMsPerDelivery <= 0.2,
        cpuFloorMs === undefined
          ? 'queue + raw POST CPU per delivery (upper bounds table)'
          : `the durable queue + one raw POST alone take ${cpuFloorMs.toFixed(3)} ms (upper bounds table); the rest is ingest, bus, fan-out, handlers`,
      ),
      row('isolation_p99_ms <= 2000', String(Math.round(isolationP99Ms)), isolationP99Ms <= 2000),
      ...(fairnessP99Ms === undefined
        ? []
        : [
            row(
              'fairness_p99_ms <= 2000',
              String(Math.round(fairnessP99Ms)),
              fairnessP99Ms <= 2000,
              'every queue between bus and receiver serves tenants in turn (message group = tenant)',
            ),
          ]),
      row(
        'usd_per_million_deliveries_200ms < 0.40 (API destinations)',
        costs.usdPerMillionDeliveries200ms.toFixed(3),
        costs.usdPerMillionDeliveries200ms < 0.4,
        costs.requestFloorUsdPerMillionDeliveries200ms === undefined
          ? ''
          : `requests floor ${dollars(costs.requestFloorUsdPerMillionDeliveries200ms)} (published events, SQS, invocations)`,
      ),
      row(
        'usd_per_million_deliveries_200ms_log_all <= 0.90',
        costs.usdPerMillionDeliveries200msLogAll.toFixed(3),
        costs.usdPerMillionDeliveries200msLogAll <= 0.9,
        `of which the delivery log ${dollars(costs.logUsdPerMillionDeliveries)} (its write units as measured: records, payloads)`,
      ),
    ],
  );
}
