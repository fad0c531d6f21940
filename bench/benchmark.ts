/**
 * The benchmark's phases: the raw POST ceiling, a warm-up, a throughput phase (events published as
 * fast as the ingest takes them) and a latency phase (paced at a share of that throughput).
 */
import { availableParallelism, loadavg } from 'node:os';
import { isRequestKey, requestsBetween } from '#adapters/aws-clients';
import { CONFIG_DEFAULTS } from '#config';
import { DELIVERY_EVENT_SOURCE, FUNCTION_SIZING } from '#lib/function-sizing';
import type { LocalFunctionName } from '#local/runtime';
import { startBenchService } from './bench-service';
import { measureBundles } from './bundles';
import { estimateCost, storeReadUnits } from './cost-model';
import { formatFairness, runFairnessPhase } from './fairness-phase';
import { probeFanOutMs } from './fan-out-probe';
import { runIsolationPhase } from './isolation-phase';
import { runLatencyPhases } from './latency-phases';
import { formatLatencyCosts } from './latency-report';
import { loggedBytes } from './log-capture';
import { BENCH_EVENT_TYPE, createPublisher, type PhaseResult, runPhase } from './pipeline-load';
import { ProgressBar } from './progress';
import { formatQueueFeatureCosts } from './queue-feature-cost';
import { measureQueueFloor } from './queue-floor';
import { measureRawPosts } from './raw-post';
import { startBenchReceiver } from './receiver';
import { type BenchFigures, formatBenchLine, formatCost, formatTable, formatTargets } from './report';
import { quantile } from './stats';

export interface BenchOptions {
  /** Webhooks each event reaches. */
  fanOut: number;
  /** DELIVERY_LOG of the service under test (docs/contract.md#delivery-log): the product default `all`, or `failures`/`off`. */
  deliveryLog: 'all' | 'failures' | 'off';
  /** Events of the throughput phase. */
  events: number;
  warmUpEvents: number;
  /** Length of the paced latency phase. */
  pacedSeconds: number;
  /** Share of the measured throughput the latency phase offers. */
  pacedLoadShare: number;
  rawSeconds: number;
  /** Delivery queue pollers (Lambda concurrency, locally). */
  deliveryConcurrency: number;
  /** WEBHOOKS_PER_DELIVERY_MESSAGE: the service's default unless given (1 is one message per webhook). */
  webhooksPerMessage: number;
  /** LOCAL_DELIVERY_THREADS: worker threads running the delivery function (0: the main thread). */
  deliveryThreads: number;
  publishConcurrency: number;
  quietTimeoutMs: number;
  includeBundles: boolean;
  /** Messages of the queue-floor measurement (0 skips it). */
  queueFloorMessages: number;
  /** Publishing time of each receiver-latency phase (0 ms, 200 ms, 1,000 ms). */
  latencySeconds: number;
  /** Run the receiver-latency and isolation phases (off only for profiling the throughput path). */
  includeLatencyPhases: boolean;
  /** Sequential fan-outs whose median time the cost model bills per fan-out invocation. */
  fanOutProbeInvocations: number;
  /** docs/contract.md#isolation's isolation phase: events flooding the 2.5 s endpoint, and the calm tenant's events and pace. */
  floodEvents: number;
  calmEvents: number;
  calmEventsPerSecond: number;
  /** Longest wait for the calm tenant's deliveries after its last publish. */
  isolationMaxWaitMs: number;
  /** docs/contract.md#isolation's fair share: one tenant's burst (events, each to two instant webhooks) and the calm tenant's events. */
  burstEvents: number;
  fairnessCalmEvents: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  fanOut: 5,
  deliveryLog: 'all',
  events: 3000,
  warmUpEvents: 200,
  pacedSeconds: 8,
  pacedLoadShare: 0.8,
  rawSeconds: 5,
  deliveryConcurrency: 8,
  webhooksPerMessage: CONFIG_DEFAULTS.WEBHOOKS_PER_DELIVERY_MESSAGE,
  deliveryThreads: 1,
  publishConcurrency: 4,
  quietTimeoutMs: 15_000,
  includeBundles: true,
  queueFloorMessages: 20_000,
  latencySeconds: 4,
  includeLatencyPhases: true,
  fanOutProbeInvocations: 30,
  floodEvents: 1000,
  calmEvents: 50,
  calmEventsPerSecond: 10,
  isolationMaxWaitMs: 8000,
  burstEvents: 3000,
  fairnessCalmEvents: 50,
};

