/**
 * The embedded store's worker thread (started by embedded-dynamodb-thread.ts): runs dynalite here and
 * tells the main thread its endpoint; on `close`, closes it (flushing LevelDB) and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '#observability';
import { startEmbeddedDynamo } from './embedded-dynamodb';
import type { StoreThreadMessage, StoreThreadRequest, StoreThreadSettings } from './embedded-dynamodb-thread';

const port = parentPort;
if (!port) throw new Error('embedded-dynamodb-worker runs only as a worker thread');
const settings = workerData as StoreThreadSettings;
const post = (message: StoreThreadMessage) => port.postMessage(message);

try {
  const store = await startEmbeddedDynamo(settings);
  port.on('message', (request: StoreThreadRequest) => {
    if (request.type !== 'close') return;
    // In a worker, process.exit ends this thread only, once the store has closed.
    store.close().finally(() => process.exit(0));
  });
  post({ type: 'ready', endpoint: store.endpoint });
} catch (error) {
  post({ type: 'failed', message: describeError(error) });
}
