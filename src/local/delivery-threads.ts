/**
 * The local runtime's delivery threads: worker threads that each run the delivery function the way a
 * Lambda execution environment would (see delivery-thread.ts). The runtime's event source still
 * receives, heartbeats and deletes the messages; a thread only runs the handler on a batch. A thread
 * that dies fails the batches it had (they come back after their visibility timeout, as on Lambda)
 * and is replaced.
 *
 * Only delivery runs here. Fan-out stays on the main thread: handing each event to a thread and its
 * SendMessageBatch back cost more than the handler itself (bench: 2,310 deliveries/s with fan-out in
 * the thread against 2,750 to 3,060 without).
 */
import { createRequire } from 'node:module';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AwsRequestCounter } from '#adapters/aws-clients';
import type { HostResolver } from '#domain/ports';
import type {
  DeliveryThreadSettings,
  FromDeliveryThread,
  ToDeliveryThread,
} from './delivery-thread-protocol';
import type { ProtocolResponse } from './eventbridge-ingest';

export interface DeliveryThreadsOptions {
  count: number;
  settings: DeliveryThreadSettings;
  /** The module each thread runs. @default ./delivery-thread.ts (tests give a stand-in that speaks the same messages) */
  threadModule?: URL;
  /** Answers the threads' name lookups. */
  resolver: HostResolver;
  /** Answers the threads' SQS and EventBridge calls (X-Amz-Target, JSON body). */
  answerAwsCall: (target: string, body: string) => Promise<ProtocolResponse>;
  /** Receives the AWS requests the threads send. */
  counter?: AwsRequestCounter;
  /** Told when a thread dies or fails; it is replaced. */
  onError: (error: unknown) => void;
  /** Told of a request a thread started and nobody awaited that failed; the thread goes on. */
  onStrayFailure?: (error: string) => void;
}

/** A pool of delivery threads. */
export interface DeliveryThreads {
  /** Runs the delivery handler on `event` in the least busy thread; resolves with its partial failures. */
  invoke(event: SQSEvent): Promise<SQSBatchResponse | undefined>;
  /** Threads that have built their services and take invocations now (a dead one is 0 until replaced). */
  readyCount(): number;
  /** Each live thread's event loop use so far (active vs idle time). */
  eventLoopUtilization(): EventLoopUtilization[];
  /** Each live thread's V8 heap in use as of its latest invocation, in bytes (0 before its first). */
  heapUsedBytes(): number[];
  /** Ends every thread; call once nothing is in flight (the event sources have stopped). */
  close(): Promise<void>;
}

const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
const THREAD_MODULE = new URL('./delivery-thread.ts', import.meta.url);
// A thread loads the TypeScript sources as the main thread does under tsx: it registers tsx's ESM
// hooks itself (Node 20 does not apply an `--import` loader to a worker's entry), then imports the
// thread module. The ESM build of tsx's API sits beside the CommonJS one `require.resolve` finds.
const TSX_ESM_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs'),
).href;
//
// Before anything else it catches rejections no code awaited (a store or queue request started and
// left to fail, e.g. a socket hung up): Node ends a thread on the first one, failing every batch in it
// and stopping deliveries until a replacement is up. Such a request belongs to no delivery's outcome
// (the awaited ones fail their record, which then comes back: at-least-once), so the thread reports
// it as a warning and goes on. Only the message is sent: an error's text names no secret. A thread
// module that cannot load still ends the thread, with its reason (thrown, not left as a rejection).
const bootstrap = (threadModule: URL): string => `process.on('unhandledRejection', (reason) => {
    require('node:worker_threads').parentPort?.postMessage({
      type: 'stray-failure',
      error: String(reason instanceof Error ? reason.name + ': ' + reason.message : reason),
    });
  });
  import(${JSON.stringify(TSX_ESM_API)})
  .then(({ register }) => { register(); return import(${JSON.stringify(threadModule.href)}); })
  .catch((error) => setImmediate(() => { throw error; }));`;

interface Thread {
  worker: Worker;
  isReady: boolean;
  /** V8 heap in use as of its latest answer, in bytes. */
  heapUsedBytes?: number;
  pending: Map<
    number,
    { resolve: (response: SQSBatchResponse | undefined) => void; reject: (error: Error) => void }
  >;
}

