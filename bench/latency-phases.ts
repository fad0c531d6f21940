/**
 * Receiver latency (issue 14): the same pipeline against receivers that answer after 0, 200 and
 * 1,000 ms, each phase with its own tenant and webhooks. What Lambda bills is the delivery handler's
 * wall time, which includes waiting for the receiver, so each phase measures that time per
 * invocation (and the handler's CPU, the delivery thread's busy time) at the deployed batch size.
 *
 * Each webhook gets its own receiver origin: locally every poller shares one sender and its
 * per-origin slots (MAX_CONCURRENCY_PER_ENDPOINT), which on AWS belong to one Lambda environment
 * and one batch each. The offered load keeps the deliveries in flight below those slots, so the
 * handler's time is the receiver's latency plus its own work, not a local queue for slots.
 */
import { requestsBetween } from '#adapters/aws-clients';
import type { LocalFunctionName } from '#local/runtime';
import type { BenchService, BenchTenant, HandlerTime } from './bench-service';
import type { MeasuredUsage } from './cost-model';
import { BENCH_EVENT_TYPE, type PhaseResult, type Publisher, runPhase } from './pipeline-load';
import { ProgressBar } from './progress';
import { type BenchReceiver, delayedPath } from './receiver';
import { quantile } from './stats';

/** Receiver latencies the cost model is printed for (docs/contract.md#benchmark). */
export const RECEIVER_LATENCIES_MS = [0, 200, 1000] as const;
export type ReceiverLatencyMs = (typeof RECEIVER_LATENCIES_MS)[number];

/** What one latency phase measured. */
export interface LatencyPhaseResult {
  latencyMs: ReceiverLatencyMs;
  /** Webhooks each event of the phase reached. */
  fanOut: number;
  phase: PhaseResult;
  /** Offered load, deliveries per second. */
  offeredDeliveriesPerSecond: number;
  /** Delivery handler invocations (one per batch) and their wall time, the time Lambda bills. */
  deliveryInvocations: number;
  deliveryWallMsPerInvocation: number;
  /** The delivery thread's busy time per invocation: the handler's own CPU (0 when it runs on the main thread). */
  deliveryCpuMsPerInvocation: number;
  recordsPerInvocation: number;
  /** The phase's usage, for the cost model. */
  usage: MeasuredUsage;
}

export interface LatencyPhaseOptions {
  service: BenchService;
  receiver: BenchReceiver;
  publisher: Publisher;
  messageText: string;
  /** Fan-outs to run the phases at, each with its own tenant and webhooks (docs/contract.md#benchmark prices 1 and 5). */
  fanOuts: readonly number[];
  /** DELIVERY_LOG of the service: the mode whose log writes the phases measure. */
  deliveryLog: 'all' | 'failures' | 'off';
  /** Length of each phase's publishing. */
  seconds: number;
  /** Delivery pollers (the local Lambda concurrency) and records per batch. */
  pollers: number;
  batchSize: number;
  publishConcurrency: number;
  quietTimeoutMs: number;
  /** Offered deliveries per second with an instant receiver. */
  instantDeliveriesPerSecond: number;
  logBytes: () => number;
}

/** Each phase's tenant: the first fan-out's `lat-<ms>`, a further one's `lat<fan-out>-<ms>`. */
const tenantOf = (latencyMs: ReceiverLatencyMs, fanOut: number, isFirst: boolean): BenchTenant =>
  (isFirst ? `lat-${latencyMs}` : `lat${fanOut}-${latencyMs}`) as BenchTenant;

function handlerTimesBetween(
  before: ReadonlyMap<LocalFunctionName, HandlerTime>,
  after: ReadonlyMap<LocalFunctionName, HandlerTime>,
): Map<LocalFunctionName, HandlerTime> {
  const added = new Map<LocalFunctionName, HandlerTime>();
  for (const [name, time] of after) {
    const earlier = before.get(name) ?? { invocations: 0, totalMs: 0 };
    if (time.invocations > earlier.invocations) {
      added.set(name, {
        invocations: time.invocations - earlier.invocations,
        totalMs: time.totalMs - earlier.totalMs,
      });
    }
  }
  return added;
}

const copyTimes = (times: ReadonlyMap<LocalFunctionName, HandlerTime>) =>
  new Map([...times].map(([name, time]) => [name, { ...time }]));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `latencyMs` plus until no delivery invocation has ended for 300 ms (at most 5 s more). */
async function settleInvocations(service: BenchService, latencyMs: number): Promise<void> {
  await sleep(latencyMs + 100);
  const count = () => service.handlerTimes.get('delivery')?.invocations ?? 0;
  const giveUpAt = performance.now() + 5000;
  let last = count();
  while (performance.now() < giveUpAt) {
    await sleep(300);
    const now = count();
    if (now === last) return;
    last = now;
  }
}

