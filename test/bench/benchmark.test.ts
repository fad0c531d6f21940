/**
 * A tiny benchmark run through the same code as `npm run bench`: the whole local service, the
 * receiver process and the EventBridge client on loopback. Checks the output's shape and that no
 * delivery is lost; speed is never asserted.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseBenchArguments, runBenchmark } from '#bench/benchmark';

const BENCH_LINE =
  /^BENCH deliveries_per_s=\d+ raw_post_per_s=\d+ ratio=\d+\.\d{2} p50_ms=\d+ p99_ms=\d+ lost=\d+ aws_requests_per_delivery=\d+\.\d{3} isolation_p99_ms=\d+ fairness_p99_ms=\d+ cpu_ms_per_delivery=\d+\.\d{3} usd_per_million_deliveries_200ms=\d+\.\d{3} usd_per_million_deliveries_200ms_log_all=\d+\.\d{3} log_usd_per_million_deliveries=\d+\.\d{3}$/;

describe('npm run bench', () => {
  it('ends with the BENCH line after the tables and the cost model, with nothing lost', async () => {
    const output = await runBenchmark({
      ...parseBenchArguments(['--quick']),
      fanOut: 2,
      events: 20,
      warmUpEvents: 4,
      pacedSeconds: 0.5,
    });
    const lines = output.split('\n');
    const last = lines.at(-1) ?? '';
    expect(last).toMatch(BENCH_LINE);
    expect(last).toContain(' lost=0 ');
    expect(output).toContain('raw POST ceiling');
    expect(output).toContain('SQS.SendMessageBatch');
    expect(output).toContain('EventBridge.PutEvents (publisher, not counted above)');
    expect(output).toMatch(/total: \$\d+\.\d+ per million events/);
    // The bounds the ratio is held to: the queue alone, then the queue plus one raw POST's CPU.
    expect(output).toMatch(/queue alone: .* {2,}\d+\.\d{3} +\d+ +\d+\.\d{2}/);
    expect(output).toMatch(/queue \+ one raw POST \(client \d+\.\d{3}, receiver \d+\.\d{3}\)/);
    // The receiver-latency phases at the run's fan-out and at 1, each measured, and the cost model per
    // fan-out, latency and log mode.
    for (const fanOut of [2, 1]) {
      for (const latency of ['0 ms', '200 ms', '1000 ms']) {
        expect(output).toMatch(new RegExp(`^ *${fanOut}  ${latency} +\\d+ +\\d+ +0 `, 'm'));
        for (const mode of ['failures', 'all']) {
          expect(output).toMatch(
            new RegExp(`^ *${fanOut}  ${latency} +${mode} +\\$\\d+\\.\\d+ .* \\$\\d+\\.\\d+$`, 'm'),
          );
        }
      }
    }
    expect(output).toMatch(/^fan-out 2, 1000 ms +\$\d+\.\d+ \(\d+ ms\)/m);
    // Each request type per delivery, per phase, with the delivery log's measured write units.
    expect(output).toMatch(/^DynamoDB\.write units, items DL +\d+\.\d{3}/m);
    // A 1,000 ms receiver is waited for: the measured handler time includes it.
    const slowRow = output.split('\n').find((line) => /^ *2 {2}1000 ms +\d+ +\d+ +0 /.test(line)) ?? '';
    expect(Number(slowRow.trim().split(/ {2,}/)[8])).toBeGreaterThanOrEqual(1000);
    expect(output).toMatch(/tenant 1: instant endpoint, another path +5 +\d+/);
    // Only the BENCH line starts with BENCH.
    expect(lines.filter((line) => line.startsWith('BENCH'))).toHaveLength(1);
  });

  it('reads its options from the command line', () => {
    expect(parseBenchArguments([])).toEqual(DEFAULT_OPTIONS);
    const options = parseBenchArguments(['--events=500', '--no-bundles', '--concurrency=8', '--threads=0']);
    expect(options).toMatchObject({
      events: 500,
      includeBundles: false,
      deliveryConcurrency: 8,
      deliveryThreads: 0,
    });
    expect(parseBenchArguments(['--threads=2']).deliveryThreads).toBe(2);
  });
});