/** Starts `count` threads; resolves once every one has built its services. */
export async function startDeliveryThreads(options: DeliveryThreadsOptions): Promise<DeliveryThreads> {
  let nextInvocation = 0;
  let isClosing = false;
  const threads = new Set<Thread>();

  const answer = (thread: Thread, message: FromDeliveryThread): void => {
    const send = (reply: ToDeliveryThread): void => thread.worker.postMessage(reply);
    switch (message.type) {
      case 'ready':
        thread.isReady = true;
        return;
      case 'stray-failure':
        options.onStrayFailure?.(message.error);
        return;
      case 'result': {
        if (message.heapUsedBytes !== undefined) thread.heapUsedBytes = message.heapUsedBytes;
        for (const [key, count] of Object.entries(message.requests)) {
          const [service = 'Unknown', operation = 'Unknown'] = key.split('.');
          options.counter?.count(service, operation, count);
        }
        const pending = thread.pending.get(message.id);
        thread.pending.delete(message.id);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.response);
        return;
      }
      case 'aws':
        options.answerAwsCall(message.target, message.body).then(
          (result) => send({ type: 'aws-answer', id: message.id, answer: result }),
          (error: unknown) =>
            send({
              type: 'aws-answer',
              id: message.id,
              answer: {
                statusCode: 500,
                headers: { 'content-type': 'application/x-amz-json-1.0' },
                body: JSON.stringify({ __type: 'InternalFailure', message: String(error) }),
              },
            }),
        );
        return;
      case 'resolve':
        options.resolver.resolve(message.hostname).then(
          (addresses) => send({ type: 'resolved', id: message.id, addresses }),
          (error: NodeJS.ErrnoException) =>
            send({
              type: 'resolved',
              id: message.id,
              error: { message: error.message, ...(error.code ? { code: error.code } : {}) },
            }),
        );
        return;
    }
  };

  const start = (): Promise<void> =>
    new Promise((resolveStart, rejectStart) => {
      const thread: Thread = {
        worker: new Worker(bootstrap(options.threadModule ?? THREAD_MODULE), {
          eval: true,
          workerData: options.settings,
          // The main thread has already shown the SDK's Node-version notice once.
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        }),
        isReady: false,
        pending: new Map(),
      };
      threads.add(thread);
      thread.worker.on('message', (message: FromDeliveryThread) => {
        answer(thread, message);
        if (message.type === 'ready') resolveStart();
      });
      // A thread that cannot start (its services will not build) ends with the reason as an 'error'.
      let failure: unknown;
      thread.worker.on('error', (error) => {
        failure ??= error;
        if (thread.isReady) options.onError(error);
      });
      thread.worker.on('exit', (code) => {
        threads.delete(thread);
        const lost = new Error(`a delivery thread exited (code ${code}) with this invocation in flight`);
        for (const pending of thread.pending.values()) pending.reject(lost);
        if (!thread.isReady) {
          const reason = failure instanceof Error ? failure.message : `exit code ${code}`;
          rejectStart(new Error(`a delivery thread could not start: ${reason}`));
        }
        if (isClosing || !thread.isReady) return;
        options.onError(new Error(`a delivery thread exited (code ${code}); starting another`));
        replace(RESTART_DELAY_MS);
      });
    });

  /** Starts a replacement after `delayMs`; one that cannot start is tried again, backing off to 30 s. */
  const replace = (delayMs: number): void => {
    setTimeout(() => {
      if (isClosing) return;
      start().catch((error: unknown) => {
        options.onError(error);
        replace(Math.min(delayMs * 2, MAX_RESTART_DELAY_MS));
      });
    }, delayMs).unref();
  };

  try {
    await Promise.all(Array.from({ length: options.count }, () => start()));
  } catch (error) {
    isClosing = true;
    await Promise.all([...threads].map((thread) => thread.worker.terminate()));
    throw error;
  }

  return {
    invoke(event) {
      // The least busy live thread, as Lambda routes to an idle environment.
      let chosen: Thread | undefined;
      for (const thread of threads) {
        if (thread.isReady && (!chosen || thread.pending.size < chosen.pending.size)) chosen = thread;
      }
      if (!chosen) return Promise.reject(new Error('no delivery thread is running; the work will come back'));
      const id = nextInvocation++;
      const target = chosen;
      return new Promise((resolve, reject) => {
        target.pending.set(id, { resolve, reject });
        target.worker.postMessage({ type: 'invoke', id, event } satisfies ToDeliveryThread);
      });
    },
    readyCount: () => [...threads].filter((thread) => thread.isReady).length,
    heapUsedBytes: () => [...threads].map((thread) => thread.heapUsedBytes ?? 0),
    eventLoopUtilization: () =>
      [...threads].map((thread) => thread.worker.performance.eventLoopUtilization()),
    async close() {
      isClosing = true;
      await Promise.all([...threads].map((thread) => thread.worker.terminate()));
    },
  };
}