/** Runs one phase per receiver latency, in order; progress on stderr. */
export async function runLatencyPhases(options: LatencyPhaseOptions): Promise<LatencyPhaseResult[]> {
  const results: LatencyPhaseResult[] = [];
  // At most this many deliveries in flight: 80 % of what the pollers' batches hold at once and of the
  // phase's webhooks' slots, so no delivery waits for a slot (each webhook has its own origin and
  // MAX_CONCURRENCY_PER_ENDPOINT slots there).
  const perWebhookSlots = options.service.runtime.services.deliveryPolicy.admission.maxInFlightPerWebhook;
  const inFlightFor = (fanOut: number) =>
    0.8 *
    Math.min(
      options.pollers * options.batchSize,
      perWebhookSlots * Math.min(fanOut, options.receiver.origins.length),
    );
  const fanOuts = [...new Set(options.fanOuts)];
  for (const [fanOutIndex, fanOut] of fanOuts.entries()) {
    for (const latencyMs of RECEIVER_LATENCIES_MS) {
      results.push(
        await runOneLatencyPhase(options, {
          latencyMs,
          fanOut,
          tenant: tenantOf(latencyMs, fanOut, fanOutIndex === 0),
          inFlight: inFlightFor(fanOut),
        }),
      );
    }
  }
  return results;
}

async function runOneLatencyPhase(
  options: LatencyPhaseOptions,
  phaseOptions: { latencyMs: ReceiverLatencyMs; fanOut: number; tenant: BenchTenant; inFlight: number },
): Promise<LatencyPhaseResult> {
  const { service, receiver } = options;
  const { latencyMs, fanOut, tenant, inFlight } = phaseOptions;
  {
    const paths = Array.from({ length: fanOut }, (_, index) => delayedPath(latencyMs, `/${tenant}/${index}`));
    for (const [index, path] of paths.entries()) {
      const origin = receiver.origins[index % receiver.origins.length]!;
      await service.createWebhook(`${tenant} ${index}`, `${origin}${path}`, [BENCH_EVENT_TYPE], tenant);
    }
    const offered =
      latencyMs > 0 ? inFlight / (latencyMs / 1000) : Math.min(options.instantDeliveriesPerSecond, 1000);
    const eventsPerSecond = Math.max(1, offered / fanOut);
    const events = Math.max(10, Math.round(eventsPerSecond * options.seconds));

    const requestsBefore = service.counter.snapshot();
    const timesBefore = copyTimes(service.handlerTimes);
    const threadsBefore = service.runtime.deliveryThreadUtilization();
    const logBytesBefore = options.logBytes();
    const bar = new ProgressBar(`fan-out ${fanOut}, receiver ${latencyMs} ms`, events * fanOut);
    const phase = await runPhase({
      name: `lat${latencyMs}f${fanOut}`,
      tenant,
      events,
      paths,
      publisher: options.publisher,
      receiver,
      messageText: options.messageText,
      publishConcurrency: options.publishConcurrency,
      quietTimeoutMs: options.quietTimeoutMs,
      eventsPerSecond,
      onProgress: (received) => bar.update(received, 'deliveries'),
    });
    // A receipt is recorded when the request arrives; its batch's invocation ends only after the answer,
    // up to latencyMs later. Wait until the delivery invocations have all ended before reading them.
    await settleInvocations(service, latencyMs);
    const threadActiveMs = service.runtime
      .deliveryThreadUtilization()
      .reduce((total, loop, index) => total + loop.active - (threadsBefore[index]?.active ?? 0), 0);
    const handlerTimes = handlerTimesBetween(timesBefore, service.handlerTimes);
    const delivery = handlerTimes.get('delivery') ?? { invocations: 0, totalMs: 0 };
    const invocations = Math.max(1, delivery.invocations);
    bar.finish(
      `${Math.round(delivery.totalMs / invocations)} ms per invocation, p99 ${Math.round(quantile(phase.latenciesMs, 0.99))} ms, lost ${phase.lost}`,
    );
    return {
      latencyMs,
      fanOut,
      phase,
      offeredDeliveriesPerSecond: eventsPerSecond * fanOut,
      deliveryInvocations: delivery.invocations,
      deliveryWallMsPerInvocation: delivery.totalMs / invocations,
      deliveryCpuMsPerInvocation: threadActiveMs / invocations,
      recordsPerInvocation: phase.received / invocations,
      usage: {
        events: phase.events,
        deliveries: phase.received,
        requests: requestsBetween(requestsBefore, service.counter.snapshot()),
        publishedEvents: phase.events,
        handlerTimes,
        logBytes: options.logBytes() - logBytesBefore,
        deliveryLogMode: options.deliveryLog,
      },
    };
  }
}