const QUICK_OPTIONS: Partial<BenchOptions> = {
  events: 40,
  warmUpEvents: 10,
  pacedSeconds: 1,
  rawSeconds: 0.3,
  quietTimeoutMs: 5_000,
  includeBundles: false,
  queueFloorMessages: 200,
  latencySeconds: 0.3,
  fanOutProbeInvocations: 3,
  floodEvents: 30,
  calmEvents: 5,
  calmEventsPerSecond: 10,
  isolationMaxWaitMs: 3000,
  burstEvents: 60,
  fairnessCalmEvents: 5,
};

/** Options from command-line arguments. */
export function parseBenchArguments(argv: string[]): BenchOptions {
  const options = { ...DEFAULT_OPTIONS, ...(argv.includes('--quick') ? QUICK_OPTIONS : {}) };
  for (const argument of argv) {
    const [name, value] = argument.replace(/^--/, '').split('=');
    const number = Number(value);
    if (name === 'events' && number > 0) options.events = Math.round(number);
    if (name === 'fan-out' && number >= 1) options.fanOut = Math.min(50, Math.round(number));
    if (name === 'paced-seconds' && number > 0) options.pacedSeconds = number;
    if (name === 'raw-seconds' && number > 0) options.rawSeconds = number;
    if (name === 'concurrency' && number > 0) options.deliveryConcurrency = Math.round(number);
    if (name === 'webhooks-per-message' && number >= 1)
      options.webhooksPerMessage = Math.min(50, Math.round(number));
    if (name === 'threads' && value !== undefined && number >= 0)
      options.deliveryThreads = Math.min(16, Math.round(number));
    if (name === 'no-bundles') options.includeBundles = false;
    if (name === 'delivery-log' && (value === 'all' || value === 'failures' || value === 'off'))
      options.deliveryLog = value;
    if (name === 'latency-seconds' && number > 0) options.latencySeconds = number;
    if (name === 'no-latency-phases') options.includeLatencyPhases = false;
    if (name === 'flood-events' && number > 0) options.floodEvents = Math.round(number);
    if (name === 'burst-events' && number > 0) options.burstEvents = Math.round(number);
  }
  return options;
}

/** Each bundle's configured memory (functions/<name>.ts → lib/function-sizing.ts). */
const MEMORY_BY_BUNDLE: Record<string, number> = {
  api: FUNCTION_SIZING.api.memorySize,
  delivery: FUNCTION_SIZING.delivery.memorySize,
  'dlq-processor': FUNCTION_SIZING.dlqProcessor.memorySize,
  'fan-out': FUNCTION_SIZING.fanOut.memorySize,
};

/** A delivery body the size of the real ones, for the raw loop. */
function sampleDeliveryBody(messageText: string): string {
  return JSON.stringify({
    id: 'evt_raw_00000000',
    type: BENCH_EVENT_TYPE,
    timestamp: '2026-11-24T10:00:00.000Z',
    tenantId: 'bench',
    brandId: 'brand-1',
    data: {
      conversationId: 'conv_1',
      message: {
        id: 'msg_evt_raw_00000000',
        author: { type: 'customer', id: 'cust_1', name: 'Customer' },
        text: messageText,
        createdAt: '2026-11-24T10:00:00Z',
      },
    },
  });
}

