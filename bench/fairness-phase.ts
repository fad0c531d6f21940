/**
 * Fair share under a burst: tenant `fair-burst` publishes a burst far larger than the service drains
 * at once (by default 3,000 events to two instant webhooks, 6,000 deliveries) while tenant
 * `fair-calm` publishes a few events a second to its own instant webhook. The figures are the calm
 * tenant's p99 publish → receipt (`fairness_p99_ms`) and the burst's own throughput, which fair
 * queues must not cut: the burst still drains at full speed, others only go first.
 *
 * Bounded in time: the calm side waits at most `maxWaitMs` after its last publish (a delivery never
 * received counts as having waited until then, so the p99 is a lower bound when any is missing), and
 * the burst at most until it stops making progress for `quietTimeoutMs`.
 */
import type { BenchService } from './bench-service';
import { BENCH_EVENT_TYPE, type Publisher, runPhase } from './pipeline-load';
import { ProgressBar } from './progress';
import type { BenchReceiver } from './receiver';
import { formatTable } from './report';
import { quantile } from './stats';

export interface FairnessOptions {
  service: BenchService;
  receiver: BenchReceiver;
  publisher: Publisher;
  messageText: string;
  burstEvents: number;
  calmEvents: number;
  calmEventsPerSecond: number;
  /** Longest wait for the calm deliveries after the last calm publish. */
  maxWaitMs: number;
  quietTimeoutMs: number;
}

export interface FairnessResult {
  burstEvents: number;
  burstExpected: number;
  burstReceived: number;
  /** The burst's received deliveries per second, first publish to last receipt. */
  burstDeliveriesPerSecond: number;
  calmEvents: number;
  calmReceived: number;
  calmP50Ms: number;
  calmP99Ms: number;
  /** True when a calm delivery never arrived: the p99 is then a lower bound. */
  isLowerBound: boolean;
  elapsedMs: number;
}

/** Runs the burst and the calm tenant together; resolves once both are measured. */
export async function runFairnessPhase(options: FairnessOptions): Promise<FairnessResult> {
  const { service, receiver, publisher } = options;
  const startedAt = performance.now();
  const burstPaths = ['/fair/burst/0', '/fair/burst/1'];
  const calmPath = '/fair/calm';
  for (const [index, path] of burstPaths.entries()) {
    await service.createWebhook(
      `burst ${index}`,
      `${receiver.origin}${path}`,
      [BENCH_EVENT_TYPE],
      'fair-burst',
    );
  }
  await service.createWebhook('calm', `${receiver.origin}${calmPath}`, [BENCH_EVENT_TYPE], 'fair-calm');

  const bar = new ProgressBar('fairness', options.calmEvents);
  bar.update(0, `a burst of ${options.burstEvents} events × ${burstPaths.length} webhooks`, true);
  const burst = runPhase({
    name: 'fairburst',
    tenant: 'fair-burst',
    events: options.burstEvents,
    paths: burstPaths,
    publisher,
    receiver,
    messageText: options.messageText,
    publishConcurrency: 4,
    quietTimeoutMs: options.quietTimeoutMs,
  });
  const calm = await runPhase({
    name: 'faircalm',
    tenant: 'fair-calm',
    events: options.calmEvents,
    paths: [calmPath],
    publisher,
    receiver,
    messageText: options.messageText,
    eventsPerSecond: options.calmEventsPerSecond,
    publishConcurrency: 1,
    quietTimeoutMs: options.maxWaitMs,
    maxWaitMs: options.maxWaitMs,
    onProgress: (received) => bar.update(received, 'calm deliveries'),
  });
  const burstResult = await burst;
  const result: FairnessResult = {
    burstEvents: burstResult.events,
    burstExpected: burstResult.expected,
    burstReceived: burstResult.received,
    burstDeliveriesPerSecond: burstResult.deliveriesPerSecond,
    calmEvents: calm.events,
    calmReceived: calm.received,
    calmP50Ms: quantile(calm.censoredLatenciesMs, 0.5),
    calmP99Ms: quantile(calm.censoredLatenciesMs, 0.99),
    isLowerBound: calm.lost > 0,
    elapsedMs: performance.now() - startedAt,
  };
  bar.finish(
    `calm p99 ${result.isLowerBound ? '≥ ' : ''}${Math.round(result.calmP99Ms)} ms, ${calm.received}/${calm.expected} received; burst ${burstResult.received}/${burstResult.expected} at ${Math.round(burstResult.deliveriesPerSecond)} deliveries/s`,
  );
  return result;
}

/** The phase's table and note for the benchmark's output. */
export function formatFairness(result: FairnessResult): string {
  return [
    formatTable(
      [
        'fair share (docs/contract.md#isolation), one tenant bursts',
        'events',
        'received',
        'p50 ms',
        'p99 ms',
        'deliveries/s',
      ],
      [
        [
          'tenant 2: burst to two instant webhooks',
          result.burstEvents,
          `${result.burstReceived}/${result.burstExpected}`,
          '',
          '',
          String(Math.round(result.burstDeliveriesPerSecond)),
        ],
        [
          'tenant 1: instant webhook, paced',
          result.calmEvents,
          String(result.calmReceived),
          String(Math.round(result.calmP50Ms)),
          `${result.isLowerBound ? '≥ ' : ''}${Math.round(result.calmP99Ms)}`,
          '',
        ],
      ],
    ),
    `fair-share phase ${(result.elapsedMs / 1000).toFixed(1)} s; the burst's deliveries/s run from its first publish to its last receipt${result.isLowerBound ? '; tenant 1 deliveries still missing after the wait count as received at its end, so its p99 is a lower bound' : ''}`,
  ].join('\n');
}
