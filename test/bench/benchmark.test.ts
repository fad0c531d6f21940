/**
 * A tiny benchmark run through the same code as `npm run bench`: the whole local service, the
 * receiver process and the EventBridge client on loopback. Checks the output's shape and that no
 * delivery is lost; speed is never asserted.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseBenchArguments, runBenchmark } from '../../bench/benchmark';

const BENCH_LINE =
  /^BENCH deliveries_per_s=\d+ raw_post_per_s=\d+ ratio=\d+\.\d{2} p50_ms=\d+ p99_ms=\d+ lost=\d+ aws_requests_per_delivery=\d+\.\d{3}$/;

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
