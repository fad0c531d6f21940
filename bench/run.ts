/**
 * `npm run bench` (docs/contract.md#benchmark, issue 5): the local service against a loopback receiver.
 * Prints progress on stderr, then tables, the cost model, the bundle figures, and last the BENCH line.
 *
 * Options: --events=<n> (throughput phase), --fan-out=<n> (webhooks per event, default 5; 1 sends every
 * delivery to one webhook, the case where its per-webhook slots bite), --paced-seconds=<s>, --raw-seconds=<s>,
 * --webhooks-per-message=<1-50> (WEBHOOKS_PER_DELIVERY_MESSAGE; default 1, one message per webhook),
 * --delivery-log=all|failures|off (the service's DELIVERY_LOG, default all), --logs=<file> (keep the service's log lines), --no-bundles, --quick (a tiny run that only checks the machinery),
 * --latency-seconds=<s> (each receiver-latency phase), --flood-events=<n> (the isolation phase's flood),
 * --no-latency-phases (skip the latency and isolation phases, for profiling the throughput path). With
 * BENCH_PROFILE_MARKS=1 the throughput phase's start and end go to stderr on the profiler's clock (µs),
 * to cut a `node --cpu-prof` profile to that phase.
 */
import { captureServiceLogs } from './log-capture';

// Before the service loads: its log lines go to a counter, not between the benchmark's tables.
const logs = captureServiceLogs(
  process.argv.find((argument) => argument.startsWith('--logs='))?.slice('--logs='.length),
);

const { runBenchmark, parseBenchArguments } = await import('./benchmark');
const output = await runBenchmark(parseBenchArguments(process.argv.slice(2)));
logs.restore();
process.stdout.write(`${output}\n`);
