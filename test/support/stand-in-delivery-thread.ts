/**
 * A stand-in for src/local/delivery-thread.ts that speaks the same messages without building any
 * services, so the thread pool's own behaviour can be tested: the first record's body says what to
 * do ('crash' ends the thread, 'slow' answers after 300 ms, 'stray-rejection' leaves a rejected
 * promise nobody awaits and answers, anything else at once).
 */
import { parentPort, threadId } from 'node:worker_threads';
import type { ToDeliveryThread } from '#local/delivery-thread-protocol';

const port = parentPort;
if (!port) throw new Error('stand-in-delivery-thread.ts runs only as a worker thread');

port.on('message', (message: ToDeliveryThread) => {
  if (message.type !== 'invoke') return;
  const body = message.event.Records[0]?.body;
  if (body === 'crash') process.exit(3);
  // A request started and left to fail, as a store write whose socket hung up.
  if (body === 'stray-rejection') void Promise.reject(new Error('TimeoutError: socket hang up'));
  const answer = () =>
    port.postMessage({
      type: 'result',
      id: message.id,
      response: { batchItemFailures: [], threadId },
      requests: { 'SQS.SendMessage': 1 },
    });
  if (body === 'slow') setTimeout(answer, 300);
  else answer();
});
port.postMessage({ type: 'ready' });
