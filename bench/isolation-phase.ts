/**
 * Isolation between tenants (docs/contract.md#isolation): tenant `iso-flood` floods an endpoint that takes
 * 2.5 s per request while tenant `iso-calm` publishes to an instant endpoint on the same host and
 * port (another path). The figure is the calm tenant's p99 publish → receipt.
 *
 * Bounded in time whatever the service does: the phase waits for the calm deliveries at most
 * `maxWaitMs` after their last publish (one never received counts as having waited until then, so
 * the p99 is a lower bound when any is missing), then tells the receiver to answer the flood at
 * once, so the backlog drains in seconds instead of the ~2.5 s × 1,000 / slots it would take.
 */
import type { BenchService } from './bench-service';
import { BENCH_EVENT_TYPE, benchEventEntry, type Publisher, runPhase } from './pipeline-load';
import { ProgressBar } from './progress';
import { type BenchReceiver, delayedPath } from './receiver';
import { quantile } from './stats';

/** docs/contract.md#isolation's flooded endpoint: 2.5 s per request. */
export const FLOOD_LATENCY_MS = 2500;

export interface IsolationOptions {
  service: BenchService;
  receiver: BenchReceiver;
  publisher: Publisher;
  messageText: string;
  floodEvents: number;
  calmEvents: number;
  calmEventsPerSecond: number;
  /** Longest wait for the calm deliveries after the last calm publish. */
  maxWaitMs: number;
}

export interface IsolationResult {
  floodEvents: number;
  /** Flood deliveries received before the receiver was released. */
  floodReceived: number;
  calmEvents: number;
  calmReceived: number;
  /** The calm tenant's publish → receipt quantiles; missing deliveries counted at the phase's end. */
  calmP50Ms: number;
  calmP99Ms: number;
  /** True when a calm delivery never arrived: the p99 is then a lower bound. */
  isLowerBound: boolean;
  elapsedMs: number;
}

/** Runs the flood and the calm tenant together; resolves once the calm side is measured and the flood released. */
export async function runIsolationPhase(options: IsolationOptions): Promise<IsolationResult> {
  const { service, receiver, publisher } = options;
  const startedAt = performance.now();
  const floodPath = delayedPath(FLOOD_LATENCY_MS, '/iso/flood');
  const calmPath = '/iso/calm';
  await service.createWebhook('flooded', `${receiver.origin}${floodPath}`, [BENCH_EVENT_TYPE], 'iso-flood');
  await service.createWebhook('calm', `${receiver.origin}${calmPath}`, [BENCH_EVENT_TYPE], 'iso-calm');

  const bar = new ProgressBar('isolation', options.calmEvents);
  bar.update(0, `flooding ${options.floodEvents} events at a ${FLOOD_LATENCY_MS} ms endpoint`, true);
  const flood = (async () => {
    for (let index = 0; index < options.floodEvents; index += 10) {
      const size = Math.min(10, options.floodEvents - index);
      await publisher.put(
        Array.from({ length: size }, (_, offset) =>
          benchEventEntry(`evt_isoflood_${index + offset}`, options.messageText, 'iso-flood'),
        ),
      );
    }
  })();
  const calm = await runPhase({
    name: 'isocalm',
    tenant: 'iso-calm',
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
  await flood;
  await receiver.flush();
  const floodReceived = receiver.receivedWithPrefix('evt_isoflood');
  await receiver.release();
  const result: IsolationResult = {
    floodEvents: options.floodEvents,
    floodReceived,
    calmEvents: calm.events,
    calmReceived: calm.received,
    calmP50Ms: quantile(calm.censoredLatenciesMs, 0.5),
    calmP99Ms: quantile(calm.censoredLatenciesMs, 0.99),
    isLowerBound: calm.lost > 0,
    elapsedMs: performance.now() - startedAt,
  };
  bar.finish(
    `calm p99 ${result.isLowerBound ? '≥ ' : ''}${Math.round(result.calmP99Ms)} ms, ${calm.received}/${calm.expected} received; flood ${floodReceived}/${options.floodEvents} received, then released`,
  );
  return result;
}
