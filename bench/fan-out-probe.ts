/**
 * The fan-out function's own time per invocation, measured alone. On AWS one Lambda environment runs
 * one invocation at a time; locally the fan-out shares the main thread with the ingest, the bus, the
 * queues and the receipt bookkeeping, so in a busy phase most of its wall time is waiting for that
 * thread (on a loaded machine, seconds per invocation: more than everything else on the bill). The
 * cost model bills the fan-out at the fastest of these sequential invocations instead: the same code,
 * the same store and queue, nothing else of the service in flight; the fastest, because whatever else
 * runs on the machine only ever adds time.
 */
import { fanOutEvent } from '#app/fan-out';
import type { BenchService, BenchTenant } from './bench-service';
import { benchEventEntry } from './pipeline-load';

/** Milliseconds of the fastest of `invocations` sequential fan-outs of `tenant`'s events (its webhooks get them). */
export async function probeFanOutMs(
  service: BenchService,
  options: { tenant: BenchTenant; invocations: number; messageText: string },
): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < options.invocations; index++) {
    const entry = benchEventEntry(`evt_fanout_probe_${index}`, options.messageText, options.tenant);
    const startedAt = performance.now();
    await fanOutEvent(service.runtime.services, {
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}'),
      time: new Date().toISOString(),
    });
    times.push(performance.now() - startedAt);
  }
  return Math.min(...times);
}