/** Runs every phase; resolves with the text to print, the BENCH line last. */
export async function runBenchmark(options: BenchOptions): Promise<string> {
  const messageText = 'Hello, I need help with my order. '.repeat(6);
  // One origin per webhook for the latency phases (see latency-phases.ts).
  const receiver = await startBenchReceiver(options.fanOut);
  const service = await startBenchService({
    deliveryConcurrency: options.deliveryConcurrency,
    webhooksPerMessage: options.webhooksPerMessage,
    deliveryThreads: options.deliveryThreads,
    deliveryLog: options.deliveryLog,
  });
  const publisher = await createPublisher(service.runtime.url, service.runtime.awsKey);
  const sections: string[] = [];
  let figures: Omit<
    BenchFigures,
    | 'isolationP99Ms'
    | 'fairnessP99Ms'
    | 'usdPerMillionDeliveries200ms'
    | 'usdPerMillionDeliveries200msLogAll'
    | 'logUsdPerMillionDeliveries'
  >;
  let latencyFigures = {
    usdPerMillionDeliveries200ms: Number.NaN,
    usdPerMillionDeliveries200msLogAll: Number.NaN,
    logUsdPerMillionDeliveries: Number.NaN,
    requestFloorUsdPerMillionDeliveries200ms: Number.NaN,
  };
  let isolationP99Ms = Number.NaN;
  let fairnessP99Ms = Number.NaN;
  let requestSplit: { sqsPerDelivery: number; storeReadsPerDelivery: number } | undefined;
  let rawPerSecond = 0;
  /** CPU one raw POST cost the sending process and the receiver: every delivery costs at least as much. */
  let rawCpuMsPerPost = { client: 0, receiver: 0 };
  try {
    const paths = Array.from({ length: options.fanOut }, (_, index) => `/wh/${index}`);
    for (const [index, path] of paths.entries()) {
      await service.createWebhook(`bench ${index}`, `${receiver.origin}${path}`, [BENCH_EVENT_TYPE]);
    }

    const concurrency = service.runtime.services.deliveryPolicy.admission.maxInFlightPerWebhook;
    const rawRequest = {
      origin: receiver.origin,
      body: sampleDeliveryBody(messageText),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chat-webhooks/0.1.0',
        'webhook-timestamp': '1800000000',
        'webhook-signature': `v1,${'A'.repeat(43)}=`,
      },
      concurrency,
    };
    // Unmeasured first: JIT and connection set-up would otherwise be charged to the ceiling.
    await measureRawPosts({
      ...rawRequest,
      label: 'warm-up',
      durationMs: Math.min(500, options.rawSeconds * 200),
    });
    const rawProgress = new ProgressBar('raw POST', Math.round(options.rawSeconds * 1000));
    const rawCpuBefore = { client: process.cpuUsage(), receiverMs: await receiver.cpuMs() };
    const rawStartedAt = performance.now();
    const raw = await measureRawPosts({
      ...rawRequest,
      label: 'measured',
      durationMs: options.rawSeconds * 1000,
      onProgress: (done) => rawProgress.update(Math.round(performance.now() - rawStartedAt), `${done} posts`),
    });
    rawProgress.finish(`${Math.round(raw.perSecond)} posts/s`);
    rawPerSecond = raw.perSecond;
    const rawClientCpu = process.cpuUsage(rawCpuBefore.client);
    rawCpuMsPerPost = {
      client: (rawClientCpu.user + rawClientCpu.system) / 1000 / Math.max(1, raw.requests),
      receiver: ((await receiver.cpuMs()) - rawCpuBefore.receiverMs) / Math.max(1, raw.requests),
    };

    const phase = async (name: string, events: number, eventsPerSecond?: number): Promise<PhaseResult> => {
      const bar = new ProgressBar(name, events * options.fanOut);
      const result = await runPhase({
        name,
        events,
        paths,
        publisher,
        receiver,
        messageText,
        publishConcurrency: options.publishConcurrency,
        quietTimeoutMs: options.quietTimeoutMs,
        ...(eventsPerSecond ? { eventsPerSecond } : {}),
        onProgress: (received) => bar.update(received, 'deliveries'),
      });
      bar.finish(`${Math.round(result.deliveriesPerSecond)} deliveries/s, lost ${result.lost}`);
      return result;
    };

    await phase('warm-up', options.warmUpEvents);
    const requestsBefore = service.counter.snapshot();
    const putEventsBefore = publisher.counter.total();
    const logBytesBefore = loggedBytes();
    service.handlerTimes.clear();
    // CPU time is steadier than rates on a shared machine: the figure to compare changes by.
    const cpuBefore = process.cpuUsage();
    const mainLoopBefore = performance.eventLoopUtilization();
    const threadLoopsBefore = service.runtime.deliveryThreadUtilization();

    // For `node --cpu-prof` runs: the phase's window on the profile's clock (microseconds).
    const markProfile = (label: string) => {
      if (process.env.BENCH_PROFILE_MARKS)
        process.stderr.write(`mark ${label} ${process.hrtime.bigint() / 1000n}\n`);
    };
    markProfile('throughput-start');
    const throughput = await phase('throughput', options.events);
    markProfile('throughput-end');
    // How busy each event loop was while events came as fast as the ingest took them: the saturated one is the bottleneck.
    const busy = [
      `main ${Math.round(performance.eventLoopUtilization(mainLoopBefore).utilization * 100)} %`,
      ...service.runtime
        .deliveryThreadUtilization()
        .map(
          (loop, index) =>
            `delivery thread ${index + 1} ${Math.round(performance.eventLoopUtilization(loop, threadLoopsBefore[index]).utilization * 100)} %`,
        ),
    ].join(', ');
    const pacedEventsPerSecond = Math.max(
      1,
      (throughput.deliveriesPerSecond * options.pacedLoadShare) / options.fanOut,
    );
    const paced = await phase(
      'latency',
      Math.max(10, Math.round(pacedEventsPerSecond * options.pacedSeconds)),
      pacedEventsPerSecond,
    );

    const cpu = process.cpuUsage(cpuBefore);
    const requests = requestsBetween(requestsBefore, service.counter.snapshot());
    const deliveries = throughput.received + paced.received;
    const events = throughput.events + paced.events;
    // Item counts (the items a BatchGetItem asked for) are read units, not requests.
    const serviceRequests = Object.entries(requests)
      .filter(([key]) => isRequestKey(key))
      .reduce((total, [, count]) => total + count, 0);
    const readUnits = storeReadUnits(requests);
    const perDelivery = (select: (key: string) => boolean) =>
      Object.entries(requests)
        .filter(([key]) => isRequestKey(key) && select(key))
        .reduce((total, [, count]) => total + count, 0) / Math.max(1, deliveries);
    requestSplit = {
      sqsPerDelivery: perDelivery((key) => key.startsWith('SQS.')),
      storeReadsPerDelivery: perDelivery((key) => /^DynamoDB\.(GetItem|Query|Scan|BatchGetItem)$/.test(key)),
    };
    const putEvents = publisher.counter.total() - putEventsBefore;
    figures = {
      deliveriesPerSecond: throughput.deliveriesPerSecond,
      rawPostPerSecond: raw.perSecond,
      p50Ms: quantile(paced.latenciesMs, 0.5),
      p99Ms: quantile(paced.latenciesMs, 0.99),
      lost: throughput.lost + paced.lost,
      awsRequestsPerDelivery: deliveries > 0 ? serviceRequests / deliveries : 0,
      cpuMsPerDelivery: (cpu.user + cpu.system) / 1000 / Math.max(1, deliveries),
    };

    sections.push(
      formatTable(
        ['phase', 'events', 'deliveries', 'lost', 'deliveries/s', 'p50 ms', 'p99 ms', 'seconds'],
        [
          ['raw POST ceiling', 0, raw.requests, 0, Math.round(raw.perSecond), 0, 0, options.rawSeconds],
          ...[
            ['throughput (as fast as ingested)', throughput] as const,
            [`latency (paced at ${Math.round(options.pacedLoadShare * 100)}%)`, paced] as const,
          ].map(([label, result]) => [
            label,
            result.events,
            result.received,
            result.lost,
            Math.round(result.deliveriesPerSecond),
            Math.round(quantile(result.latenciesMs, 0.5)),
            Math.round(quantile(result.latenciesMs, 0.99)),
            Number((result.elapsedMs / 1000).toFixed(1)),
          ]),
        ],
      ),
      `fan-out ${options.fanOut}, ${options.webhooksPerMessage} webhook(s) per delivery message, ${options.deliveryConcurrency} delivery pollers, ${options.deliveryThreads} delivery thread(s), raw loop and sender at ${concurrency} connections, duplicates received ${receiver.duplicates}`,
      `event loops busy during the throughput phase: ${busy}`,
      `service process CPU per delivery: ${((cpu.user + cpu.system) / 1000 / Math.max(1, deliveries)).toFixed(3)} ms (user ${Math.round(cpu.user / 1000)} ms, system ${Math.round(cpu.system / 1000)} ms; the publisher runs in its own process, the bench's receipt bookkeeping is included); load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
      '',
      formatTable(
        ['AWS requests (measured phases)', 'count', 'per event', 'per delivery'],
        [
          ...Object.entries(requests)
            .filter(([key]) => isRequestKey(key))
            .sort(([left], [right]) => left.localeCompare(right))
            .map(([key, count]) => [
              key,
              count,
              (count / Math.max(1, events)).toFixed(3),
              (count / Math.max(1, deliveries)).toFixed(3),
            ]),
          [
            'total (service)',
            serviceRequests,
            (serviceRequests / Math.max(1, events)).toFixed(3),
            (serviceRequests / Math.max(1, deliveries)).toFixed(3),
          ],
          [
            'store read units (consistent: GetItem, Query, each BatchGetItem item; not requests)',
            readUnits,
            (readUnits / Math.max(1, events)).toFixed(3),
            (readUnits / Math.max(1, deliveries)).toFixed(3),
          ],
          [
            'EventBridge.PutEvents (publisher, not counted above)',
            putEvents,
            (putEvents / Math.max(1, events)).toFixed(3),
            (putEvents / Math.max(1, deliveries)).toFixed(3),
          ],
        ],
      ),
      '',
      formatTable(
        ['handler', 'invocations', 'ms total', 'ms per invocation'],
        [...service.handlerTimes].map(
          ([name, time]: [LocalFunctionName, { invocations: number; totalMs: number }]) => [
            name,
            time.invocations,
            Math.round(time.totalMs),
            (time.totalMs / Math.max(1, time.invocations)).toFixed(1),
          ],
        ),
      ),
      '',
      formatCost(
        estimateCost(
          {
            events,
            deliveries,
            requests,
            publishedEvents: events,
            handlerTimes: service.handlerTimes,
            logBytes: loggedBytes() - logBytesBefore,
            deliveryLogMode: options.deliveryLog,
          },
          { deliveryLog: options.deliveryLog },
        ),
        options.fanOut,
        { deliveryLog: options.deliveryLog },
      ),
    );

    if (options.includeLatencyPhases) {
      const latencyResults = await runLatencyPhases({
        service,
        receiver,
        publisher,
        messageText,
        // docs/contract.md#benchmark prices fan-out 1 and 5: the run's own fan-out first (the BENCH line's), then 1.
        fanOuts: [options.fanOut, 1],
        deliveryLog: options.deliveryLog,
        seconds: options.latencySeconds,
        pollers: options.deliveryConcurrency,
        batchSize: DELIVERY_EVENT_SOURCE.batchSize,
        publishConcurrency: options.publishConcurrency,
        quietTimeoutMs: options.quietTimeoutMs,
        instantDeliveriesPerSecond: paced.deliveriesPerSecond,
        logBytes: loggedBytes,
      });
      const fanOutMs = await probeFanOutMs(service, {
        tenant: 'lat-0',
        invocations: options.fanOutProbeInvocations,
        messageText,
      });
      const latencyCosts = formatLatencyCosts(
        latencyResults,
        sampleDeliveryBody(messageText).length,
        fanOutMs,
      );
      latencyFigures = latencyCosts;
      sections.push('', latencyCosts.text);
      if (requestSplit)
        sections.push('', formatQueueFeatureCosts(requestSplit.sqsPerDelivery, options.fanOut));

      const isolation = await runIsolationPhase({
        service,
        receiver,
        publisher,
        messageText,
        floodEvents: options.floodEvents,
        calmEvents: options.calmEvents,
        calmEventsPerSecond: options.calmEventsPerSecond,
        maxWaitMs: options.isolationMaxWaitMs,
      });
      isolationP99Ms = isolation.calmP99Ms;
      sections.push(
        '',
        formatTable(
          ['isolation (docs/contract.md#isolation), same host', 'events', 'received', 'p50 ms', 'p99 ms'],
          [
            ['tenant 2: flood to a 2.5 s endpoint', isolation.floodEvents, isolation.floodReceived, '', ''],
            [
              'tenant 1: instant endpoint, another path',
              isolation.calmEvents,
              isolation.calmReceived,
              String(Math.round(isolation.calmP50Ms)),
              `${isolation.isLowerBound ? '≥ ' : ''}${Math.round(isolation.calmP99Ms)}`,
            ],
          ],
        ),
        `isolation phase ${(isolation.elapsedMs / 1000).toFixed(1)} s; the flood was answered at once after tenant 1 was measured (not waited out)${isolation.isLowerBound ? '; tenant 1 deliveries still missing after the wait count as received at its end, so its p99 is a lower bound' : ''}`,
      );

      const fairness = await runFairnessPhase({
        service,
        receiver,
        publisher,
        messageText,
        burstEvents: options.burstEvents,
        calmEvents: options.fairnessCalmEvents,
        calmEventsPerSecond: options.calmEventsPerSecond,
        maxWaitMs: options.isolationMaxWaitMs,
        quietTimeoutMs: options.quietTimeoutMs,
      });
      fairnessP99Ms = fairness.calmP99Ms;
      sections.push('', formatFairness(fairness));
    }
  } finally {
    publisher.destroy();
    await service.stop();
    await receiver.close();
  }

  /** Queue + one raw POST's CPU per delivery: what every delivery costs at least on this machine. */
  let cpuFloorMs: number | undefined;
  if (options.queueFloorMessages > 0) {
    const bar = new ProgressBar('queue floor', 1);
    bar.update(0, 'send, receive and delete on one thread', true);
    // A delivery message is the event envelope (the delivery's own body) plus the task's fields.
    const floor = await measureQueueFloor({
      messages: options.queueFloorMessages,
      bodyBytes: sampleDeliveryBody(messageText).length + 120,
      rounds: 2,
    });
    bar.finish(`${Math.round(floor.perSecond)} messages/s`);
    // The least CPU one delivery can cost on this machine: its queue message plus one raw POST's client
    // and receiver share. Spread over every core (the best case), that bounds deliveries per second.
    const cores = availableParallelism();
    // A grouped message carries up to WEBHOOKS_PER_DELIVERY_MESSAGE of an event's deliveries.
    const deliveriesPerMessage = Math.min(options.webhooksPerMessage, options.fanOut);
    const queueCpuMs = floor.cpuMsPerMessage / deliveriesPerMessage;
    const queueBound = floor.perSecond * deliveriesPerMessage;
    const floorCpuMs = queueCpuMs + rawCpuMsPerPost.client + rawCpuMsPerPost.receiver;
    cpuFloorMs = floorCpuMs;
    const machineBound = (cores * 1000) / floorCpuMs;
    const ratioOf = (perSecond: number) => (rawPerSecond > 0 ? (perSecond / rawPerSecond).toFixed(2) : 'n/a');
    sections.push(
      '',
      formatTable(
        [
          'upper bounds (CPU measured in this run)',
          'CPU ms per delivery',
          'deliveries/s at most',
          'ratio at most',
        ],
        [
          [
            `queue alone: SendMessageBatch via the SDK, receive + delete, one thread (${Math.round(floor.perSecond)} messages/s)`,
            queueCpuMs.toFixed(3),
            Math.round(queueBound),
            ratioOf(queueBound),
          ],
          [
            `queue + one raw POST (client ${rawCpuMsPerPost.client.toFixed(3)}, receiver ${rawCpuMsPerPost.receiver.toFixed(3)}), all ${cores} cores`,
            floorCpuMs.toFixed(3),
            Math.round(machineBound),
            ratioOf(machineBound),
          ],
        ],
      ),
      'Both bounds leave out the ingest, the bus, the fan-out, signing and the handlers: the service stays below them.',
    );
  }

  if (options.includeBundles) {
    const bar = new ProgressBar('bundles', 1);
    bar.update(0, 'esbuild + import timing', true);
    const bundles = await measureBundles();
    bar.finish();
    sections.push(
      '',
      formatTable(
        [
          'Lambda bundle (esbuild ESM, minified, node22)',
          'KiB',
          'import ms (median of 5)',
          'RSS MiB after import',
          'memory MB (stack)',
        ],
        bundles.map((bundle) => [
          bundle.name,
          Math.round(bundle.bytes / 1024),
          Math.round(bundle.importMs),
          Math.round(bundle.rssMib),
          MEMORY_BY_BUNDLE[bundle.name] ?? 0,
        ]),
      ),
    );
  }
  sections.push(
    '',
    formatTargets(figures, latencyFigures, isolationP99Ms, cpuFloorMs, requestSplit, fairnessP99Ms),
  );
  sections.push(
    '',
    formatBenchLine({
      ...figures,
      usdPerMillionDeliveries200ms: latencyFigures.usdPerMillionDeliveries200ms,
      usdPerMillionDeliveries200msLogAll: latencyFigures.usdPerMillionDeliveries200msLogAll,
      logUsdPerMillionDeliveries: latencyFigures.logUsdPerMillionDeliveries,
      isolationP99Ms,
      fairnessP99Ms,
    }),
  );
  return sections.join('\n');
}
