/**
 * The embedded store in a worker thread of its own (the local runtime's default). dynalite does its
 * request parsing, JSON and LevelDB work on the thread it runs on; on the main thread that work
 * competed with the ingest, the bus, the fan-out and the local queues, and with the full delivery log
 * (a record per delivery, a payload per event) it was the largest share of the main thread's time.
 * In a thread of its own it uses the machine's other core. Crash safety is unchanged: the thread
 * belongs to the same process, LevelDB still appends each write to its log before dynalite answers,
 * and a `kill -9` ends both together.
 */
import { Worker } from 'node:worker_threads';
import type { AwsCredentials } from '#adapters/aws-clients';
import { logger } from '#observability';
import type { EmbeddedDynamo } from './embedded-dynamodb';
import { workerSourceFor } from './worker-module';

/** What the main thread sends the store's thread. */
export type StoreThreadRequest = { type: 'close' };
/** What the store's thread answers. */
export type StoreThreadMessage = { type: 'ready'; endpoint: string } | { type: 'failed'; message: string };

/** What the store's thread is started with (`workerData`). */
export interface StoreThreadSettings {
  dataDir: string;
  tableName: string;
  credentials?: AwsCredentials;
}

const THREAD_MODULE = new URL('./embedded-dynamodb-worker.ts', import.meta.url);

/**
 * Starts the embedded store (see startEmbeddedDynamo) on a worker thread; resolves with its endpoint
 * once the table exists. Rejects when the thread cannot start the store. A thread that ends while the
 * runtime still uses it is logged: the store's requests then fail (503 at the API) and nothing
 * acknowledged is lost.
 */
export async function startEmbeddedDynamoThread(settings: StoreThreadSettings): Promise<EmbeddedDynamo> {
  const worker = new Worker(workerSourceFor(THREAD_MODULE), {
    eval: true,
    workerData: settings,
    // The main thread has already shown the SDK's Node-version notice once.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let isClosing = false;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const onMessage = (message: StoreThreadMessage) => {
      if (message.type === 'ready') resolve(message.endpoint);
      if (message.type === 'failed')
        reject(new Error(`the embedded store did not start: ${message.message}`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the embedded store's thread exited (${code}) while starting`)),
    );
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.removeAllListeners();
  worker.on('error', (error) => logger.error('the embedded store thread failed', { error: String(error) }));
  worker.on('exit', (code) => {
    if (!isClosing) logger.error('the embedded store thread ended; store requests will fail', { code });
  });
  return {
    endpoint,
    async close() {
      isClosing = true;
      // The thread closes the store (flushing LevelDB) and then ends itself.
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ type: 'close' } satisfies StoreThreadRequest);
      });
    },
  };
}
