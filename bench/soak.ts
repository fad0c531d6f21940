/**
 * `npx tsx bench/soak.ts`: the local service (this process, the code `npm start` runs) under a steady
 * publish rate for a long time, sampling its memory, so a leak shows as a slope instead of hiding in a
 * short benchmark. The receiver and the publisher run in child processes and keep no per-delivery
 * state here, so what grows is the service's.
 *
 * Options: --seconds=<s> (default 600), --rate=<events/s> (default 40), --fan-out=<webhooks per event>
 * (default 4), --sample-seconds=<s> (default 10), --delivery-threads=<n> (default 1),
 * --delivery-log=all|failures|off (default all), --heap-snapshots=<dir> (writes a main-thread heap
 * snapshot after the first third and at the end, for comparing what the heap holds).
 *
 * Prints one row per sample (RSS, V8 heap used, external memory, deliveries so far) and a last line
 * `SOAK … rss_slope_mib_per_min=<n>` where the slope is a least-squares fit over the second half of
 * the run: near 0 means memory levelled off.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { captureServiceLogs } from './log-capture';

const logs = captureServiceLogs(undefined);
const { startBenchService } = await import('./bench-service');
const { benchEventEntry, BENCH_EVENT_TYPE, createPublisher } = await import('./pipeline-load');
type SoakReceiverCounts = import('./soak-receiver-process').SoakReceiverCounts;

const argument = (name: string, fallback: string): string =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seconds = Number(argument('seconds', '600'));
const rate = Number(argument('rate', '40'));
const fanOut = Number(argument('fan-out', '4'));
const sampleSeconds = Number(argument('sample-seconds', '10'));
const deliveryThreads = Number(argument('delivery-threads', '1'));
const deliveryLog = argument('delivery-log', 'all') as 'all' | 'failures' | 'off';
const snapshotDir = process.argv.find((arg) => arg.startsWith('--heap-snapshots='))?.slice(17);
const MIB = 1024 * 1024;

/** One memory sample of this process (service, its delivery threads and this driver). */
interface Sample {
  atS: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** V8 heap the main thread holds from the system (used or not). */
  heapTotalMiB: number;
  /** The delivery threads' V8 heaps together (their latest reports). */
  threadHeapMiB: number;
  externalMiB: number;
  deliveries: number;
  /** Deliveries published but not yet received: a growing backlog, not a leak, if it grows. */
  lag: number;
}

async function startReceiver(): Promise<{
  origin: string;
  counts(): Promise<SoakReceiverCounts>;
  close(): void;
}> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./soak-receiver-process.ts', import.meta.url)),
    [],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: { port: number }) => resolve(message.port));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    counts: () =>
      new Promise((resolve) => {
        child.once('message', (message: SoakReceiverCounts) => resolve(message));
        child.send('counts');
      }),
    close: () => child.send('close'),
  };
}

/** Least-squares slope of `y` over `x` (per unit of x). */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
  const covariance = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0);
  const variance = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

const receiver = await startReceiver();
const service = await startBenchService({
  deliveryConcurrency: 8,
  webhooksPerMessage: 1,
  deliveryThreads,
  deliveryLog,
});
for (let index = 0; index < fanOut; index++) {
  await service.createWebhook(`soak-${index}`, `${receiver.origin}/w${index}`, [BENCH_EVENT_TYPE]);
}
const publisher = await createPublisher(service.runtime.url, service.runtime.awsKey);

const samples: Sample[] = [];
const startedAt = performance.now();
const elapsedS = (): number => (performance.now() - startedAt) / 1000;
let published = 0;
let publishErrors = 0;
const TICK_MS = 250;
const publishing = setInterval(() => {
  const due = Math.floor(elapsedS() * rate) - published;
  for (let sent = 0; sent < due; sent += 10) {
    const size = Math.min(10, due - sent);
    const entries = Array.from({ length: size }, (_, offset) =>
      benchEventEntry(`evt_soak_${published + sent + offset}`, 'a steady message'),
    );
    publisher.put(entries).catch(() => {
      publishErrors += size;
    });
  }
  published += Math.max(0, due);
}, TICK_MS);

process.stderr.write(
  '   t(s)   rss(MiB)  heap(MiB)  heap total(MiB)  thread heap(MiB)  external(MiB)  deliveries    lag\n',
);
const sample = async (): Promise<void> => {
  const usage = process.memoryUsage();
  const counts = await receiver.counts();
  const row: Sample = {
    atS: Math.round(elapsedS()),
    rssMiB: usage.rss / MIB,
    heapUsedMiB: usage.heapUsed / MIB,
    heapTotalMiB: usage.heapTotal / MIB,
    threadHeapMiB: service.runtime.deliveryThreadHeapUsed().reduce((sum, bytes) => sum + bytes, 0) / MIB,
    externalMiB: usage.external / MIB,
    deliveries: counts.distinct,
    lag: published * fanOut - counts.distinct,
  };
  samples.push(row);
  process.stderr.write(
    `${String(row.atS).padStart(7)} ${row.rssMiB.toFixed(1).padStart(10)} ${row.heapUsedMiB.toFixed(1).padStart(10)} ${row.heapTotalMiB.toFixed(1).padStart(16)} ${row.threadHeapMiB.toFixed(1).padStart(17)} ${row.externalMiB.toFixed(1).padStart(14)} ${String(row.deliveries).padStart(11)} ${String(row.lag).padStart(6)}\n`,
  );
};
await sample();
let snapshotTaken = false;
while (elapsedS() < seconds) {
  await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
  await sample();
  if (snapshotDir && !snapshotTaken && elapsedS() >= seconds / 3) {
    snapshotTaken = true;
    process.stderr.write(
      `heap snapshot: ${writeHeapSnapshot(join(snapshotDir, 'soak-early.heapsnapshot'))}\n`,
    );
  }
}
clearInterval(publishing);
if (snapshotDir) {
  process.stderr.write(`heap snapshot: ${writeHeapSnapshot(join(snapshotDir, 'soak-late.heapsnapshot'))}\n`);
}
const finalCounts = await receiver.counts();
publisher.destroy();
await service.stop();
receiver.close();
logs.restore();

const secondHalf = samples.filter((row) => row.atS >= seconds / 2);
const rssSlope = slope(secondHalf.map((row) => ({ x: row.atS / 60, y: row.rssMiB })));
const heapSlope = slope(secondHalf.map((row) => ({ x: row.atS / 60, y: row.heapUsedMiB })));
const last = samples.at(-1);
const rssMax = Math.max(...samples.map((row) => row.rssMiB));
process.stdout.write(
  `SOAK seconds=${seconds} rate=${rate} fan_out=${fanOut} published=${published} publish_errors=${publishErrors} deliveries=${finalCounts.distinct} requests=${finalCounts.requests} rss_start_mib=${samples[0]?.rssMiB.toFixed(0)} rss_end_mib=${last?.rssMiB.toFixed(0)} rss_max_mib=${rssMax.toFixed(0)} heap_end_mib=${last?.heapUsedMiB.toFixed(0)} rss_slope_mib_per_min=${rssSlope.toFixed(2)} heap_slope_mib_per_min=${heapSlope.toFixed(2)}\n`,
);
process.exit(0);
