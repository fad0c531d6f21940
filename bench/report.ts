/** The benchmark's printed output: aligned tables and the final BENCH line (SPEC section 9). */
import type { CostEstimate, CostLine } from './cost-model';

/** The figures of the BENCH line. */
export interface BenchFigures {
  deliveriesPerSecond: number;
  rawPostPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  awsRequestsPerDelivery: number;
}

/** `BENCH deliveries_per_s=<n> raw_post_per_s=<n> ratio=<r> p50_ms=<n> p99_ms=<n> lost=<n> aws_requests_per_delivery=<n>` */
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

const dollars = (usd: number): string => `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
const quantity = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);

function costRows(lines: CostLine[]): string[][] {
  return lines.map((item) => [item.item, quantity(item.quantity), item.unit, dollars(item.usd)]);
}

/** The cost estimate as two tables and their totals. */
export function formatCost(estimate: CostEstimate, fanOut: number): string {
  return [
    `Estimated AWS cost per million events at fan-out ${fanOut} (us-east-1 list prices from bench/prices.ts; re-check them)`,
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
